"""Gemini CLI sessions: automatic chat recordings and `/chat save` checkpoints.

Recordings live at `<home>/.gemini/tmp/<sha256 of the project root>/chats/session-*.json`
(`GEMINI_CLI_HOME` replaces the home directory): one JSON object with `sessionId`,
`projectHash`, `startTime`, `lastUpdated` and `messages`, each message `{id, timestamp, type:
user|gemini|info|error|warning, content}` and, for `gemini`, `toolCalls` (`{id, name, args,
result, status, resultDisplay}`), `thoughts` and `tokens`. Checkpoints (`checkpoint-<tag>.json`
in the same project folder) are the model's history: a list of `{role: user|model, parts}`
whose parts hold `text`, `functionCall` and `functionResponse`.
Source: google-gemini/gemini-cli, packages/core/src/services/chatRecordingService.ts and
packages/core/src/utils/paths.ts.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import text_of

FORMAT = "gemini-cli"
FORMAT_CHECKPOINT = "gemini-checkpoint"
_EXIT = re.compile(r"^Exit Code: (-?\d+)", re.M)


def is_recording(data: Any) -> bool:
    return isinstance(data, dict) and "sessionId" in data and "projectHash" in data and isinstance(data.get("messages"), list)


def is_checkpoint(data: Any) -> bool:
    return (isinstance(data, list) and bool(data) and all(isinstance(m, dict) for m in data[:20])
            and all(m.get("role") in ("user", "model") and isinstance(m.get("parts"), list) for m in data[:20]))


def chats_folder(root: Path) -> Path:
    """Where Gemini CLI records the sessions of a project rooted at `root`."""
    home = Path(os.environ.get("GEMINI_CLI_HOME") or Path.home())
    return home / ".gemini" / "tmp" / hashlib.sha256(str(root).encode()).hexdigest() / "chats"


def sessions_for(root: Path) -> list[Path]:
    folder = chats_folder(root)
    return sorted(folder.glob("session-*.json")) if folder.is_dir() else []


def _response_text(result: Any) -> str:
    """A tool call's result: a list of parts whose `functionResponse.response` holds `output` or `error`."""
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, list):
        return text_of(result)
    texts = []
    for part in result:
        if not isinstance(part, dict):
            continue
        response = part.get("functionResponse")
        payload = response.get("response") if isinstance(response, dict) else None
        if isinstance(payload, dict):
            texts.append(text_of(payload.get("output")) or text_of(payload.get("error")) or text_of(payload.get("content")))
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(t for t in texts if t)


def _list(value: Any) -> list[Any]:
    """A field that should be a list; anything else (a wrong-typed record) as an empty one."""
    return value if isinstance(value, list) else []


def _exit_code(text: str) -> int | None:
    match = _EXIT.search(text)
    return int(match.group(1)) if match else None


def read_recording(path: Path, transcript: ev.Transcript, data: Any) -> Iterator[ev.Event]:
    facts = transcript.facts
    facts.agent = "gemini-cli"
    facts.session_id = str(data.get("sessionId") or "") or None
    facts.started = data.get("startTime") if isinstance(data.get("startTime"), str) else None
    facts.ended = data.get("lastUpdated") if isinstance(data.get("lastUpdated"), str) else None
    tracker = ev.CallTracker()
    tokens = [0, 0]
    for message in data["messages"]:
        if not isinstance(message, dict):
            transcript.report.skip("messages that are not objects")
            continue
        kind, when = message.get("type"), message.get("timestamp") if isinstance(message.get("timestamp"), str) else None
        text = text_of(message.get("content"))
        if kind == "user":
            if text:
                yield ev.Event(ev.USER, text, timestamp=when)
            continue
        if kind != "gemini":
            if text:
                yield ev.Event(ev.NOTE, f"{kind}: {text}", timestamp=when)
            continue
        facts.model = message.get("model") if isinstance(message.get("model"), str) else facts.model
        for thought in _list(message.get("thoughts")):
            if isinstance(thought, dict) and (thought.get("description") or thought.get("subject")):
                yield ev.Event(ev.REASONING, text_of(thought.get("description")) or text_of(thought.get("subject")),
                               timestamp=when)
        if text:
            yield ev.Event(ev.ASSISTANT, text, timestamp=when)
        for call in _list(message.get("toolCalls")):
            if not isinstance(call, dict):
                continue
            call_id = str(call.get("id") or "")
            arguments = call.get("args") if isinstance(call.get("args"), dict) else {}
            yield tracker.call(str(call.get("name") or "tool"), arguments, call_id, timestamp=when)
            output = _response_text(call.get("result")) or text_of(call.get("resultDisplay"))
            exit_code = _exit_code(output)
            yield tracker.result(call_id, output, exit_code=exit_code,
                                 is_error=call.get("status") in ("error", "cancelled") or bool(exit_code), timestamp=when)
        usage = message.get("tokens")
        if isinstance(usage, dict):
            tokens[0] += usage.get("input") if isinstance(usage.get("input"), int) else 0
            tokens[1] += usage.get("output") if isinstance(usage.get("output"), int) else 0
    if any(tokens):
        facts.input_tokens, facts.output_tokens = tokens


def read_checkpoint(path: Path, transcript: ev.Transcript, data: Any) -> Iterator[ev.Event]:
    transcript.facts.agent = "gemini-cli"
    tracker = ev.CallTracker()
    for number, content in enumerate(data):
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            transcript.report.skip("history entries that are not objects")
            continue
        role = content.get("role")
        for part in content["parts"]:
            if not isinstance(part, dict):
                continue
            call, response = part.get("functionCall"), part.get("functionResponse")
            if isinstance(call, dict):
                call_id = str(call.get("id") or f"{call.get('name')}-{number}")
                yield tracker.call(str(call.get("name") or "tool"), call.get("args"), call_id)
            elif isinstance(response, dict):
                call_id = str(response.get("id") or f"{response.get('name')}-{number - 1}")
                text = _response_text([part])
                yield tracker.result(call_id, text, exit_code=_exit_code(text), tool=str(response.get("name") or ""))
            elif isinstance(part.get("text"), str) and part["text"].strip():
                if part.get("thought"):
                    yield ev.Event(ev.REASONING, part["text"])
                else:
                    yield ev.Event(ev.USER if role == "user" else ev.ASSISTANT, part["text"])
