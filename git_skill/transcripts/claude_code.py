"""Claude Code session JSONL (`~/.claude/projects/<cwd>/<session>.jsonl`).

Handles streamed duplicates (one message id written several times), tool_use /
tool_result pairing, compaction summaries, harness-injected `isMeta` records
(kept as notes, not as the person's words), sidechains and subagent files
(`<session>/subagents/*.jsonl`, read after the main thread as their own threads),
and base64 images (dropped, counted).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import iter_json_lines, text_of

FORMAT = "claude-code"
FORMAT_STREAM = "claude-code-stream"
TYPES = {"user", "assistant", "system", "summary", "file-history-snapshot"}
# text the harness writes in the user's role: a loaded skill's body, hook output, slash-command echoes, reminders
_HARNESS_TEXT = re.compile(r"^\s*(?:Caveat: The messages below were generated|<system-reminder>|<local-command-std(?:out|err)>|"
                           r"Base directory for this skill:|<command-(?:name|message|args)>|\[Request interrupted by user|"
                           r"\w+ hook (?:additional context|feedback|success|blocking error)|<user-prompt-submit-hook>|"
                           r"This session is being continued from a previous conversation)")
_EXIT = re.compile(r"^Exit code (\d+)")


def sniff(first_records: list[dict[str, Any]]) -> bool:
    return any(isinstance(r.get("type"), str) and r["type"] in TYPES and ("sessionId" in r or "uuid" in r or "leafUuid" in r)
               for r in first_records)


class _State:
    def __init__(self, transcript: ev.Transcript) -> None:
        self.transcript = transcript
        self.seen_blocks: ev.RecentMap = ev.RecentMap()
        self.usage: ev.RecentMap = ev.RecentMap(64)  # per message id, the latest copy's usage
        self.tokens = [0, 0]  # totals of messages that left `usage`
        self.tracker = ev.CallTracker()


def read(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    state = _State(transcript)
    yield from _read_file(path, state, None)
    subagents = path.with_suffix("") / "subagents"
    if subagents.is_dir():
        for sub in sorted(subagents.glob("*.jsonl")):
            yield from _read_file(sub, state, f"subagent:{sub.stem}")
    if state.usage or any(state.tokens):
        transcript.facts.input_tokens = state.tokens[0] + sum(u[0] for u in state.usage.values())
        transcript.facts.output_tokens = state.tokens[1] + sum(u[1] for u in state.usage.values())


def _read_file(path: Path, state: _State, thread: str | None) -> Iterator[ev.Event]:
    report = state.transcript.report
    yield from ev.each_record(iter_json_lines(path, report), report, lambda record: _record(record, state, thread))


def _record(record: dict[str, Any], state: _State, thread: str | None) -> Iterator[ev.Event]:
    facts, report = state.transcript.facts, state.transcript.report
    kind = record.get("type")
    if kind not in TYPES:
        report.skip("records of unknown type")
        return
    when = record.get("timestamp") if isinstance(record.get("timestamp"), str) else None
    if when:
        facts.started = facts.started or when
        facts.ended = when
    facts.session_id = facts.session_id or record.get("sessionId")
    facts.cwd = facts.cwd or record.get("cwd")
    where = thread or (f"sidechain:{record.get('agentId') or 'task'}" if record.get("isSidechain") else "main")
    if kind == "summary":
        if isinstance(record.get("summary"), str):
            yield ev.Event(ev.SUMMARY, record["summary"], thread=where, timestamp=when)
        return
    if kind == "file-history-snapshot":
        return
    message = record.get("message")
    if kind == "system":
        text = record.get("content") if isinstance(record.get("content"), str) else ""
        if text:
            yield ev.Event(ev.NOTE, text, thread=where, timestamp=when)
        return
    if not isinstance(message, dict):
        report.skip("records without a message object")
        return
    if kind == "assistant":
        yield from _assistant(message, record, state, where, when)
    else:
        yield from _user(message, record, state, where, when)


def _assistant(message: dict[str, Any], record: dict[str, Any], state: _State, thread: str,
               when: str | None) -> Iterator[ev.Event]:
    facts = state.transcript.facts
    if isinstance(message.get("model"), str) and message["model"] != "<synthetic>":
        facts.model = message["model"]
    if not facts.agent:
        facts.agent = f"claude-code {record.get('version', '')}".strip()
    message_id = str(message.get("id") or record.get("uuid") or "")
    usage = message.get("usage")
    if isinstance(usage, dict) and message_id:
        tokens_in = (_number(usage.get("input_tokens")) + _number(usage.get("cache_creation_input_tokens"))
                     + _number(usage.get("cache_read_input_tokens")))
        if message_id not in state.usage and len(state.usage) == state.usage.limit:
            oldest = next(iter(state.usage.values()))
            state.tokens[0] += oldest[0]
            state.tokens[1] += oldest[1]
        state.usage[message_id] = (tokens_in, _number(usage.get("output_tokens")))
    content = message.get("content")
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}] if isinstance(content, str) else []
    for block in blocks:
        if not isinstance(block, dict):
            state.transcript.report.skip("content blocks that are not objects")
            continue
        key = (message_id, _block_key(block))
        if message_id and key in state.seen_blocks:
            state.transcript.report.note("streamed duplicate blocks merged")
            continue
        state.seen_blocks[key] = True
        block_type = block.get("type")
        if block_type == "text" and isinstance(block.get("text"), str):
            yield ev.Event(ev.ASSISTANT, block["text"], thread=thread, timestamp=when)
        elif block_type in ("thinking", "redacted_thinking"):
            text = block.get("thinking") if isinstance(block.get("thinking"), str) else ""
            if text:
                yield ev.Event(ev.REASONING, text, thread=thread, timestamp=when)
        elif block_type == "tool_use":
            yield state.tracker.call(str(block.get("name") or "tool"), block.get("input"), str(block.get("id") or ""),
                                     thread=thread, timestamp=when)


class StreamState(_State):
    """Reading `claude -p --output-format stream-json` output: the same records without the session
    file's envelope, plus `system` (init) and `result` (cost, turns, duration, usage) records."""


