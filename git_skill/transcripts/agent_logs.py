"""Agents' own trajectories inside a terminal recording: what an installed agent printed while it ran.

An installed agent (Terminal-Bench's mini-SWE-agent and OpenHands, or `claude -p --output-format
stream-json` and `codex exec --json` run in a shell) works inside one shell command, so a terminal
recording shows its launch command and then its console output. Each parser here reads that
output line by line (already cleaned of terminal codes) and yields the agent's own steps; the
harness's instructions and banners become notes, never steps or errors. Memory stays bounded:
each step keeps a bounded head and tail.

Formats (see docs/transcripts.md for the sources):
- mini-SWE-agent's console: `System:` / `User:` blocks with the prompts, then per step
  `mini-swe-agent (step N, $cost):`, the reasoning with exactly one fenced bash block, and a
  `User:` block with `<returncode>` and `<output>` (or a timeout or format-error message).
- OpenHands' console log: records `HH:MM:SS - ACTION` / `HH:MM:SS - OBSERVATION` (optionally
  `AGENT_`/`USER_`-prefixed) followed by the event's text (`**CmdRunAction …**`, `COMMAND:`, …).
  A log at a level that does not print events shows only `POST /execute_action` lines: those
  are counted, since they say the agent acted without saying how.
- Claude Code `--output-format stream-json` and Codex `exec --json` lines: JSON records, read by
  their readers' record functions.
"""

from __future__ import annotations

import re
from typing import Iterator

import orjson

from git_skill.transcripts import events as ev

STEP_TEXT_LIMIT = 64 * 1024
_LAUNCH = (
    ("mini-swe-agent", re.compile(r"^(?:\S*/)?(?:mini|mini-extra|mini-swe-agent)(?:\s|$)|python3? -m minisweagent\b")),
    ("openhands", re.compile(r"^(?:\S*/)?openhands(?:\s|$)|python3? -m openhands\.(?:core\.main|cli)\b")),
    ("claude-code", re.compile(r"^(?:\S*/)?claude\s.*--output-format[= ]stream-json")),
    ("codex", re.compile(r"^(?:\S*/)?codex\s+exec\b.*--json")),
)
_ENV_PREFIX = re.compile(r"^(?:(?:export\s+)?[A-Z_][A-Z0-9_]*=\S*\s+)+")
_START = re.compile(
    r"(?:👋 This is mini-swe-agent|mini-swe-agent \(step \d)|\d\d:\d\d:\d\d - (?:\w+_)?ACTION$|"
    r"\{\s*\"type\":\s*\"(?:system\",\s*\"subtype\":\s*\"init|thread\.started)\"|\{\s*\"id\":\s*\"0\",\s*\"msg\":"
)


def launched_agent(command: str) -> str | None:
    """Which installed agent a shell command launches (its first command, after env assignments)."""
    first = re.split(r"\s*(?:&&|;|\|\|?)\s*", _ENV_PREFIX.sub("", command.strip()), maxsplit=1)[0]
    for name, pattern in _LAUNCH:
        if pattern.search(first):
            return name
    return None


def opening_parser(line: str, transcript: ev.Transcript) -> AgentLog | None:
    """A parser when this output line opens an agent trajectory (an agent run by a wrapper script)."""
    if not _START.match(line):
        return None
    if "mini-swe-agent" in line:
        return parser_for("mini-swe-agent", transcript)
    if line.startswith("{"):
        record = _json(line)
        if record is None:
            return None
        return parser_for("codex" if ("msg" in record or record.get("type") == "thread.started") else "claude-code",
                          transcript)
    return parser_for("openhands", transcript)


_CONSOLES = (("mini-swe-agent", re.compile(r"^(?:\U0001f44b This is mini-swe-agent|mini-swe-agent \(step \d)", re.M)),
             ("openhands", re.compile(r"^\d\d:\d\d:\d\d - (?:\w+_)?(?:ACTION|OBSERVATION)\s*$", re.M)))


def console_agent(head: str) -> str | None:
    """Which agent's console output a text (a file's head, terminal codes and all) holds, if any."""
    plain = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", head)
    return next((agent for agent, pattern in _CONSOLES if pattern.search(plain)), None)


