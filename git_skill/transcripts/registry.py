"""Every transcript and trial format git-skill reads, as one ordered registry of readers.

A reader says how its format is recognised (`sniff`) and how it is read (`read`); `detect`
tries them in order and the first that recognises a path reads it, as pre-commit picks a
language. A format fixed or added here is fixed or added for `learn`, `digest`, `usage` and
`compare` alike. Recognising a file goes by stages that cost more as they go, each computed once
for all readers and only when a reader asks: a folder's files; the first 256 KB; the JSON records
among its first lines; the whole document parsed (for the JSON formats that are one document).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

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
from git_skill.transcripts.jsonl import leading_fields

SNIFF_BYTES = 256 * 1024


@dataclass
class Sample:
    """What readers look at to recognise a path; each part is read at most once, on first use."""

    path: Path
    head: bytes = b""  # the first SNIFF_BYTES of a file (read by `detect`, so a read error is reported once)
    folder: bool = False

    @cached_property
    def stripped(self) -> bytes:
        return self.head.lstrip()

    @cached_property
    def records(self) -> list[dict[str, Any]]:
        """The JSON objects among the first lines; a line the head cuts short (a first record over
        SNIFF_BYTES) gives the fields before the cut."""
        records = []
        lines = self.head.split(b"\n")[:50]
        for index, line in enumerate(lines):
            try:
                value = json.loads(line)
            except (ValueError, RecursionError):
                value = leading_fields(line) if index == len(lines) - 1 and len(self.head) == SNIFF_BYTES else None
            if isinstance(value, dict) and value:
                records.append(value)
        return records

    @cached_property
    def document(self) -> Any:
        """The whole file parsed as one JSON document (None when it is not one)."""
        if self.stripped[:1] not in (b"{", b"["):
            return None
        raw = self.path.read_bytes()
        try:
            return orjson.loads(raw)  # several times the standard library's speed on a large document
        except orjson.JSONDecodeError:
            try:  # NaN, huge integers, invalid UTF-8: the standard library is more lenient
                return json.loads(raw.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                return None


Read = Callable[[Path, ev.Transcript, Any], Iterator[ev.Event]]


@dataclass(frozen=True)
class Reader:
    name: str
    description: str
    sniff: Callable[[Sample], bool]
    read: Read  # (path, transcript, the parsed document when the format is one, else None)
    folder: bool = False  # reads a trial folder, not a file
    whole: bool = field(default=False)  # its sniff parses the document, which `read` is handed


def _plain(read: Callable[[Path, ev.Transcript], Iterator[ev.Event]]) -> Read:
    return lambda path, transcript, _data: read(path, transcript)


def _records(test: Callable[[list[dict[str, Any]]], bool]) -> Callable[[Sample], bool]:
    return lambda sample: bool(sample.records) and test(sample.records)


def _document(test: Callable[[Any], bool]) -> Callable[[Sample], bool]:
    return lambda sample: test(sample.document)


def _atif(sample: Sample) -> bool:
    if sample.stripped[:1] == b"{" and harbor.sniff_atif_head(sample.head):
        return True  # read a step at a time, never parsed whole here
    return harbor.is_atif(sample.document)


# In the order they are tried: folders first, then what the head shows, then whole documents.
READERS: tuple[Reader, ...] = (
    Reader(terminal_bench.FORMAT, "Terminal-Bench 1 trial folder (results.json, sessions/agent.cast, sessions/tests.log)",
           lambda s: terminal_bench.sniff(s.path), _plain(terminal_bench.read), folder=True),
    Reader(harbor.FORMAT, "Harbor trial folder (agent/trajectory.json or the agent's own logs, verifier/ with "
                          "ctrf.json, result.json; steps/<name>/)",
           lambda s: harbor.sniff(s.path), _plain(harbor.read), folder=True),
    Reader(terminal.FORMAT_CAST, "asciinema v2 recording (.cast); installed agents' output inside is read as their steps",
           lambda s: terminal.sniff_cast(s.stripped), _plain(terminal.read_cast)),
    Reader(claude_code.FORMAT_STREAM, "Claude Code `-p --output-format stream-json` output (Harbor's agent/claude-code.txt)",
           _records(claude_code.is_stream), _plain(claude_code.read_stream)),
    Reader(codex.FORMAT_EXEC, "Codex `exec --json` output (Harbor's agent/codex.txt)",
           _records(codex.sniff_exec), _plain(codex.read_exec)),
    Reader(claude_code.FORMAT, "Claude Code session JSONL (~/.claude/projects/…/<session>.jsonl)",
           _records(claude_code.sniff), _plain(claude_code.read)),
    Reader(codex.FORMAT, "Codex CLI rollout JSONL (~/.codex/sessions/…/rollout-*.jsonl)",
           _records(codex.sniff), _plain(codex.read)),
    Reader(harbor.FORMAT_ATIF, "ATIF trajectory JSON (schema_version ATIF-v1.x)",
           _atif, _plain(harbor.read_atif_file)),
    Reader(gemini.FORMAT, "Gemini CLI session (~/.gemini/tmp/<project hash>/chats/session-*.json)",
           _document(gemini.is_recording), gemini.read_recording, whole=True),
    Reader(gemini.FORMAT_CHECKPOINT, "Gemini CLI /chat save checkpoint (~/.gemini/tmp/<project hash>/checkpoint-*.json)",
           _document(gemini.is_checkpoint), gemini.read_checkpoint, whole=True),
    Reader(opencode.FORMAT, "OpenCode session (~/.local/share/opencode/storage/session/<project>/<session>.json)",
           lambda s: opencode.is_session(s.document, s.path), opencode.read, whole=True),
    Reader(swe_agent.FORMAT, "SWE-agent trajectory (*.traj: trajectory of action/observation, history, info)",
           _document(swe_agent.is_trajectory), swe_agent.read, whole=True),
    Reader(chat.FORMAT_MINI, "mini-SWE-agent trajectory (*.traj.json; also a bare list of its messages)",
           _document(chat.is_mini_trajectory), chat.read_mini, whole=True),
    Reader(chat.FORMAT_OPENAI, "JSON array of OpenAI-style chat messages",
           _document(chat.is_messages), chat.read_openai, whole=True),
    Reader(chat.FORMAT_AIDER, "aider chat history (.aider.chat.history.md)",
           lambda s: chat.sniff_aider(s.head), _plain(chat.read_aider)),
    Reader(terminal.FORMAT_LOG, "raw terminal log (script typescript, tmux capture, agent.log), agents' output as for .cast",
           lambda s: terminal.sniff_log(s.head), _plain(terminal.read_log)),
)

BY_NAME: dict[str, Reader] = {reader.name: reader for reader in READERS}


def recognise(sample: Sample) -> Reader | None:
    """The first reader, in registry order, that recognises the sampled path."""
    return next((r for r in READERS if r.folder == sample.folder and r.sniff(sample)), None)


def is_trial(folder: Path) -> bool:
    """Whether a folder is one trial of a benchmark whose trials a reader here reads."""
    return recognise(Sample(folder, folder=True)) is not None
