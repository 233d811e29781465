"""Codex CLI rollout JSONL (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Reads `session_meta`, `turn_context`, `response_item` (messages, reasoning,
function calls and outputs, custom tool calls, local shell calls) and the token
counts of `event_msg`; unknown record types are ignored. Older rollouts wrote the
response items bare, without the `type`/`payload` envelope; both are read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import iter_json_lines, parse_json_arguments, text_of

FORMAT = "codex"
ENVELOPES = {"session_meta", "turn_context", "response_item", "event_msg", "compacted"}
ITEMS = {"message", "reasoning", "function_call", "function_call_output", "custom_tool_call",
         "custom_tool_call_output", "local_shell_call", "web_search_call"}
_INJECTED = re.compile(r"^\s*<(?:environment_context|user_instructions|INSTRUCTIONS)>|^# AGENTS\.md instructions")
_EXIT = re.compile(r"(?:Exit code:|exit_code\"?:)\s*(-?\d+)")


def sniff(first_records: list[dict[str, Any]]) -> bool:
    if not first_records:
        return False
    head = first_records[0]
    if head.get("type") == "session_meta" or (head.get("id") and "instructions" in head and "timestamp" in head):
        return True
    return sum(1 for r in first_records if isinstance(r.get("type"), str) and r["type"] in ENVELOPES and "payload" in r) >= 2


def read(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    facts, report = transcript.facts, transcript.report
    facts.agent = "codex"
    tracker = ev.CallTracker()
    yield from ev.each_record(iter_json_lines(path, report), report, lambda record: _record(record, transcript, tracker))


def _record(record: dict[str, Any], transcript: ev.Transcript, tracker: ev.CallTracker) -> Iterator[ev.Event]:
    facts, report = transcript.facts, transcript.report
    kind = record.get("type")
    payload = record.get("payload")
    when = record.get("timestamp") if isinstance(record.get("timestamp"), str) else None
    if when:
        facts.started = facts.started or when
        facts.ended = when
    if kind not in ENVELOPES and kind in ITEMS:
        kind, payload = "response_item", record  # legacy, bare items
    elif kind not in ENVELOPES and "instructions" in record and "id" in record:
        facts.session_id = str(record["id"])
        return
    if not isinstance(payload, dict):
        if kind not in ENVELOPES:
            report.skip("records of unknown type")
        return
    if kind == "session_meta":
        facts.session_id = str(payload.get("id") or facts.session_id or "")
        facts.cwd = payload.get("cwd") or facts.cwd
        facts.agent = f"codex {payload.get('cli_version', '')}".strip()
    elif kind == "turn_context":
        facts.model = payload.get("model") or facts.model
        facts.cwd = facts.cwd or payload.get("cwd")
    elif kind == "event_msg":
        _token_counts(payload, facts)
    elif kind == "compacted" and isinstance(payload.get("message"), str):
        yield ev.Event(ev.SUMMARY, payload["message"], timestamp=when)
    elif kind == "response_item":
        yield from _item(payload, tracker, when)


def _token_counts(payload: dict[str, Any], facts: ev.SessionFacts) -> None:
    if payload.get("type") != "token_count" or not isinstance(payload.get("info"), dict):
        return
    total = payload["info"].get("total_token_usage")
    if isinstance(total, dict):
        facts.input_tokens = int(total.get("input_tokens") or 0)
        facts.output_tokens = int(total.get("output_tokens") or 0)


def _item(item: dict[str, Any], tracker: ev.CallTracker, when: str | None) -> Iterator[ev.Event]:
    item_type = item.get("type")
    if item_type == "message":
        text = text_of(item.get("content"))
        role = item.get("role")
        if not text:
            return
        if role == "assistant":
            yield ev.Event(ev.ASSISTANT, text, timestamp=when)
        elif role == "user" and not _INJECTED.match(text):
            yield ev.Event(ev.USER, text, timestamp=when)
        else:
            yield ev.Event(ev.NOTE, text, timestamp=when)
    elif item_type == "reasoning":
        text = text_of(item.get("summary")) or text_of(item.get("content"))
        if text:
            yield ev.Event(ev.REASONING, text, timestamp=when)
    elif item_type in ("function_call", "custom_tool_call", "local_shell_call"):
        name = str(item.get("name") or ("shell" if item_type == "local_shell_call" else "tool"))
        arguments = parse_json_arguments(item.get("arguments", item.get("input", item.get("action"))))
        yield tracker.call(name, arguments, str(item.get("call_id") or item.get("id") or ""), timestamp=when)
    elif item_type in ("function_call_output", "custom_tool_call_output"):
        call_id = str(item.get("call_id") or "")
        output = item.get("output")
        exit_code = None
        if isinstance(output, str):
            decoded = parse_json_arguments(output)
            if isinstance(decoded, dict):
                metadata = decoded.get("metadata") if isinstance(decoded.get("metadata"), dict) else {}
                exit_code = metadata.get("exit_code") if isinstance(metadata.get("exit_code"), int) else None
                output = decoded.get("output") if isinstance(decoded.get("output"), str) else output
        elif isinstance(output, dict):
            exit_code = output.get("exit_code") if isinstance(output.get("exit_code"), int) else None
            output = text_of(output.get("content") or output.get("output")) or json.dumps(output)
        text = output if isinstance(output, str) else text_of(output)
        if exit_code is None:
            found = _EXIT.search(text[:300])
            exit_code = int(found.group(1)) if found else None
        yield tracker.result(call_id, text, exit_code=exit_code, is_error=bool(exit_code), timestamp=when)