def parser_for(agent: str, transcript: ev.Transcript) -> AgentLog:
    parsers: dict[str, type[AgentLog]] = {"mini-swe-agent": MiniConsole, "openhands": OpenHandsConsole,
                                          "claude-code": JsonLines, "codex": JsonLines}
    parser = parsers[agent](transcript)
    parser.agent = agent
    if transcript.facts.agent in (None, "terminal"):
        transcript.facts.agent = agent
    return parser


def _json(line: str) -> dict | None:  # type: ignore[type-arg]
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


# A shell prompt of the user@host form: the agent has exited (a bare `$ ` could be the agent's own output).
SHELL_PROMPT = r"(?:\([^)\n]{1,40}\)[ \t]*)?[\w.-]+@[\w.-]+(?::[^\n#$]{0,200})?[ \t]?[#$](?:[ \t]|$|\n)|bash-[\d.]+[#$]"


def markers(pattern: str) -> re.Pattern[str]:
    """The lines a parser must see one by one (its own markers, and the shell prompt that ends it); the
    lines between them reach it in bulk. A match is the newline before such a line (a literal first
    character keeps the search fast)."""
    return re.compile(f"\\n(?=(?:{pattern})|{SHELL_PROMPT})")


class AgentLog:
    """Base: collects stray output (shown as a note when the agent printed no readable step)."""

    agent = "agent"
    MARKERS = markers(r"")  # every line

    def __init__(self, transcript: ev.Transcript) -> None:
        self.transcript = transcript
        self.steps = 0
        self.stray = ev.BoundedText(4096)
        self.explained = False  # a parser said why it found no step; the generic note is not needed

    def line(self, text: str) -> Iterator[ev.Event]:
        raise NotImplementedError

    def bulk(self, text: str) -> None:
        """Lines that hold no marker: part of the current block, or stray output."""
        self.stray.add(text)

    def close(self) -> Iterator[ev.Event]:
        yield from self._finish()
        if not self.steps and not self.explained:
            tail = self.stray.text().strip()
            self.transcript.report.note(f"{self.agent} runs with no step in its log")
            yield ev.Event(ev.NOTE, f"{self.agent} printed no step git-skill can read"
                           + (f"; its output ends:\n{ev.clip_middle(tail, 1200)}" if tail else ""))

    def _finish(self) -> Iterator[ev.Event]:
        return iter(())

    def _task_or_note(self, text: str) -> ev.Event:
        """The agent's first request is the task unless the trial already gave one."""
        if self.transcript.task_known:
            return ev.Event(ev.NOTE, text)
        self.transcript.task_known = True
        return ev.Event(ev.USER, text)


# ------------------------------------------------------------------ mini-SWE-agent
_MINI_STEP = re.compile(r"^mini-swe-agent \(step (\d+), \$([\d.]+)\):\s*$")
_MINI_BANNER = re.compile(r"^👋 This is mini-swe-agent version (\S+?)\.?\s*$")
_MINI_SPINNER = re.compile(r"^\W{0,3}\s*Waiting for the LM to respond")
_SPINNER_LINES = re.compile(r"(?m)^[^\w\n]{0,3}[ \t]*Waiting for the LM to respond[^\n]*\n?")
_RULE = re.compile(r"^[─━═-]{20,}\s*$")
# mini-SWE-agent 2 fences its action as ```mswea_bash_command
BASH_BLOCK = re.compile(r"```(?:bash|sh|shell|mswea_bash_command)?[ \t]*\n(.*?)```", re.S)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_TIMEOUT = re.compile(r"The last command <command>(.*?)</command> timed out", re.S)
MINI_TASK = re.compile(r"^Please solve this issue:\s*(.*?)(?=\n\s*\nYou can execute bash commands|\n\s*\n##|\Z)", re.S)
SUBMIT = re.compile(r"^\s*echo\s+(?:COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT)\b")


