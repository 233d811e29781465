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

import orjson
from pathlib import Path
from typing import Iterator

from git_skill.transcripts import agent_logs
from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import read_lines

FORMAT_CAST = "asciinema"
FORMAT_LOG = "terminal-log"
TURN_OUTPUT_LIMIT = 256 * 1024
_CAST_BATCH = 256 * 1024
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()][A-Za-z0-9]|\x1b[@-Z\\-_=>]")
_CONTROL = re.compile(r"[\x00-\x07\x0b\x0c\x0e-\x1f\x7f]")
PROMPT = re.compile(
    r"^(?:\([^)\n]{1,40}\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^\n#$]{0,200})?\s?[#$]|bash-[\d.]+[#$]|\$)(?:\s(?P<command>.*))?$"
)
_HARNESS = re.compile(r"^(?:clear|asciinema rec\b.*|source /installed-agent/.*|bash\s+/tests/run-tests\.sh|exit)$")
_TMUX_WAIT = re.compile(r";\s*tmux wait -S done\s*$")
_SHELL_PROMPT = re.compile(agent_logs.SHELL_PROMPT)
_OPENERS = frozenset("👋m{0123456789")  # first characters of the lines that open an agent's trajectory


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


def _clean_line(line: str, keep_trailing: bool = False) -> str:
    line = _ANSI.sub("", line)
    if "\r" in line:
        segments = [s for s in line.split("\r") if s.strip()]
        line = segments[-1] if segments else ""
    while "\b" in line:
        line = re.sub(r"[^\b]\b", "", line, count=1) if re.search(r"[^\b]\b", line) else line.replace("\b", "")
    line = _CONTROL.sub("", line)
    return line if keep_trailing else line.rstrip()


# Escape sequences (which start with ESC, itself a control character) and other control characters, in one
# pass; an OSC sequence stops at a line's end, so an unterminated one cannot swallow the lines after it.
# `_ANSI` for whole blocks: the common ESC factored out (a literal first character searches faster), and an
# OSC sequence stopped at the line's end, so an unterminated one cannot swallow the lines after it.
_ANSI_BLOCK = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*\x1b\\|[()][A-Za-z0-9]|"
                         r"[@-Z\\-_=>])")


# Control bytes a raw log's chunks lose before decoding (a byte-level pass is several times cheaper than a
# regex over the decoded text); ESC, backspace, tab, CR and LF stay for the passes that interpret them.
_CONTROL_BYTES = bytes(c for c in [*range(32), 127] if c not in (8, 9, 10, 13, 27))


def prepare_bytes(chunk: bytes) -> bytes:
    """A raw log's chunk with CRLF line ends as LF and control bytes other than ESC/BS/TAB/CR/LF dropped
    (UTF-8 continuation bytes are never below 0x80, so this never splits a character)."""
    return chunk.replace(b"\r\n", b"\n").translate(None, _CONTROL_BYTES)


