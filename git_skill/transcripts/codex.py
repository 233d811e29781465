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
FORMAT_EXEC = "codex-exec"
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
        facts.input_tokens = _int(total.get("input_tokens"))  # a wrong-typed count is 0, never fatal
        facts.output_tokens = _int(total.get("output_tokens"))


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


# ------------------------------------------------------------------ `codex exec --json` output
EXEC_TYPES = {"thread.started", "turn.started", "turn.completed", "turn.failed", "item.started", "item.updated",
              "item.completed", "error"}


class ExecState:
    """Pairs `codex exec --json` items (the current `item.*` stream, or the older `{"id", "msg"}` events)."""

    def __init__(self, transcript: ev.Transcript) -> None:
        self.transcript = transcript
        self.tracker = ev.CallTracker()
        self.tokens = [0, 0]


def is_exec_record(record: dict[str, Any]) -> bool:
    kind = record.get("type")
    return (isinstance(kind, str) and kind in EXEC_TYPES) or (isinstance(record.get("msg"), dict) and "id" in record)


def sniff_exec(first_records: list[dict[str, Any]]) -> bool:
    return sum(1 for r in first_records if is_exec_record(r)) >= 2


def read_exec(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    """A file of `codex exec --json` lines (Harbor's `agent/codex.txt`)."""
    state = ExecState(transcript)
    for record in iter_json_lines(path, transcript.report):
        yield from exec_record(record, state)


def exec_record(record: dict[str, Any], state: ExecState) -> Iterator[ev.Event]:
    facts = state.transcript.facts
    facts.agent = facts.agent or "codex"
    kind = record.get("type")
    if isinstance(record.get("msg"), dict):
        yield from _legacy_exec(record["msg"], state)
    elif kind == "thread.started":
        facts.session_id = str(record.get("thread_id") or "") or facts.session_id
    elif kind == "turn.completed" and isinstance(record.get("usage"), dict):
        usage = record["usage"]
        state.tokens[0] += _int(usage.get("input_tokens"))
        state.tokens[1] += _int(usage.get("output_tokens"))
        facts.input_tokens, facts.output_tokens = state.tokens
    elif kind in ("turn.failed", "error"):
        error = record.get("error") if isinstance(record.get("error"), dict) else record
        yield ev.Event(ev.NOTE, f"codex reported an error: {text_of(error.get('message'))}")
    elif kind in ("item.started", "item.completed") and isinstance(record.get("item"), dict):
        yield from _exec_item(record["item"], kind == "item.completed", state)


def _exec_item(item: dict[str, Any], completed: bool, state: ExecState) -> Iterator[ev.Event]:
    item_type, item_id = item.get("type"), str(item.get("id") or "")
    if item_type == "command_execution":
        command = item.get("command") if isinstance(item.get("command"), str) else ""
        command = _unwrap(command)
        if item_id not in state.tracker.calls:
            yield state.tracker.call("shell", {"command": command}, item_id, command=command)
        if completed:
            exit_code = item.get("exit_code") if isinstance(item.get("exit_code"), int) else None
            yield state.tracker.result(item_id, text_of(item.get("aggregated_output")), exit_code=exit_code,
                                       is_error=bool(exit_code) or item.get("status") == "failed")
    elif not completed:
        return
    elif item_type == "agent_message" and text_of(item.get("text")):
        yield ev.Event(ev.ASSISTANT, text_of(item.get("text")))
    elif item_type == "reasoning" and text_of(item.get("text")):
        yield ev.Event(ev.REASONING, text_of(item.get("text")))
    elif item_type == "file_change":
        changes = item.get("changes") if isinstance(item.get("changes"), list) else []
        paths = [str(c.get("path")) for c in changes if isinstance(c, dict) and c.get("path")]
        yield state.tracker.call("apply_patch", {"path": ", ".join(paths)}, item_id)
        yield state.tracker.result(item_id, f"{item.get('status') or 'done'}: {', '.join(paths)}",
                                   is_error=item.get("status") == "failed")
    elif item_type in ("mcp_tool_call", "web_search"):
        name = str(item.get("tool") or item_type)
        yield state.tracker.call(name, {k: v for k, v in item.items() if k in ("server", "query", "arguments")}, item_id)
        yield state.tracker.result(item_id, text_of(item.get("result")) or str(item.get("status") or ""),
                                   is_error=item.get("status") == "failed")


def _legacy_exec(msg: dict[str, Any], state: ExecState) -> Iterator[ev.Event]:
    kind = msg.get("type")
    call_id = str(msg.get("call_id") or "")
    if kind == "exec_command_begin":
        yield state.tracker.call("shell", {"command": msg.get("command")}, call_id)
    elif kind == "exec_command_end":
        exit_code = msg.get("exit_code") if isinstance(msg.get("exit_code"), int) else None
        output = msg.get("aggregated_output") or "\n".join(text_of(msg.get(k)) for k in ("stdout", "stderr"))
        yield state.tracker.result(call_id, text_of(output).strip("\n"), exit_code=exit_code, is_error=bool(exit_code))
    elif kind == "agent_message" and text_of(msg.get("message")):
        yield ev.Event(ev.ASSISTANT, text_of(msg.get("message")))
    elif kind == "agent_reasoning" and text_of(msg.get("text")):
        yield ev.Event(ev.REASONING, text_of(msg.get("text")))
    elif kind == "patch_apply_begin":
        changes = msg.get("changes") if isinstance(msg.get("changes"), dict) else {}
        yield state.tracker.call("apply_patch", {"path": ", ".join(map(str, changes))}, call_id)
    elif kind == "patch_apply_end":
        text = text_of(msg.get("stdout")) + text_of(msg.get("stderr"))
        yield state.tracker.result(call_id, text, is_error=msg.get("success") is False)
    elif kind == "token_count":
        _token_counts(msg, state.transcript.facts)
    elif kind == "error":
        yield ev.Event(ev.NOTE, f"codex reported an error: {text_of(msg.get('message'))}")


_SIMPLE_WRAP = re.compile(r"(?:/bin/|/usr/bin/)?(?:bash|sh|zsh) -l?c '([^']*)'")


def _unwrap(command: str) -> str:
    """`bash -lc 'ls -la'` as Codex prints it -> the inner command."""
    import shlex

    simple = _SIMPLE_WRAP.fullmatch(command)
    if simple:
        return simple.group(1)
    if not command.startswith(("bash ", "sh ", "zsh ", "/bin/", "/usr/bin/")):
        return command
    try:
        parts = shlex.split(command)
    except ValueError:
        return command
    if len(parts) == 3 and parts[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh") and parts[1] in ("-lc", "-c"):
        return parts[2]
    return command


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