class MiniConsole(AgentLog):
    MARKERS = markers(r"mini-swe-agent \(step \d|\U0001f44b This is mini-swe-agent|System:[ \t]*(?:\n|$)|User:[ \t]*(?:\n|$)|"
                      r"[─━═-]{20,}|Saved trajectory to|Your config is stored")

    def __init__(self, transcript: ev.Transcript) -> None:
        super().__init__(transcript)
        self.block: str | None = None  # "system", "user", "step"
        self.text = ev.BoundedText(STEP_TEXT_LIMIT)
        self.pending: str | None = None  # the step's command, until its observation
        self.started = False
        self.wrap: re.Pattern[str] | None = None  # lines the console wrapped, once its width is known

    def line(self, text: str) -> Iterator[ev.Event]:
        if _MINI_SPINNER.match(text):
            return
        banner = _MINI_BANNER.match(text)
        if banner:
            self.started = True
            self.transcript.facts.agent = f"mini-swe-agent {banner.group(1)}"
            return
        step = _MINI_STEP.match(text)
        if step:
            yield from self._finish()
            self.block, self.started = "step", True
            self.steps += 1
            self.transcript.facts.cost_usd = float(step.group(2))
            return
        if text in ("System:", "User:") and (self.started or text == "System:"):
            yield from self._finish()
            self.block, self.started = text[:-1].lower(), True
            return
        if _RULE.match(text):
            if self.wrap is None and len(text) >= 60:  # the rule spans the console: its width
                self.wrap = re.compile(r"(?m)^(.{%d,} )\n" % (len(text) - 30))
            yield from self._finish()
            return
        if text.startswith("Saved trajectory to"):  # the run is over
            yield from self._finish()
            self.transcript.report.note("mini-SWE-agent trajectories saved outside the trial")
            return
        if self.block is None:
            if text.strip() and not text.startswith("Your config is stored"):
                self.stray.add(text + "\n")
            return
        self.text.add(text + "\n")

    def bulk(self, text: str) -> None:
        if self.block is not None:
            self.text.add(text)
        elif text.strip() and "Waiting for the LM" not in text:
            self.stray.add(text)

    def _finish(self) -> Iterator[ev.Event]:
        block, text = self.block, self.text.text()
        self.block, self.text = None, ev.BoundedText(STEP_TEXT_LIMIT)
        if "Waiting for the LM" in text:  # spinner lines reach the block in bulk; they are not the agent's words
            text = _SPINNER_LINES.sub("", text)
        text = text.strip("\n")
        if self.wrap is not None and " \n" in text:  # the console (rich) wrapped long lines at a space, which it kept
            text = self.wrap.sub(r"\1", text)
        if block == "system" and text:
            yield ev.Event(ev.NOTE, "agent instructions (harness): " + text)
        elif block == "step":
            yield from self._step(text)
        elif block == "user":
            yield from self._observation(text)

    def _step(self, text: str) -> Iterator[ev.Event]:
        blocks = list(BASH_BLOCK.finditer(text))
        thought = "".join(text[start:end] for start, end in zip([0] + [b.end() for b in blocks],
                                                                 [b.start() for b in blocks] + [len(text)])).strip()
        if thought.startswith("THOUGHT:"):
            thought = thought[8:].strip()
        if thought:
            yield ev.Event(ev.ASSISTANT, thought)
        if len(blocks) == 1:  # exactly one action per step; more (or none) is a format error the harness rejects
            command = blocks[0].group(1).strip()
            if SUBMIT.match(command):
                yield ev.Event(ev.NOTE, "the agent submitted its work")
                return
            self.pending = command
            yield ev.Event(ev.TOOL_CALL, "", tool="bash", command=command)

    def _observation(self, text: str) -> Iterator[ev.Event]:
        if not text.strip():
            return
        if self.steps == 0:  # the instance prompt: the task, then the harness's workflow and rules
            task = MINI_TASK.match(text)
            if task:
                yield self._task_or_note(task.group(1).strip())
                rest = text[task.end():].strip()
                if rest:
                    yield ev.Event(ev.NOTE, "agent instructions (harness): " + rest)
            else:
                yield self._task_or_note(text)
            return
        code = _RETURNCODE.search(text, 0, 200) if "<returncode>" in text[:200] else None
        timeout = _TIMEOUT.search(text) if "</command> timed out" in text else None
        if self.pending is None or not (code or timeout):
            yield ev.Event(ev.NOTE, "harness reply: " + text)  # a format error or a reminder, not a step
            return
        body = outputs(text)
        if timeout:
            body = f"timed out and was killed\n{body}".rstrip()
        exit_code = int(code.group(1)) if code else None
        yield ev.Event(ev.TOOL_RESULT, body, tool="bash", command=self.pending, exit_code=exit_code,
                       is_error=bool(timeout) or bool(exit_code))
        self.pending = None


