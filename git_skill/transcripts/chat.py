"""Chat-shaped transcripts: OpenAI-style message arrays, mini-SWE-agent `*.traj.json`, aider chat history."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import parse_json_arguments, text_of

FORMAT_OPENAI = "openai-messages"
FORMAT_MINI = "mini-swe-agent"
FORMAT_AIDER = "aider"
_BASH_BLOCK = re.compile(r"```(?:bash|sh|shell)?\s*\n(.*?)```", re.S)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_OUTPUT = re.compile(r"<output>\n?(.*?)</output>", re.S)


def is_messages(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(isinstance(m, dict) and "role" in m for m in data[:20])


def is_mini_trajectory(data: Any) -> bool:
    return isinstance(data, dict) and is_messages(data.get("messages")) and (
        "info" in data or str(data.get("trajectory_format", "")).startswith("mini-swe-agent"))


def read_openai(path: Path, transcript: ev.Transcript, data: Any = None) -> Iterator[ev.Event]:
    messages = data if data is not None else json.loads(path.read_bytes().decode("utf-8", "replace"))
    tracker = ev.CallTracker()
    yield from ev.each_record(messages, transcript.report, lambda message: _openai_message(message, transcript, tracker))


def _openai_message(message: Any, transcript: ev.Transcript, tracker: ev.CallTracker) -> Iterator[ev.Event]:
    if not isinstance(message, dict):
        transcript.report.skip("messages that are not objects")
        return
    role, text = message.get("role"), text_of(message.get("content"))
    if role == "tool":
        name = message.get("name")
        yield tracker.result(str(message.get("tool_call_id") or ""), text, tool=name if isinstance(name, str) else None)
        return
    if text:
        kind = {"user": ev.USER, "assistant": ev.ASSISTANT}.get(role, ev.NOTE)
        yield ev.Event(kind, text)
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        yield tracker.call(str(function.get("name") or "tool"), parse_json_arguments(function.get("arguments")),
                           str(call.get("id") or ""))


def read_mini(path: Path, transcript: ev.Transcript, data: Any = None) -> Iterator[ev.Event]:
    data = data if data is not None else json.loads(path.read_bytes().decode("utf-8", "replace"))
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    facts = transcript.facts
    facts.agent = "mini-swe-agent " + str(info.get("mini_version", "")).strip()
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    facts.cost_usd = stats.get("instance_cost")
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    facts.model = model.get("model_name")
    if info.get("exit_status"):
        facts.outcome = str(info["exit_status"])
    state: dict[str, Any] = {"pending": None, "seen_task": False}  # the bash block awaiting its output
    yield from ev.each_record(data["messages"], transcript.report, lambda message: _mini_message(message, state))


def _mini_message(message: Any, state: dict[str, Any]) -> Iterator[ev.Event]:
    role, text = message.get("role"), text_of(message.get("content"))
    if role == "assistant":
        yield ev.Event(ev.ASSISTANT, text)
        block = _BASH_BLOCK.search(text)
        if block:
            state["pending"] = block.group(1).strip()
            yield ev.Event(ev.TOOL_CALL, "", tool="bash", command=state["pending"])
    elif role in ("user", "tool"):
        code = _RETURNCODE.search(text)
        if code or (state["pending"] and state["seen_task"]):
            output = _OUTPUT.search(text)
            body = output.group(1) if output else text
            exit_code = int(code.group(1)) if code else None
            yield ev.Event(ev.TOOL_RESULT, body, tool="bash", command=state["pending"], exit_code=exit_code,
                           is_error=bool(exit_code) if exit_code is not None else ev.looks_like_error(body))
            state["pending"] = None
        else:
            yield ev.Event(ev.USER if not state["seen_task"] else ev.NOTE, text)
            state["seen_task"] = True
    else:
        yield ev.Event(ev.NOTE, text)


def sniff_aider(head: bytes) -> bool:
    return head.lstrip().startswith(b"# aider chat started at")


def read_aider(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    """`#### ` lines are the person's, `> ` lines are tool output, the rest is the assistant's."""
    transcript.facts.agent = "aider"
    kind: str | None = None
    buffer: list[str] = []

    def flush() -> Iterator[ev.Event]:
        text = "\n".join(buffer).strip()
        if text and kind:
            if kind == ev.TOOL_RESULT:
                yield ev.Event(ev.TOOL_RESULT, text, tool="aider", is_error=ev.looks_like_error(text))
            else:
                yield ev.Event(kind, text)
        buffer.clear()

    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith("# aider chat started at"):
                yield from flush()
                transcript.facts.started = transcript.facts.started or line.rsplit(" at ", 1)[-1]
                kind = None
                continue
            if line.startswith("#### "):
                new_kind, content = ev.USER, line[5:]
            elif line.startswith(">"):
                new_kind, content = ev.TOOL_RESULT, line[1:].lstrip()
            else:
                new_kind, content = ev.ASSISTANT, line
            if new_kind != kind:
                yield from flush()
                kind = new_kind
            if kind == ev.USER and content.startswith("/run "):
                yield ev.Event(ev.TOOL_CALL, "", tool="aider", command=content[5:].strip())
                kind = ev.TOOL_RESULT
                continue
            buffer.append(content)
    yield from flush()