def _clean_block(text: str, prepared: bool = False) -> str:
    """`_clean_line` on every line of a block at once (trailing blanks are kept: the line reader strips
    them, and an agent's parser needs them to undo a console's word wrapping):
    whole-block passes, and per-line work only for the lines that redraw (`\\r`) or backspace."""
    if not prepared:
        text = text.replace("\r\n", "\n")
    if "\x1b" in text:
        text = _ANSI_BLOCK.sub("", text)
    for special in ("\r", "\x08"):
        if special in text:
            text = _clean_lines_with(text, special)
    if prepared:  # only a lone ESC can be left
        return text.replace("\x1b", "") if "\x1b" in text else text
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _clean_lines_with(text: str, special: str) -> str:
    pieces, position = [], 0
    while (found := text.find(special, position)) >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found)
        end = len(text) if end < 0 else end
        pieces += [text[position:start], _clean_line(text[start:end], keep_trailing=True)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


class TerminalTurns:
    """Feeds raw terminal output in, gets command/output events out.

    A command that launches an installed agent (see `agent_logs`) is not a step: its output is
    read by that agent's parser, whose steps take its place, until the shell prompt returns.
    """

    def __init__(self, transcript: ev.Transcript, prepared: bool = False) -> None:
        self.transcript = transcript
        self.prepared = prepared  # chunks come through `prepare_bytes`
        self.report = transcript.report
        self.partial = ""
        self.command: str | None = None
        self.output = ev.BoundedText(TURN_OUTPUT_LIMIT)
        self.preamble = ev.BoundedText(16 * 1024)
        self.continuing = False
        self.pending_call = False
        self.agent: agent_logs.AgentLog | None = None

    def feed(self, chunk: str) -> Iterator[ev.Event]:
        self.partial += chunk
        cut = self.partial.rfind("\n")
        if cut < 0:
            if len(self.partial) > TURN_OUTPUT_LIMIT:  # a redraw storm with no newline
                self.partial = self.partial[-TURN_OUTPUT_LIMIT:]
            return
        block, self.partial = self.partial[:cut], self.partial[cut + 1:]
        yield from self._block(_clean_block(block, self.prepared))

    def _block(self, text: str) -> Iterator[ev.Event]:
        """Cleaned lines: one at a time, except that an agent's output between its marker lines
        (an observation, a long reasoning) goes to its parser in one piece."""
        text = "\n" + text  # every line now follows a newline, which marker searches anchor on
        position, end = 1, len(text)
        while position <= end:
            if self.agent is None:
                newline = text.find("\n", position)
                stop = newline if newline >= 0 else end
                yield from self._line(text[position:stop].rstrip())
                position = stop + 1
                continue
            marker = self.agent.MARKERS.search(text, position - 1)
            if marker is None:
                self.agent.bulk(text[position:] + "\n")
                return
            start = marker.start() + 1
            if start > position:
                self.agent.bulk(text[position:start])  # whole lines, the last newline included
            newline = text.find("\n", start)
            stop = newline if newline >= 0 else end
            yield from self._line(text[start:stop].rstrip())
            position = stop + 1

    def close(self) -> Iterator[ev.Event]:
        if self.partial:
            yield from self._block(_clean_block(self.partial, self.prepared))
            self.partial = ""
        yield from self._flush()

    def _line(self, line: str) -> Iterator[ev.Event]:
        if self.agent is not None:
            if not _SHELL_PROMPT.match(line):
                yield from self.agent.line(line)
                return
            yield from self._flush()  # the prompt is back: the agent has exited
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
            self.pending_call = True
            if not self.continuing:
                yield from self._start_command()
            return
        if self.pending_call and self.command is not None:
            yield from self._start_command()
            if self.agent is not None:
                yield from self.agent.line(line)
                return
        opening = agent_logs.opening_parser(line, self.transcript) if line[:1] in _OPENERS else None
        if opening is not None:
            yield from self._flush()
            self._start_agent(opening)
            yield from opening.line(line)
            return
        (self.output if self.command is not None else self.preamble).add(line + "\n")

    def _start_command(self) -> Iterator[ev.Event]:
        """The command line is complete: a step, or an agent's launch."""
        assert self.command is not None
        self.pending_call = False
        command = _TMUX_WAIT.sub("", self.command).strip()
        agent = agent_logs.launched_agent(command)
        if agent is None:
            yield ev.Event(ev.TOOL_CALL, "", tool="terminal", command=command)
            return
        yield ev.Event(ev.NOTE, f"harness launched {agent}: {ev.clip_middle(command, 400)}")
        self.command = None
        self._start_agent(agent_logs.parser_for(agent, self.transcript))

    def _start_agent(self, parser: agent_logs.AgentLog) -> None:
        self.agent = parser
        self.transcript.facts.agent_log = self.transcript.facts.agent_log or f"{parser.agent} output in the terminal recording"

    def _flush(self) -> Iterator[ev.Event]:
        if self.agent is not None:
            yield from self.agent.close()
            self.agent = None
        if self.pending_call and self.command is not None:
            yield from self._start_command()
            if self.agent is not None:
                yield from self._flush()
                return
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
    turns = TerminalTurns(transcript)
    with path.open("rb") as handle:
        lines = read_lines(handle, transcript.report)  # an output event of 200 MB keeps its head and tail
        header = next(lines, b"")
        try:
            meta = json.loads(header)
            if isinstance(meta, dict) and isinstance(meta.get("env"), dict):
                transcript.facts.agent = transcript.facts.agent or "terminal"
        except ValueError:
            transcript.report.skip("unreadable asciinema header")
        pending: list[str] = []  # outputs are fed in batches: a cast writes a line per small screen update
        size = 0
        for raw in lines:
            try:
                event = orjson.loads(raw)
            except orjson.JSONDecodeError:
                transcript.report.skip("truncated last line" if not raw.endswith(b"\n") else "lines that are not JSON")
                continue
            if isinstance(event, list) and len(event) >= 3 and event[1] == "o" and isinstance(event[2], str):
                pending.append(event[2])
                size += len(event[2])
                if size >= _CAST_BATCH:
                    yield from turns.feed("".join(pending))
                    pending, size = [], 0
        if pending:
            yield from turns.feed("".join(pending))
    yield from turns.close()


def read_log(path: Path, transcript: ev.Transcript, agent: str | None = None) -> Iterator[ev.Event]:
    """A raw terminal log; with `agent`, a file holding only that agent's console output (Harbor's
    `agent/mini-swe-agent.txt`), read by its parser from the first line."""
    turns = TerminalTurns(transcript, prepared=True)
    if agent:
        turns._start_agent(agent_logs.parser_for(agent, transcript))
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield from turns.feed(decoder.decode(prepare_bytes(chunk)))
    yield from turns.feed(decoder.decode(b"", final=True))
    yield from turns.close()


def clean_text(text: str) -> str:
    """A whole terminal text as a person would read it (used for verifier logs)."""
    return "\n".join(_clean_line(line) for line in text.split("\n"))