def outputs(text: str) -> str:
    """The `<output>` (or `<output_head>`/`<output_tail>`) parts of an observation, else all of it."""
    parts = []
    position = 0
    while True:
        start = text.find("<output", position)
        if start < 0:
            break
        open_end = text.find(">", start)
        if open_end < 0:
            break
        tag = text[start + 1:open_end]
        close = text.find(f"</{tag}>", open_end)
        parts.append(text[open_end + 1:close if close >= 0 else len(text)].strip("\n"))
        if close < 0:
            break
        position = close + len(tag) + 3
    return "\n".join(parts) if parts else text


# ------------------------------------------------------------------ OpenHands
_OH_RECORD = re.compile(r"^\d\d:\d\d:\d\d - (?:(\w+?)_)?(ACTION|OBSERVATION)$")
_OH_LOG = re.compile(r"^\d\d:\d\d:\d\d - [\w.]+:(?:INFO|WARNING|ERROR|DEBUG|CRITICAL)\b")
_OH_EVENT = re.compile(r"^\*\*(\w+)\*?\*?")
_OH_EXIT = re.compile(r"exit code=(-?\d+)")
_OH_SOURCE = re.compile(r"source=EventSource\.(\w+)")
_OH_FIELD = re.compile(r"^(THOUGHT|COMMAND|CODE|CONTENT|Path|Thought|Command):\s?(.*)$")
_OH_TRAILER = re.compile(r"^\[(?:Current working directory|Python interpreter|Command finished with exit code|"
                         r"The command completed with exit code)[^\]]*\]\s*$", re.M)
_OH_IGNORED = frozenset({"AgentStateChangedObservation", "NullObservation", "RecallObservation", "RecallAction",
                         "ChangeAgentStateAction", "SystemMessageAction", "NullAction"})


