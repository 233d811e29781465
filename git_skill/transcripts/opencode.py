"""OpenCode sessions in its file storage (`<data>/opencode/storage/`, `<data>` = `XDG_DATA_HOME` or
`~/.local/share`).

A session is `session/<projectID>/<sessionID>.json` (`id`, `directory`, `title`, `time`); its
messages are `message/<sessionID>/<messageID>.json` (`role`, `time.created`, `modelID`, `cost`,
`tokens`), and each message's content is `part/<messageID>/<partID>.json`: `text` (`synthetic`
when the harness added it), `reasoning`, `tool` (`tool`, `callID`, `state`: `status`, `input`,
`output`, `error`, `metadata.exit`), and step markers. IDs sort in creation order.
Pass the session file as SOURCE. Source: sst/opencode, packages/opencode/src/session/ and
src/storage/storage.ts. (Later releases keep the same records in a SQLite database, not read here.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import text_of

FORMAT = "opencode"
MAX_SESSIONS = 2000


def storage() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "opencode" / "storage"


def is_session(data: Any, path: Path) -> bool:
    return (isinstance(data, dict) and str(data.get("id", "")).startswith("ses") and "directory" in data
            and path.parent.parent.name == "session")


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return None


def sessions_for(root: Path, inside: Any) -> list[Path]:
    """Session files whose directory is `root` or a folder inside it (`inside(folder, root)`)."""
    folder = storage() / "session"
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*/*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:MAX_SESSIONS]
    found = []
    for path in files:
        data = _load(path)
        if isinstance(data, dict) and isinstance(data.get("directory"), str) and inside(data["directory"], root):
            found.append(path)
    return found


def read(path: Path, transcript: ev.Transcript, data: Any) -> Iterator[ev.Event]:
    facts = transcript.facts
    facts.agent = "opencode" + (f" {data['version']}" if isinstance(data.get("version"), str) else "")
    facts.session_id = str(data.get("id"))
    facts.cwd = data.get("directory") if isinstance(data.get("directory"), str) else None
    base = path.parent.parent.parent  # storage/
    messages = []
    for message_path in (base / "message" / facts.session_id).glob("*.json"):
        message = _load(message_path)
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            created = message.get("time", {}).get("created") if isinstance(message.get("time"), dict) else None
            messages.append((created if isinstance(created, (int, float)) else 0, message["id"], message))
        else:
            transcript.report.skip("unreadable message files")
    tracker = ev.CallTracker()
    cost, tokens = 0.0, [0, 0]
    for _, message_id, message in sorted(messages, key=lambda m: (m[0], m[1])):
        role = message.get("role")
        if role == "assistant":
            facts.model = message.get("modelID") if isinstance(message.get("modelID"), str) else facts.model
            cost += message.get("cost") if isinstance(message.get("cost"), (int, float)) else 0
            usage = message.get("tokens") if isinstance(message.get("tokens"), dict) else {}
            tokens[0] += usage.get("input") if isinstance(usage.get("input"), int) else 0
            tokens[1] += usage.get("output") if isinstance(usage.get("output"), int) else 0
        for part_path in sorted((base / "part" / message_id).glob("*.json")):
            part = _load(part_path)
            if not isinstance(part, dict):
                transcript.report.skip("unreadable part files")
                continue
            yield from _part(part, role, tracker)
    facts.cost_usd = round(cost, 6) if cost else None
    if any(tokens):
        facts.input_tokens, facts.output_tokens = tokens


def _part(part: dict[str, Any], role: Any, tracker: ev.CallTracker) -> Iterator[ev.Event]:
    kind = part.get("type")
    if kind == "text" and text_of(part.get("text")):
        if part.get("synthetic"):
            yield ev.Event(ev.NOTE, text_of(part.get("text")))
        else:
            yield ev.Event(ev.USER if role == "user" else ev.ASSISTANT, text_of(part.get("text")))
    elif kind == "reasoning" and text_of(part.get("text")):
        yield ev.Event(ev.REASONING, text_of(part.get("text")))
    elif kind == "tool":
        state = part.get("state") if isinstance(part.get("state"), dict) else {}
        call_id = str(part.get("callID") or part.get("id") or "")
        yield tracker.call(str(part.get("tool") or "tool"), state.get("input"), call_id)
        status = state.get("status")
        if status in ("completed", "error"):
            metadata = state.get("metadata") if isinstance(state.get("metadata"), dict) else {}
            exit_code = metadata.get("exit") if isinstance(metadata.get("exit"), int) else None
            text = text_of(state.get("output")) if status == "completed" else text_of(state.get("error"))
            yield tracker.result(call_id, text, exit_code=exit_code, is_error=status == "error" or bool(exit_code))
