"""One event model every transcript reader maps onto.

A `Transcript` is the session's facts, a stream of `Event`s (read lazily, so a
gigabyte transcript never sits in memory), the feedback gathered beside it, and a
report of what could not be read. Texts are redacted before they reach an Event's
consumer (see `git_skill.transcripts.open_transcript`).
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

USER = "user"  # a request or later turn from the person
ASSISTANT = "assistant"  # what the agent said
REASONING = "reasoning"  # the agent's thinking, kept apart
TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
SUMMARY = "summary"  # a compaction summary standing for earlier turns
NOTE = "note"  # harness-injected text (reminders, banners): context, not the person's words

KINDS = (USER, ASSISTANT, REASONING, TOOL_CALL, TOOL_RESULT, SUMMARY, NOTE)
SHELL_TOOLS = frozenset({"bash", "shell", "execute_bash", "run_shell_command", "exec_command", "local_shell",
                         "terminal", "run_terminal_cmd", "container.exec", "sh"})


@dataclass(slots=True)
class Event:
    kind: str
    text: str = ""
    tool: str | None = None
    call_id: str | None = None
    arguments: Any = None
    command: str | None = None  # the shell command, for shell tools
    exit_code: int | None = None
    is_error: bool = False
    thread: str = "main"  # "main", or the subagent/sidechain it belongs to
    timestamp: str | None = None


@dataclass
class Feedback:
    """What a verifier or reviewer said: free text, per-test results, a reward."""

    source: str  # "verifier", "tests", "reward", "user"
    text: str = ""
    tests: dict[str, str] = field(default_factory=dict)  # test name -> passed / failed / error / skipped
    reward: float | None = None
    resolved: bool | None = None
    path: str | None = None

    @property
    def failed_tests(self) -> list[str]:
        return [name for name, status in self.tests.items() if status not in ("passed", "skipped", "xfail")]


_TEXT_FACTS = frozenset({"format", "source", "agent", "model", "cwd", "started", "ended", "outcome", "task_id",
                         "session_id"})
_COUNT_FACTS = frozenset({"input_tokens", "output_tokens"})


@dataclass
class SessionFacts:
    """What is known about the session. A value of the wrong type from a malformed record (a `cwd`
    that is a list, a token count that is text) is dropped on assignment and counted in `rejected`,
    so no reader has to check each field and no consumer meets a list where it expects text."""

    format: str
    source: str
    agent: str | None = None
    model: str | None = None
    cwd: str | None = None
    started: str | None = None
    ended: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    turns: int | None = None  # the agent's own count of model turns (Claude Code's result record)
    duration_seconds: float | None = None
    outcome: str | None = None  # "resolved", "unresolved", or a failure mode
    task_id: str | None = None
    session_id: str | None = None
    agent_log: str | None = None  # which of the agent's own logs the steps come from, when not the obvious file

    def __setattr__(self, name: str, value: Any) -> None:
        if value is None or (type(value) is str and name in _TEXT_FACTS):  # the common case, kept cheap
            object.__setattr__(self, name, value)
            return
        checked = _checked_fact(name, value)
        if checked is None and value is not None:
            self.__dict__["rejected"] = self.rejected + 1
        object.__setattr__(self, name, checked)

    @property
    def rejected(self) -> int:
        """How many values of the wrong type were dropped (not a dataclass field: digests never show it)."""
        return int(self.__dict__.get("rejected", 0))


def _checked_fact(name: str, value: Any) -> Any:
    """`value` if its type fits the fact `name` (numbers as text are fine for text facts), else None."""
    if value is None or isinstance(value, bool):
        return None
    if name in _TEXT_FACTS:
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)) else None
    if name in _COUNT_FACTS:
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, float) and math.isfinite(value) else None
    if name == "cost_usd":
        return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
    return value


@dataclass
class ReadReport:
    """What a reader skipped or dropped, by reason; never the skipped content itself."""

    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    redactions: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def note(self, what: str, count: int = 1) -> None:
        self.notes[what] += count


@dataclass
class Transcript:
    facts: SessionFacts
    events: Iterator[Event]
    feedback: list[Feedback] = field(default_factory=list)
    report: ReadReport = field(default_factory=ReadReport)
    task_known: bool = False  # a trial gave the task, so an agent's first request in its log is not it
    calls_only: bool = False  # the consumer counts tool calls (compare): a reader may leave out the rest


_ERROR_LINE = re.compile(
    r"(?im)^(?:.*\b(?:Traceback \(most recent call last\)|command not found|No such file or directory|"
    r"Permission denied|Segmentation fault|ModuleNotFoundError|ImportError|SyntaxError|"
    r"fatal:|error:|Error:|ERROR|FAILED|FAILURE|panic:|Exception|npm ERR!|E: )).*$"
)


MALFORMED_RECORDS = "records with fields of the wrong type"
_MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError)


def each_record(records: Iterable[T], report: ReadReport, read_one: Callable[[T], Iterator[Event]]) -> Iterator[Event]:
    """The events of each record; a record whose fields have types its reader does not expect (a
    string where a table belongs, a list where text belongs) is skipped and counted, and reading goes
    on. A record's events are gathered before any is yielded, so a skipped record yields nothing."""
    for record in records:
        try:
            events = list(read_one(record))
        except _MALFORMED:
            report.skip(MALFORMED_RECORDS)
            continue
        yield from events


