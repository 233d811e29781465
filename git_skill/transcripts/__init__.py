"""Read any supported transcript into one event model, redacted before anything else sees it.

`open_transcript(path)` sniffs the format from content (not from the file name),
picks the reader, and wraps its event stream so that every text is clipped to a
bounded size and redacted. Feedback texts are redacted with the same redactor, so a
secret found in the session is removed from the verifier's log too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.folders import require_readable
from git_skill.text.redact import Redactor
from git_skill.transcripts import (
    chat,
    claude_code,
    codex,
    gemini,
    harbor,
    opencode,
    swe_agent,
    terminal,
    terminal_bench,
)
from git_skill.transcripts import events as ev
from git_skill.transcripts.feedback import user_feedback
from git_skill.transcripts.jsonl import leading_fields

MAX_EVENT_CHARS = 256 * 1024
_REDACTION_MARGIN = 16 * 1024
_SNIFF_BYTES = 256 * 1024


@dataclass(frozen=True)
class Format:
    name: str
    description: str


FORMATS = (
    Format(claude_code.FORMAT, "Claude Code session JSONL (~/.claude/projects/…/<session>.jsonl)"),
    Format(claude_code.FORMAT_STREAM, "Claude Code `-p --output-format stream-json` output (Harbor's agent/claude-code.txt)"),
    Format(codex.FORMAT, "Codex CLI rollout JSONL (~/.codex/sessions/…/rollout-*.jsonl)"),
    Format(codex.FORMAT_EXEC, "Codex `exec --json` output (Harbor's agent/codex.txt)"),
    Format(harbor.FORMAT, "Harbor trial folder (agent/trajectory.json or the agent's own logs, verifier/ with "
                          "ctrf.json, result.json; steps/<name>/)"),
    Format(harbor.FORMAT_ATIF, "ATIF trajectory JSON (schema_version ATIF-v1.x)"),
    Format(terminal_bench.FORMAT, "Terminal-Bench 1 trial folder (results.json, sessions/agent.cast, sessions/tests.log)"),
    Format(terminal.FORMAT_CAST, "asciinema v2 recording (.cast); installed agents' output inside is read as their steps"),
    Format(terminal.FORMAT_LOG, "raw terminal log (script typescript, tmux capture, agent.log), agents' output as for .cast"),
    Format(gemini.FORMAT, "Gemini CLI session (~/.gemini/tmp/<project hash>/chats/session-*.json)"),
    Format(gemini.FORMAT_CHECKPOINT, "Gemini CLI /chat save checkpoint (~/.gemini/tmp/<project hash>/checkpoint-*.json)"),
    Format(opencode.FORMAT, "OpenCode session (~/.local/share/opencode/storage/session/<project>/<session>.json)"),
    Format(chat.FORMAT_AIDER, "aider chat history (.aider.chat.history.md)"),
    Format(chat.FORMAT_MINI, "mini-SWE-agent trajectory (*.traj.json; also a bare list of its messages)"),
    Format(swe_agent.FORMAT, "SWE-agent trajectory (*.traj: trajectory of action/observation, history, info)"),
    Format(chat.FORMAT_OPENAI, "JSON array of OpenAI-style chat messages"),
)


def _whole_run_results(path: Path) -> bool:
    """A Terminal-Bench run's results.json (every trial's verdict, no trajectory), or a folder holding only that."""
    file = path / "results.json" if path.is_dir() else path
    try:
        if file.stat().st_size > 64 * 1024 * 1024:
            return False
        data = orjson.loads(file.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False
    results = data.get("results") if isinstance(data, dict) else None
    return isinstance(results, list) and any(isinstance(r, dict) and "task_id" in r for r in results[:1])


def _unknown(path: Path) -> GitSkillError:
    if _whole_run_results(path):
        return GitSkillError(f"{path}: a run's results (each trial's verdict) without the trials' sessions: nothing "
                             f"to learn from; 'git skill compare {path} OTHER_RUN' compares it with another run",
                             exit_codes.BAD_INPUT)
    known = "\n  ".join(f"{f.name}: {f.description}" for f in FORMATS)
    return GitSkillError(f"{path}: not a transcript format git-skill knows. Supported formats:\n  {known}",
                         exit_codes.BAD_INPUT)


def _first_records(head: bytes) -> list[dict[str, Any]]:
    """The JSON objects among the first lines; a line the sniffed head cuts short (a first record
    over _SNIFF_BYTES) gives the fields before the cut."""
    records = []
    lines = head.split(b"\n")[:50]
    for index, line in enumerate(lines):
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            value = leading_fields(line) if index == len(lines) - 1 and len(head) == _SNIFF_BYTES else None
        if isinstance(value, dict) and value:
            records.append(value)
    return records


def detect(path: Path) -> tuple[str, Any]:
    """The format of `path`, and for whole-JSON formats the parsed document (so it is read once)."""
    if path.is_dir():
        if terminal_bench.sniff(path):
            return terminal_bench.FORMAT, None
        if harbor.sniff(path):
            return harbor.FORMAT, None
        raise _unknown(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise GitSkillError(f"cannot read {path}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
    stripped = head.lstrip()
    if terminal.sniff_cast(stripped):
        return terminal.FORMAT_CAST, None
    records = _first_records(head)
    if records and claude_code.is_stream(records):
        return claude_code.FORMAT_STREAM, None
    if records and codex.sniff_exec(records):
        return codex.FORMAT_EXEC, None
    if records and claude_code.sniff(records):
        return claude_code.FORMAT, None
    if records and codex.sniff(records):
        return codex.FORMAT, None
    if stripped[:1] == b"{" and harbor.sniff_atif_head(head):
        return harbor.FORMAT_ATIF, None  # read a step at a time, never whole
    if stripped[:1] in (b"{", b"["):
        raw = path.read_bytes()
        try:
            data = orjson.loads(raw)  # several times the standard library's speed on a large document
        except orjson.JSONDecodeError:
            try:  # NaN, huge integers, invalid UTF-8: the standard library is more lenient
                data = json.loads(raw.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                data = None
        if harbor.is_atif(data):
            return harbor.FORMAT_ATIF, data
        if gemini.is_recording(data):
            return gemini.FORMAT, data
        if gemini.is_checkpoint(data):
            return gemini.FORMAT_CHECKPOINT, data
        if opencode.is_session(data, path):
            return opencode.FORMAT, data
        if swe_agent.is_trajectory(data):
            return swe_agent.FORMAT, data
        if chat.is_mini_trajectory(data):
            return chat.FORMAT_MINI, data
        if chat.is_messages(data):
            return chat.FORMAT_OPENAI, data
    if chat.sniff_aider(head):
        return chat.FORMAT_AIDER, None
    if terminal.sniff_log(head):
        return terminal.FORMAT_LOG, None
    raise _unknown(path)


def _reader(name: str, data: Any) -> Callable[[Path, ev.Transcript], Iterator[ev.Event]]:
    readers: dict[str, Callable[[Path, ev.Transcript], Iterator[ev.Event]]] = {
        claude_code.FORMAT: claude_code.read,
        claude_code.FORMAT_STREAM: claude_code.read_stream,
        codex.FORMAT: codex.read,
        codex.FORMAT_EXEC: codex.read_exec,
        harbor.FORMAT: harbor.read,
        harbor.FORMAT_ATIF: lambda p, t: harbor.read_atif_file(p, t),
        terminal_bench.FORMAT: terminal_bench.read,
        terminal.FORMAT_CAST: terminal.read_cast,
        terminal.FORMAT_LOG: terminal.read_log,
        gemini.FORMAT: lambda p, t: gemini.read_recording(p, t, data),
        gemini.FORMAT_CHECKPOINT: lambda p, t: gemini.read_checkpoint(p, t, data),
        opencode.FORMAT: lambda p, t: opencode.read(p, t, data),
        chat.FORMAT_AIDER: chat.read_aider,
        chat.FORMAT_MINI: lambda p, t: chat.read_mini(p, t, data),
        swe_agent.FORMAT: lambda p, t: swe_agent.read(p, t, data),
        chat.FORMAT_OPENAI: lambda p, t: chat.read_openai(p, t, data),
    }
    return readers[name]


def redact_bounded(text: str, redactor: Redactor, limit: int = MAX_EVENT_CHARS) -> str:
    """Clip to `limit` (head and tail) and redact; a secret near a cut is redacted before the cut."""
    if len(text) > limit + 2 * _REDACTION_MARGIN:
        text = ev.clip_middle(text, limit + 2 * _REDACTION_MARGIN)
    return ev.clip_middle(redactor.redact(text), limit)


def _redact_arguments(arguments: Any, redactor: Redactor) -> Any:
    if arguments is None or isinstance(arguments, (int, float, bool)):
        return arguments
    if isinstance(arguments, str):
        return redact_bounded(arguments, redactor)
    try:
        encoded = orjson.dumps(arguments).decode("utf-8")
    except TypeError:  # integers beyond 64 bits and other values orjson refuses
        encoded = json.dumps(arguments, ensure_ascii=False)
    cleaned = redact_bounded(encoded, redactor)
    if cleaned == encoded:
        return arguments
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError:
        return cleaned


def _redacted(events: Iterator[ev.Event], transcript: ev.Transcript, redactor: Redactor,
              use_feedback: bool = True) -> Iterator[ev.Event]:
    for event in _guarded(events, transcript):
        event.text = redact_bounded(event.text, redactor)
        if event.command:
            event.command = redact_bounded(event.command, redactor, 16 * 1024)
        event.arguments = _redact_arguments(event.arguments, redactor)
        yield event
    if not use_feedback:  # trajectory only: no verifier output, reward, resolution or --feedback file
        if transcript.feedback or transcript.facts.outcome:
            transcript.report.note("feedback ignored (--no-feedback)")
        transcript.feedback.clear()
        transcript.facts.outcome = None
    for item in transcript.feedback:
        item.text = redact_bounded(item.text, redactor)
    verdicts = [item.resolved for item in transcript.feedback if item.source == "user" and item.resolved is not None]
    if verdicts and not transcript.facts.outcome:  # a --feedback file that reports every check passed, or not
        transcript.facts.outcome = "resolved (feedback file)" if all(verdicts) else "unresolved (feedback file)"
    if transcript.facts.cwd:
        transcript.facts.cwd = redactor.redact(transcript.facts.cwd)
    if transcript.facts.rejected:
        transcript.report.skip("session fields of the wrong type", transcript.facts.rejected)
    transcript.report.redactions.update(redactor.counts)


def open_unredacted(path: Path) -> ev.Transcript:
    """A transcript whose events come as the agent logged them, not redacted: for counting what an
    agent did (`git skill usage` counts skill loads), never for text that is shown, written or sent.
    Redacting every text of a 150 MB trajectory to read a few tool names would cost most of the run."""
    if not path.exists():
        raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    require_readable(path, folder_ok=True)
    name, data = detect(path)
    transcript = ev.Transcript(facts=ev.SessionFacts(format=name, source=str(path)), events=iter(()))
    transcript.events = _guarded(_reader(name, data)(path, transcript), transcript)
    return transcript


def _guarded(events: Iterator[ev.Event], transcript: ev.Transcript) -> Iterator[ev.Event]:
    """The reader's events; a read that fails midway becomes one error naming the source."""
    try:
        yield from events
    except (OSError, UnicodeError) as error:
        raise GitSkillError(f"cannot read {transcript.facts.source}: {error}", exit_codes.BAD_INPUT) from None
    except RecursionError:
        raise GitSkillError(f"{transcript.facts.source}: nested too deeply to read", exit_codes.BAD_INPUT) from None


def open_transcript(path: Path, feedback_files: tuple[Path, ...] | list[Path] = (),
                    use_feedback: bool = True, redactor: Redactor | None = None) -> ev.Transcript:
    """Open a transcript for streaming; its events and feedback come out redacted (by `redactor`, if given:
    the precision benchmark passes one that records its finds). Without `use_feedback` every verifier
    output, reward and feedback file is left out (trajectory only)."""
    if not path.exists():
        raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    require_readable(path, folder_ok=True)
    for feedback_path in feedback_files:
        require_readable(Path(feedback_path))
    name, data = detect(path)
    transcript = ev.Transcript(facts=ev.SessionFacts(format=name, source=str(path)), events=iter(()))
    for feedback_path in feedback_files if use_feedback else ():
        try:
            transcript.feedback.append(user_feedback(Path(feedback_path)))
        except OSError as error:
            raise GitSkillError(f"cannot read feedback file {feedback_path}: {error.strerror or error}",
                                exit_codes.USAGE) from None
    redactor = redactor or Redactor()
    transcript.events = _redacted(_reader(name, data)(path, transcript), transcript, redactor, use_feedback)
    return transcript