def stream_record(record: dict[str, Any], state: _State) -> Iterator[ev.Event]:
    """Events of one stream-json record; `result` fills the transcript's usage."""
    facts = state.transcript.facts
    kind = record.get("type")
    facts.session_id = facts.session_id or (record.get("session_id") if isinstance(record.get("session_id"), str) else None)
    parent = record.get("parent_tool_use_id")
    thread = f"subagent:{parent}" if isinstance(parent, str) and parent else "main"
    message = record.get("message")
    if kind == "system":
        if record.get("subtype") == "init":
            facts.agent = facts.agent or f"claude-code {record.get('claude_code_version') or ''}".strip()
            facts.model = record.get("model") if isinstance(record.get("model"), str) else facts.model
            facts.cwd = facts.cwd or (record.get("cwd") if isinstance(record.get("cwd"), str) else None)
    elif kind == "assistant" and isinstance(message, dict):
        yield from _assistant(message, record, state, thread, None)
    elif kind == "user" and isinstance(message, dict):
        yield from _user(message, record, state, thread, None)
    elif kind == "result":
        _result(record, facts)
        subtype = record.get("subtype")
        if record.get("is_error") is True or (isinstance(subtype, str) and subtype.startswith("error")):
            yield ev.Event(ev.NOTE, f"the agent's run ended with {subtype or 'an error'}")
    elif kind is not None:
        state.transcript.report.skip("stream-json records of unknown type")


