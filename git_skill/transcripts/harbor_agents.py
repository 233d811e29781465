"""The agent's own logs in a Harbor trial's `agent/` folder, for trials without a (complete) ATIF trajectory.

Harbor's installed agents leave their own records beside (or instead of) `agent/trajectory.json`:
their console output (`agent/mini-swe-agent.txt`, `agent/openhands.txt`: read as in a terminal log);
Claude Code's `--output-format stream-json` output (`agent/claude-code.txt`, or
`agent/command-*/stdout.txt` after a shell banner) and its session JSONL (`agent/sessions/projects/…`,
as `CLAUDE_CONFIG_DIR` points there); Codex's `exec --json` output (`agent/codex.txt`) and rollouts
(`agent/sessions/…/rollout-*.jsonl`); mini-SWE-agent's trajectory JSON
(`agent/mini-swe-agent.trajectory.json`, any `*.traj.json`); OpenHands' event files
(`agent/**/events/*.json`, one event per file). Each candidate is read once to count its steps;
the one with the most tool calls is used (ATIF wins ties), and the digest header names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import text_of

MAX_CANDIDATES = 40
Reader = Callable[[Path, ev.Transcript], Iterator[ev.Event]]


@dataclass(frozen=True)
class AgentLogFile:
    path: Path
    label: str  # what the digest header says, e.g. "agent/claude-code.txt (Claude Code stream-json)"
    read: Reader


def candidates(agent: Path) -> list[AgentLogFile]:
    """Every agent log in `agent/` that a reader here understands, in order of preference."""
    from git_skill.transcripts import chat, claude_code, codex, terminal

    found: list[AgentLogFile] = []

    def add(path: Path, kind: str, read: Reader) -> None:
        if len(found) < MAX_CANDIDATES and path.is_file():
            found.append(AgentLogFile(path, f"{path.relative_to(agent.parent).as_posix()} ({kind})", read))

    for path in [agent / "claude-code.txt", agent / "codex.txt", *sorted(agent.glob("command-*/stdout.txt")),
                 *sorted(agent.glob("*.txt"))]:
        if any(c.path == path for c in found) or not path.is_file():
            continue
        records = _first_records(path)
        if claude_code.is_stream(records):
            add(path, "Claude Code stream-json", claude_code.read_stream)
        elif codex.sniff_exec(records):
            add(path, "Codex exec --json", codex.read_exec)
        else:
            console = _console(path)
            if console:
                add(path, f"{console} console", lambda p, t, agent=console: terminal.read_log(p, t, agent))
    sessions = agent / "sessions"
    if sessions.is_dir():
        for path in sorted(sessions.rglob("*.jsonl"))[:MAX_CANDIDATES]:
            records = _first_records(path)
            if claude_code.sniff(records):
                add(path, "Claude Code session", claude_code.read)
            elif codex.sniff(records):
                add(path, "Codex rollout", codex.read)
    for path in sorted({*agent.glob("*.traj.json"), *agent.glob("*trajectory.json")} - {agent / "trajectory.json"}):
        data = _load_json(path)
        if chat.is_mini_trajectory(data):
            add(path, "mini-SWE-agent trajectory", lambda p, t, data=data: chat.read_mini(p, t, data))
    for events_dir in sorted(agent.rglob("events"))[:4]:
        if events_dir.is_dir() and any(events_dir.glob("*.json")):
            found.append(AgentLogFile(events_dir, f"{events_dir.relative_to(agent.parent).as_posix()}/ "
                                      "(OpenHands events)", read_openhands_events))
    return found


def _console(path: Path) -> str | None:
    """The agent whose console output a text file holds (mini-SWE-agent's, OpenHands')."""
    from git_skill.transcripts.agent_logs import console_agent

    try:
        with path.open("rb") as handle:
            head = handle.read(256 * 1024)
    except OSError:
        return None
    return console_agent(head.decode("utf-8", "replace").replace("\r", "\n"))


def _first_records(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    try:
        with path.open("rb") as handle:
            for raw in islice(handle, 60):
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    records.append(value)
    except OSError:
        return []
    return records


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return None


def tool_calls(log: AgentLogFile) -> int:
    """How many tool calls a log holds (read into a scratch transcript; nothing kept)."""
    scratch = ev.Transcript(facts=ev.SessionFacts(format="scratch", source=str(log.path)), events=iter(()))
    try:
        return sum(1 for event in log.read(log.path, scratch) if event.kind == ev.TOOL_CALL)
    except (OSError, UnicodeError, RecursionError):
        return 0


def first_request(logs: list[AgentLogFile]) -> str | None:
    """The first user message any of these logs holds (stream-json output does not repeat the prompt)."""
    for log in logs:
        scratch = ev.Transcript(facts=ev.SessionFacts(format="scratch", source=str(log.path)), events=iter(()))
        try:
            for event in log.read(log.path, scratch):
                if event.kind == ev.USER and event.text.strip():
                    return event.text
        except (OSError, UnicodeError, RecursionError):
            continue
    return None


# ------------------------------------------------------------------ OpenHands event files
def read_openhands_events(folder: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    """OpenHands' stored events (`events/<id>.json`): actions (`action`, `args`) and observations
    (`observation`, `content`, `extras`, `cause`), in id order."""
    tracker = ev.CallTracker()
    files = sorted(folder.glob("*.json"), key=lambda p: (len(p.stem), p.stem))
    for path in files:
        event = _load_json(path)
        if not isinstance(event, dict):
            transcript.report.skip("OpenHands event files that are not objects")
            continue
        when = event.get("timestamp") if isinstance(event.get("timestamp"), str) else None
        if when:
            transcript.facts.started = transcript.facts.started or when
            transcript.facts.ended = when
        args = event.get("args") if isinstance(event.get("args"), dict) else {}
        extras = event.get("extras") if isinstance(event.get("extras"), dict) else {}
        action, observation = event.get("action"), event.get("observation")
        event_id = str(event.get("id", path.stem))
        if action == "message":
            text = text_of(args.get("content")) or text_of(event.get("message"))
            if text:
                yield ev.Event(ev.USER if event.get("source") == "user" else ev.ASSISTANT, text, timestamp=when)
        elif action in ("run", "run_ipython", "edit", "read", "write", "browse"):
            thought = text_of(args.get("thought"))
            if thought:
                yield ev.Event(ev.ASSISTANT, thought, timestamp=when)
            if action == "run":
                yield tracker.call("execute_bash", None, event_id, command=text_of(args.get("command")), timestamp=when)
            elif action == "run_ipython":
                yield tracker.call("execute_ipython_cell", {"code": text_of(args.get("code"))}, event_id, timestamp=when)
            else:
                yield tracker.call("str_replace_editor", {"path": text_of(args.get("path")), "action": action},
                                   event_id, timestamp=when)
        elif action == "finish":
            text = text_of(args.get("final_thought")) or text_of(args.get("outputs", {}).get("content")
                                                                  if isinstance(args.get("outputs"), dict) else None)
            if text:
                yield ev.Event(ev.ASSISTANT, text, timestamp=when)
        elif observation and observation not in ("agent_state_changed", "null", "recall"):
            cause = str(event.get("cause", ""))
            metadata = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
            exit_code = metadata.get("exit_code", extras.get("exit_code"))
            exit_code = exit_code if isinstance(exit_code, int) and exit_code >= 0 else None
            yield tracker.result(cause, text_of(event.get("content")), exit_code=exit_code,
                                 is_error=observation == "error" or bool(exit_code), timestamp=when)