class RecentMap(dict):  # type: ignore[type-arg]
    """A dict that forgets its oldest entries past `limit`: pairing and de-duplication look back only
    a little way (a tool's result follows its call; streamed copies follow each other), and a map
    that grew with the session would break the flat-memory promise. Oldest means first written;
    iteration runs oldest first."""

    def __init__(self, limit: int = 4096) -> None:
        super().__init__()
        self.limit = limit
        self._order: deque[object] = deque()

    def __setitem__(self, key: object, value: object) -> None:
        if key not in self:
            self._order.append(key)
            if len(self._order) > self.limit:
                super().pop(self._order.popleft(), None)
        super().__setitem__(key, value)


class CallTracker:
    """Makes tool-call and tool-result events, pairing each result with its call's tool and command."""

    def __init__(self, pairs: bool = True) -> None:
        self.calls = RecentMap()
        self.pairs = pairs  # False when no result will be read (a calls-only count): nothing to remember

    def call(self, name: str, arguments: Any, call_id: str, command: str | None = None, **where: Any) -> Event:
        command = command if command is not None else shell_command(name, arguments)
        if self.pairs:
            self.calls[call_id] = (name, command)
        return Event(TOOL_CALL, "", tool=name, call_id=call_id, arguments=arguments, command=command, **where)

    def result(self, call_id: str, text: str, exit_code: int | None = None, is_error: bool | None = None,
               tool: str | None = None, **where: Any) -> Event:
        known_tool, command = self.calls.get(call_id, (tool, None))
        if is_error is None:
            is_error = bool(exit_code) if exit_code is not None else looks_like_error(text)
        return Event(TOOL_RESULT, text, tool=known_tool, call_id=call_id, command=command, exit_code=exit_code,
                     is_error=is_error, **where)


def clip_middle(text: str, limit: int) -> str:
    """Keep the head and the tail of a long text, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    half = max(limit // 2, 1)
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[… {cut:,} characters cut …]\n{text[-half:]}"


class BoundedText:
    """Accumulates a stream of text in bounded memory: the head, the tail, and a count of the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head: list[str] = []
        self.head_size = 0
        self.tail = ""
        self.dropped = 0

    def add(self, piece: str) -> None:
        if self.head_size < self.limit // 2:
            room = self.limit // 2 - self.head_size
            self.head.append(piece[:room])
            self.head_size += min(len(piece), room)
            piece = piece[room:]
        if piece:
            self.tail += piece
            excess = len(self.tail) - self.limit // 2
            if excess > 0:
                self.dropped += excess
                self.tail = self.tail[excess:]

    def text(self) -> str:
        marker = f"\n[… {self.dropped:,} characters cut …]\n" if self.dropped else ""
        return "".join(self.head) + marker + self.tail


# every alternative of _ERROR_LINE holds one of these (lowercased): a text without any cannot match,
# and finding that takes a few C-speed scans instead of the regex's (most outputs are not errors)
_ERROR_HINTS = ("traceback", "not found", "no such file", "denied", "fault", "error", "err!", "fatal:", "fail",
                "panic:", "exception", "e: ")


def looks_like_error(text: str) -> bool:
    """A heuristic for outputs without an exit code: does any line read like a failure?"""
    head, tail = text[:20000], text[-20000:]
    lowered = head.lower() + "\n" + tail.lower() if len(text) > 20000 else head.lower()
    if not any(hint in lowered for hint in _ERROR_HINTS):
        return False
    return bool(_ERROR_LINE.search(head)) or bool(_ERROR_LINE.search(tail))


_EXCEPTION_LINE = re.compile(r"(?m)^\s*((?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)\b:?.*)$")


def error_signature(text: str) -> str | None:
    """The line that names a failure: a traceback's final exception line, else the first error-looking line."""
    if "Traceback (most recent call last)" in text:
        exceptions = _EXCEPTION_LINE.findall(text)
        if exceptions:
            return exceptions[-1].strip()[:300]
    match = _ERROR_LINE.search(text) or _EXCEPTION_LINE.search(text)  # `KeyError: 'total'` without a traceback
    return match.group(0).strip()[:300] if match else None


# A file editor's sub-commands (OpenHands' and SWE-agent's `str_replace_editor`, Anthropic's text editor tool):
# their `command` argument names an edit or a view of `path`, not a shell command.
EDITOR_COMMANDS = frozenset({"view", "create", "str_replace", "insert", "undo_edit"})


def is_editor_call(arguments: Any) -> bool:
    """Whether a tool call's arguments are a file editor's (`{"command": "create", "path": ...}`)."""
    if not isinstance(arguments, dict):
        return False
    command = arguments.get("command")
    return isinstance(command, str) and command in EDITOR_COMMANDS and isinstance(arguments.get("path"), str)


def shell_command(tool: str | None, arguments: Any) -> str | None:
    """The command string of a shell tool call, whatever the agent called its fields; None for a file editor's call."""
    if not tool or is_editor_call(arguments):
        return None
    if isinstance(arguments, dict):
        for key in ("command", "cmd", "script", "keystrokes"):
            value = arguments.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                parts = value[2:] if value[:2] in (["bash", "-lc"], ["bash", "-c"], ["sh", "-c"]) else value
                return " ".join(parts)
    if tool.lower() in SHELL_TOOLS and isinstance(arguments, str):
        return arguments
    return None