def _result(record: dict[str, Any], facts: ev.SessionFacts) -> None:
    cost = record.get("total_cost_usd", record.get("cost_usd"))
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        facts.cost_usd = float(cost)
    if isinstance(record.get("num_turns"), int):
        facts.turns = record["num_turns"]
    if isinstance(record.get("duration_ms"), (int, float)):
        facts.duration_seconds = round(record["duration_ms"] / 1000, 1)
    usage = record.get("usage")
    if isinstance(usage, dict):
        facts.input_tokens = (_number(usage.get("input_tokens")) + _number(usage.get("cache_creation_input_tokens"))
                              + _number(usage.get("cache_read_input_tokens")))
        facts.output_tokens = _number(usage.get("output_tokens"))


def read_stream(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    """A file of stream-json lines (Harbor's `agent/claude-code.txt`); lines before the first record
    (a shell banner) are skipped."""
    state = StreamState(transcript)
    for record in iter_json_lines(path, transcript.report):
        yield from stream_record(record, state)


def is_stream(first_records: list[dict[str, Any]]) -> bool:
    return any(r.get("type") == "system" and r.get("subtype") == "init" and "session_id" in r for r in first_records) or (
        any(r.get("type") == "result" and "num_turns" in r for r in first_records))


def _number(value: Any) -> int:
    """A token count, or 0 for anything that is not a number (a malformed record must not stop reading)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, float) and math.isfinite(value) else 0


def _block_key(block: dict[str, Any]) -> str:
    """Identity of a content block for merging streamed duplicates, without serializing it."""
    if block.get("id"):
        return f"{block.get('type')}:{block['id']}"
    body = block.get("text") or block.get("thinking") or ""
    return f"{block.get('type')}:{hash(body) if isinstance(body, str) else id(block)}"


_COMMAND_ARGS = re.compile(r"<command-args>(.*?)</command-args>", re.S)


def _user_text(text: str, meta: bool, thread: str, when: str | None) -> ev.Event:
    """The person's words, or harness text as a note; a slash command's arguments are the person's request."""
    if meta or not _HARNESS_TEXT.match(text):
        return ev.Event(ev.NOTE if meta else ev.USER, text, thread=thread, timestamp=when)
    arguments = _COMMAND_ARGS.search(text)
    if arguments and arguments.group(1).strip():
        return ev.Event(ev.USER, arguments.group(1).strip(), thread=thread, timestamp=when)
    return ev.Event(ev.NOTE, text, thread=thread, timestamp=when)


def _user(message: dict[str, Any], record: dict[str, Any], state: _State, thread: str,
          when: str | None) -> Iterator[ev.Event]:
    content = message.get("content")
    meta = bool(record.get("isMeta"))
    if isinstance(content, str):
        yield _user_text(content, meta, thread, when)
        return
    if not isinstance(content, list):
        state.transcript.report.skip("user records without content")
        return
    for block in content:
        if isinstance(block, str):
            yield ev.Event(ev.NOTE if meta else ev.USER, block, thread=thread, timestamp=when)
            continue
        if not isinstance(block, dict):
            continue
        block_type = block.get("type")
        if block_type == "text" and isinstance(block.get("text"), str):
            yield _user_text(block["text"], meta, thread, when)
        elif block_type == "image":
            state.transcript.report.note("images dropped")
        elif block_type == "tool_result":
            yield _tool_result(block, state, thread, when)


def _tool_result(block: dict[str, Any], state: _State, thread: str, when: str | None) -> ev.Event:
    inner = block.get("content")
    if isinstance(inner, list):
        images = sum(1 for part in inner if isinstance(part, dict) and part.get("type") == "image")
        if images:
            state.transcript.report.note("images dropped", images)
    text = text_of(inner)
    exit_match = _EXIT.match(text)
    exit_code = int(exit_match.group(1)) if exit_match else None
    return state.tracker.result(str(block.get("tool_use_id") or ""), text, exit_code=exit_code,
                                is_error=bool(block.get("is_error")) or bool(exit_code), thread=thread, timestamp=when)
