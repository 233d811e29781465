"""Terminal recordings: asciinema v2 `.cast` files and raw logs (`script`, tmux captures, agent.log).

Output is cleaned as a terminal would show it (ANSI colour, cursor and mode codes
removed; `\\r` progress redraws collapsed to their last state; backspaces applied)
and split into command/output turns wherever a shell prompt is visible. Memory
stays bounded: a turn keeps its head and tail, never the whole output.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import read_lines

FORMAT_CAST = "asciinema"
FORMAT_LOG = "terminal-log"
TURN_OUTPUT_LIMIT = 256 * 1024
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()][A-Za-z0-9]|\x1b[@-Z\\-_=>]")
_CONTROL = re.compile(r"[\x00-\x07\x0b\x0c\x0e-\x1f\x7f]")
PROMPT = re.compile(
    r"^(?:\([^)\n]{1,40}\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^\n#$]{0,200})?\s?[#$]|bash-[\d.]+[#$]|\$)(?:\s(?P<command>.*))?$"
)
_HARNESS = re.compile(r"^(?:clear|asciinema rec\b.*|source /installed-agent/.*|bash\s+/tests/run-tests\.sh|exit)$")
_TMUX_WAIT = re.compile(r";\s*tmux wait -S done\s*$")


def sniff_cast(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    try:
        header = json.loads(first)
    except ValueError:
        return False
    return isinstance(header, dict) and header.get("version") == 2 and "width" in header


def sniff_log(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    if "\x1b[" in text:
        return True
    return any(PROMPT.match(_clean_line(line)) for line in text.splitlines()[:400])


def _clean_line(line: str) -> str:
    line = _ANSI.sub("", line)
    if "\r" in line:
        segments = [s for s in line.split("\r") if s.strip()]
        line = segments[-1] if segments else ""
    while "\b" in line:
        line = re.sub(r"[^\b]\b", "", line, count=1) if re.search(r"[^\b]\b", line) else line.replace("\b", "")
    return _CONTROL.sub("", line).rstrip()


class TerminalTurns:
    """Feeds raw terminal output in, gets command/output events out."""

    def __init__(self, report: ev.ReadReport) -> None:
        self.report = report
        self.partial = ""
        self.command: str | None = None
        self.output = ev.BoundedText(TURN_OUTPUT_LIMIT)
        self.preamble = ev.BoundedText(16 * 1024)
        self.continuing = False
        self.pending_call = False

    def feed(self, chunk: str) -> Iterator[ev.Event]:
        self.partial += chunk
        if "\n" not in self.partial:
            if len(self.partial) > TURN_OUTPUT_LIMIT:  # a redraw storm with no newline
                self.partial = self.partial[-TURN_OUTPUT_LIMIT:]
            return
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            yield from self._line(_clean_line(line))

    def close(self) -> Iterator[ev.Event]:
        if self.partial:
            yield from self._line(_clean_line(self.partial))
            self.partial = ""
        yield from self._flush()

    def _line(self, line: str) -> Iterator[ev.Event]:
        if self.continuing and line.startswith(">") and self.command is not None:
            self.command += "\n" + line[1:].lstrip(" ")
            self.continuing = not _TMUX_WAIT.search(line)
            return
        self.continuing = False
        match = PROMPT.match(line)
        if match:
            yield from self._flush()
            command = _TMUX_WAIT.sub("", match.group("command") or "").strip()
            if not command:
                return
            if _HARNESS.match(command):
                yield ev.Event(ev.NOTE, f"harness ran: {command}")
                return
            self.command = command
            self.continuing = _open_quote(command)
            self.pending_call = self.continuing
            if not self.continuing:
                yield ev.Event(ev.TOOL_CALL, "", tool="terminal", command=command)
            return
        if self.pending_call and self.command is not None:
            yield ev.Event(ev.TOOL_CALL, "", tool="terminal", command=_TMUX_WAIT.sub("", self.command).strip())
            self.pending_call = False
        (self.output if self.command is not None else self.preamble).add(line + "\n")

    def _flush(self) -> Iterator[ev.Event]:
        if self.pending_call and self.command is not None:
            yield ev.Event(ev.TOOL_CALL, "", tool="terminal", command=_TMUX_WAIT.sub("", self.command).strip())
            self.pending_call = False
        if self.command is not None:
            text = self.output.text().strip("\n")
            yield ev.Event(ev.TOOL_RESULT, text, tool="terminal", command=self.command,
                           is_error=ev.looks_like_error(text))
        elif self.preamble.head_size:
            text = self.preamble.text().strip("\n")
            if text.strip():
                yield ev.Event(ev.NOTE, text)
        self.command = None
        self.output = ev.BoundedText(TURN_OUTPUT_LIMIT)
        self.preamble = ev.BoundedText(16 * 1024)


def _open_quote(command: str) -> bool:
    """Does the command line leave a quote open (so the shell's `> ` lines continue it)?"""
    single = double = False
    escaped = False
    for char in command:
        if escaped:
            escaped = False
        elif char == "\\" and not single:
            escaped = True
        elif char == "'" and not double:
            single = not single
        elif char == '"' and not single:
            double = not double
    return single or double or command.rstrip().endswith("\\")


def read_cast(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    turns = TerminalTurns(transcript.report)
    with path.open("rb") as handle:
        lines = read_lines(handle, transcript.report)  # an output event of 200 MB keeps its head and tail
        header = next(lines, b"")
        try:
            meta = json.loads(header)
            if isinstance(meta, dict) and isinstance(meta.get("env"), dict):
                transcript.facts.agent = transcript.facts.agent or "terminal"
        except ValueError:
            transcript.report.skip("unreadable asciinema header")
        for raw in lines:
            try:
                event = json.loads(raw)
            except ValueError:
                transcript.report.skip("truncated last line" if not raw.endswith(b"\n") else "lines that are not JSON")
                continue
            if isinstance(event, list) and len(event) >= 3 and event[1] == "o" and isinstance(event[2], str):
                yield from turns.feed(event[2])
    yield from turns.close()


def read_log(path: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    turns = TerminalTurns(transcript.report)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield from turns.feed(decoder.decode(chunk))
    yield from turns.feed(decoder.decode(b"", final=True))
    yield from turns.close()


def clean_text(text: str) -> str:
    """A whole terminal text as a person would read it (used for verifier logs)."""
    return "\n".join(_clean_line(line) for line in text.split("\n"))