class OpenHandsConsole(AgentLog):
    MARKERS = markers(r"\d\d:\d\d:\d\d - ")

    def __init__(self, transcript: ev.Transcript) -> None:
        super().__init__(transcript)
        self.record: str | None = None  # "ACTION" or "OBSERVATION"
        self.text = ev.BoundedText(STEP_TEXT_LIMIT)
        self.tracker = ev.CallTracker()
        self.calls = 0
        self.unseen_actions = 0

    def line(self, text: str) -> Iterator[ev.Event]:
        record = _OH_RECORD.match(text)
        if record:
            yield from self._finish()
            self.record = record.group(2)
            return
        if _OH_LOG.match(text):
            yield from self._finish()
            if '"POST /execute_action' in text:
                self.unseen_actions += 1
            return
        self.bulk(text + "\n")

    def bulk(self, text: str) -> None:
        if self.record is not None:
            self.text.add(text)
        elif text.strip():
            self.stray.add(text)

    def close(self) -> Iterator[ev.Event]:
        yield from self._finish()
        if self.unseen_actions and not self.steps:
            self.transcript.report.note("OpenHands actions its log does not show", self.unseen_actions)
            yield ev.Event(ev.NOTE, f"OpenHands executed {self.unseen_actions} actions, but its log shows none of them "
                           "(no ACTION/OBSERVATION records at this log level): its steps are unknown")
            self.explained = True
        yield from super().close()

    def _finish(self) -> Iterator[ev.Event]:
        record, text = self.record, self.text.text().strip("\n")
        self.record, self.text = None, ev.BoundedText(STEP_TEXT_LIMIT)
        if not record or not text:
            return
        head = _OH_EVENT.match(text)
        name = head.group(1) if head else ""
        if name in _OH_IGNORED:
            return
        if record == "ACTION":
            yield from self._action(name, text)
        else:
            yield from self._observation(name, text)

    def _action(self, name: str, text: str) -> Iterator[ev.Event]:
        fields = _fields(text)
        source = _OH_SOURCE.search(text.split("\n", 1)[0])
        if name == "MessageAction":
            content = fields.get("CONTENT", "").strip()
            if content:
                yield self._task_or_note(content) if source and source.group(1) == "USER" else ev.Event(ev.ASSISTANT, content)
            return
        thought = (fields.get("THOUGHT") or fields.get("Thought") or "").strip()
        if thought:
            yield ev.Event(ev.ASSISTANT, thought)
        self.steps += 1
        self.calls += 1
        call_id = f"openhands-{self.calls}"
        if name == "CmdRunAction":
            yield self.tracker.call("execute_bash", None, call_id, command=fields.get("COMMAND", "").strip())
        elif name == "IPythonRunCellAction":
            yield self.tracker.call("execute_ipython_cell", {"code": fields.get("CODE", "")}, call_id)
        elif name.startswith("File"):
            path = fields.get("Path", "").strip().strip("[]")
            yield self.tracker.call("str_replace_editor", {"path": path, "action": name[4:-6].lower() or "edit"}, call_id)
        elif name in ("AgentFinishAction", "AgentThinkAction"):
            self.calls -= 1
            body = text.split("\n", 1)[1].strip() if "\n" in text else ""
            if body and not thought:
                yield ev.Event(ev.ASSISTANT, body)
        else:
            yield self.tracker.call(name or "action", None, call_id)

    def _observation(self, name: str, text: str) -> Iterator[ev.Event]:
        if not self.calls:
            return
        exit_match = _OH_EXIT.search(text[:400])
        begin, end = text.find("--BEGIN AGENT OBSERVATION--"), text.rfind("--END AGENT OBSERVATION--")
        if begin >= 0:
            body = text[begin + 27:end if end > begin else None]
        else:
            header_end = text.find(")**")
            header_end = header_end + 3 if header_end >= 0 else (text.find("**", 2) + 2 if text.find("**", 2) > 0 else 0)
            body = text[header_end:]
        cut = max(0, len(body) - 600)  # the runtime's trailers close the observation
        body = (body[:cut] + _OH_TRAILER.sub("", body[cut:])).strip("\n")
        exit_code = int(exit_match.group(1)) if exit_match else None
        is_error = name == "ErrorObservation" or bool(exit_code and exit_code > 0)
        yield self.tracker.result(f"openhands-{self.calls}", body, exit_code=exit_code if exit_code != -1 else None,
                                  is_error=is_error)


def _fields(text: str) -> dict[str, str]:
    """`NAME:` sections of an OpenHands event text; a section runs to the next one."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.split("\n")[1:]:
        match = _OH_FIELD.match(line)
        if match and match.group(1) not in fields:
            current = match.group(1)
            fields[current] = match.group(2)
        elif current:
            fields[current] += "\n" + line
    return {k: v.strip("\n") for k, v in fields.items()}


# ------------------------------------------------------------------ JSON lines (Claude Code stream-json, Codex exec --json)
class JsonLines(AgentLog):
    def __init__(self, transcript: ev.Transcript) -> None:
        super().__init__(transcript)
        from git_skill.transcripts import claude_code, codex

        self.claude = claude_code.StreamState(transcript)
        self.codex = codex.ExecState(transcript)

    def line(self, text: str) -> Iterator[ev.Event]:
        record = _json(text) if text.startswith("{") else None
        if record is None:
            if text.strip():
                self.stray.add(text + "\n")
            return
        for event in self._record(record):
            if event.kind in (ev.TOOL_CALL, ev.ASSISTANT):
                self.steps += 1
            yield event

    def _record(self, record: dict) -> Iterator[ev.Event]:  # type: ignore[type-arg]
        from git_skill.transcripts import claude_code, codex

        if self.agent == "codex" or codex.is_exec_record(record):
            return codex.exec_record(record, self.codex)
        return claude_code.stream_record(record, self.claude)
