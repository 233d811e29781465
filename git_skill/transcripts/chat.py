"""Chat-shaped transcripts: OpenAI-style message arrays, mini-SWE-agent `*.traj.json`, aider chat history."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.agent_logs import BASH_BLOCK, MINI_TASK, SUBMIT, outputs
from git_skill.transcripts.jsonl import parse_json_arguments, text_of

FORMAT_OPENAI = "openai-messages"
FORMAT_MINI = "mini-swe-agent"
FORMAT_AIDER = "aider"
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")


def is_messages(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(isinstance(m, dict) and "role" in m for m in data[:20])


def is_mini_trajectory(data: Any) -> bool:
    """A mini-SWE-agent trajectory: the `{info, messages, trajectory_format}` it saves, or a bare message
    list whose turns carry its marks (actions in `extra`, `<returncode>` observations, its fence)."""
    if isinstance(data, dict):
        return is_messages(data.get("messages")) and (
            "info" in data or str(data.get("trajectory_format", "")).startswith("mini-swe-agent"))
    return is_messages(data) and any(_mini_mark(message) for message in data[:60])


def _mini_mark(message: dict[str, Any]) -> bool:
    extra = message.get("extra")
    if isinstance(extra, dict) and ("actions" in extra or "returncode" in extra):
        return True
    text = text_of(message.get("content"))
    return ("<returncode>" in text[:300] and message.get("role") in ("user", "tool")) or "```mswea_bash_command" in text


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
    """Each action (in `extra.actions`, a `bash` tool call, or the one fenced bash block) is a step; each
    observation (`extra.returncode`/`raw_output`, or `<returncode>`/`<output>`) its result."""
    data = data if data is not None else json.loads(path.read_bytes().decode("utf-8", "replace"))
    messages = data.get("messages") if isinstance(data, dict) else data
    info = data.get("info") if isinstance(data, dict) and isinstance(data.get("info"), dict) else {}
    facts = transcript.facts
    facts.agent = ("mini-swe-agent " + str(info.get("mini_version", ""))).strip()
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    facts.cost_usd = stats.get("instance_cost")
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    facts.model = model.get("model_name")
    if info.get("exit_status"):
        facts.outcome = str(info["exit_status"])
    state = _MiniState()
    yield from ev.each_record(messages, transcript.report, lambda message: _mini_message(message, state, transcript))


class _MiniState:
    def __init__(self) -> None:
        self.pending: list[tuple[str, str]] = []  # (command, call id) of actions awaiting their output
        self.seen_task = False
        self.tracker = ev.CallTracker()


def _mini_actions(message: dict[str, Any], text: str) -> list[tuple[str, str]]:
    extra = message.get("extra") if isinstance(message.get("extra"), dict) else {}
    actions = extra.get("actions")
    if isinstance(actions, list) and actions:
        return [(str(a["command"]), str(a.get("tool_call_id") or "")) for a in actions
                if isinstance(a, dict) and isinstance(a.get("command"), str)]
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        arguments = parse_json_arguments(function.get("arguments")) if isinstance(function, dict) else None
        if isinstance(arguments, dict) and isinstance(arguments.get("command"), str):
            calls.append((arguments["command"], str(call.get("id") or "")))
    if calls:
        return calls
    blocks = BASH_BLOCK.findall(text)
    return [(blocks[0].strip(), "")] if len(blocks) == 1 else []  # more (or none) is a format error it rejects


def _mini_message(message: Any, state: _MiniState, transcript: ev.Transcript) -> Iterator[ev.Event]:
    role, text = message.get("role"), text_of(message.get("content"))
    if role == "assistant":
        thought = BASH_BLOCK.sub("", text).strip()
        thought = thought[8:].strip() if thought.startswith("THOUGHT:") else thought
        if thought:
            yield ev.Event(ev.ASSISTANT, thought)
        for command, call_id in _mini_actions(message, text):
            if SUBMIT.match(command):
                yield ev.Event(ev.NOTE, "the agent submitted its work")
                continue
            state.pending.append((command, call_id))
            yield state.tracker.call("bash", {"command": command}, call_id, command=command)
    elif role == "exit":
        yield ev.Event(ev.NOTE, f"the agent stopped: {text}".strip())
    elif role in ("user", "tool"):
        extra = message.get("extra") if isinstance(message.get("extra"), dict) else {}
        code_match = _RETURNCODE.search(text[:300])
        code = extra.get("returncode") if isinstance(extra.get("returncode"), int) else (
            int(code_match.group(1)) if code_match else None)
        if not state.seen_task and not state.pending:
            state.seen_task = True
            task = MINI_TASK.match(text)
            yield ev.Event(ev.USER, task.group(1).strip() if task else text)
            if task and text[task.end():].strip():
                yield ev.Event(ev.NOTE, "agent instructions (harness): " + text[task.end():].strip())
            return
        if not state.pending or (code is None and "timed out" not in text[:400]):
            yield ev.Event(ev.NOTE, "harness reply: " + text)  # a format error or a reminder, not a step
            return
        command, call_id = state.pending.pop(0)
        raw = extra.get("raw_output")
        body = raw if isinstance(raw, str) else outputs(text)
        timed_out = code is None
        yield ev.Event(ev.TOOL_RESULT, f"timed out and was killed\n{body}".rstrip() if timed_out else body, tool="bash",
                       call_id=call_id, command=command, exit_code=code, is_error=timed_out or bool(code))
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
