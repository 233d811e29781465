"""The built-in distiller: a deterministic skill from one session, with no model and no network.

It reads the digest's steps (already redacted and bounded) and the feedback, and writes
what the session shows, nothing more: when to use the skill (the task and its stated
requirements), how the agent oriented itself, its steps (headed "that worked" only when the
verifier accepted the attempt), each error with the change that fixed it (only when the
failing command then passed), the checks it ran, and what the verifier failed on, with the
verifier's expected values as `<value>`. Whole commands are kept: a short heredoc or
`python -c` as a fenced block, a long one as a file under `scripts/`. A source with no agent
step and no failed check, or whose skill would hold only the task's text, has nothing to
learn (`nothing_to_learn` says why). It does not judge whether a step was wise or explain
why a fix worked: that is what the model pipeline is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from git_skill.transcripts.digest import Digest, Step
from git_skill.learning import leaks, wording
from git_skill.learning.command_text import EDIT_TOOLS, WRITE_TOOLS, clip_words, code, command_lines, show
from git_skill.learning.generalize import generalize, without_literals
from git_skill.transcripts import events as ev
from git_skill.transcripts.events import error_signature

MAX_STEPS = 12
FIX_WINDOW = 200  # calls after a failure searched for its fix: a long session stays linear
MAX_PAIRS = 8
_INSPECT = re.compile(r"^(?:ls|cat|head|tail|less|more|pwd|wc|file|stat|tree|find|grep|rg|which|type|echo|env|"
                      r"git (?:status|log|diff|show|branch)|ps|df|du|id|whoami|uname|"
                      # agents' own reading tools (Claude Code, Gemini CLI, OpenCode, OpenHands), described as `Tool target`
                      r"Read|Glob|Grep|LS|NotebookRead|WebFetch|WebSearch|read_file|read_many_files|list_directory|glob|"
                      r"search_file_content|google_web_search|web_fetch|list|view|"
                      # SWE-agent's viewing tools
                      r"str_replace_editor view|open|goto|scroll_up|scroll_down|search_dir|search_file|find_file)\b")
_VERIFY = re.compile(r"\b(?:pytest|unittest|tox|nox|make (?:test|check)|npm (?:run )?test|yarn test|pnpm test|cargo test|"
                     r"go test|mvn (?:test|verify)|gradle test|ctest|ruff|mypy|flake8|eslint|tsc|diff|cmp|sha256sum|"
                     r"curl|test -[a-z]|\[ -[a-z]|--version|&& echo)\b")
_STOP = frozenset("a an the to of in on for and or with from by at is are be it this that your you my our can please "
                  "make sure so as into then when which what all any some its use using via has have will would should "
                  "i we me us there here file files script current directory".split())
_SHELL_NOISE = re.compile(r"^(?:cd\s+\S+\s*(?:&&|;)\s*)")
_WRITES = re.compile(r"(?:^|[^\d&2])>>?\s*[\w./~-]|<<-?\s*['\"]?\w+|\bsed\s+-i\b|\btee\b|\b(?:mv|cp|rm|mkdir|touch|chmod)\s")
_HARNESS = re.compile(r"<harness-path>|\basciinema\b|\btmux\b")


@dataclass
class ErrorFix:
    command: str
    error: str
    fix: str | None  # the change after which the failing command passed; None when the session shows none
    confirmed: bool  # the failing command (or the same check) ran again and passed
    evidence: int  # digest step of the failure


@dataclass
class Lessons:
    """What the session shows, generalized; the input to rendering a skill."""

    task: str
    name: str
    outcome: str | None
    inspect: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    pairs: list[ErrorFix] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    failed_tests: list[tuple[str, list[str]]] = field(default_factory=list)
    passed_tests: list[str] = field(default_factory=list)
    resolved: bool | None = None
    unverified: list[str] = field(default_factory=list)
    attempts: tuple[int, int] | None = None  # (accepted, total) when several attempts were merged
    agent_steps: int = 0  # tool calls the source recorded (what the skill was learned from)
    tokens: int | None = None  # tokens the agent spent, when the source says
    requirements: list[str] = field(default_factory=list)  # the task's stated limits, formats, paths
    answers: list[str] = field(default_factory=list)  # the verifier's expected values: never rendered
    contrast: list[str] = field(default_factory=list)  # what failed attempts did that the accepted one did not
    steps_from_accepted: bool = False  # a merged skill's steps come from an accepted attempt

    @property
    def empty(self) -> bool:
        """No task and no step: nothing a skill could say (an empty session, or bytes that only looked like one)."""
        return not self.task.strip() and not (self.inspect or self.steps or self.pairs or self.checks)

    @property
    def lessons_of_errors(self) -> list[ErrorFix]:
        """Errors worth a lesson: a timeout alone is not one."""
        return [pair for pair in self.pairs if pair.error != "timed out"]


def nothing_to_learn(lessons: Lessons) -> str | None:
    """Why a skill from these lessons would teach nothing (None when it would teach something).

    Nothing: no task and no step; no recorded agent step and no failed check (a chat, or a trial
    whose agent worked outside the recording: its outcome alone is no lesson); or nothing beyond
    the task's own text (no command that changed something, no error, no check, no failed test)."""
    if lessons.empty:
        return "it records no task and no agent step"
    failed = bool(lessons.failed_tests) or lessons.resolved is False and bool(lessons.lessons_of_errors)
    if not lessons.agent_steps and not failed and not lessons.lessons_of_errors:
        if lessons.tokens and lessons.outcome:  # a trial: the agent worked, outside what was recorded
            return (f"the agent spent {lessons.tokens:,} tokens but the source records none of its steps, "
                    "and no check failed")
        return "it records no agent step and no failed check"
    said = [step for step in lessons.steps + lessons.checks if _substantive(step)]
    explained = [name for name, messages in lessons.failed_tests if any(not m.startswith("failed in ") for m in messages)]
    if not (said or lessons.lessons_of_errors or explained):
        if lessons.failed_tests:  # a failing test's name alone, with no step and no message: the task's text again
            return ("a skill would hold only the task's text and the names of failing tests, with no agent step "
                    "and no failure message")
        return "a skill would hold only the task's text: no command that changed something, no error, no check"
    return None


def _substantive(step: str) -> bool:
    """A step that says something beyond its tool: `Edit <tmp-path>` or `python <tmp-path>` names nothing, and
    a body written to a scratch file (`cat <<'EOF' > /tmp/x.py`) is a demonstration, not a step of a task."""
    first, _, body = step.partition("\n")
    words = re.sub(r"<[\w-]+>", " ", re.sub(r"<<-?\s*['\"]?\w+['\"]?", " ", first)).split()[1:]
    if any(re.search(r"\w{2}", word) for word in words):
        return True
    return bool(body.strip()) and "<tmp-path>" not in first  # a `python3 -c` body says something


def slug(text: str, limit: int = 4) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and not w.isdigit()]
    return "-".join(words[:limit])[:64].strip("-")


def skill_name(digest: Digest) -> str:
    """A valid skill name: the benchmark's task id when there is one, else words of the task."""
    task_id = str(digest.facts.get("task_id") or "")
    name = slug(task_id, 6) if task_id else slug(first_sentence(wording.without_greeting(digest.task)))
    name = re.sub(r"-+", "-", name).strip("-")
    return name or "learned-skill"


def first_sentence(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _describe_call(step: Step) -> str | None:
    """The call as a skill shows it: the whole shell command (heredoc bodies included), or `Tool target`."""
    if step.command:
        command = _SHELL_NOISE.sub("", step.command.strip())
        return generalize(command) if command else None
    if step.tool == "apply_patch" and step.text:  # Codex's editor: the patch is the change
        files = re.findall(r"^\*\*\* (?:Update|Add|Delete) File: (\S+)", step.text, re.M)
        described = f"apply_patch {generalize(files[0])}" if files else "apply_patch"
        return described if _CUT in step.text else f"{described} <<'EOF'\n{generalize(step.text.strip())}\nEOF"
    if step.tool and step.text:
        target = re.search(r"(?:file_path|absolute_path|filePath|path|notebook_path|pattern|skill|url|query)=([^,]+)",
                           step.text)
        if target:
            editor = _editor_command(step.text)  # `str_replace_editor create PATH`, as SWE-agent writes it
            described = f"{step.tool} {editor + ' ' if editor else ''}{generalize(target.group(1).strip())}"
            return _with_content(described, step.tool, step.text, editor)
    return None


_CONTENT = re.compile(r"(?:^|, )(?:content|file_text|contents)=([\s\S]*)$")
_EDIT = re.compile(r"(?:^|, )(?:old_string|oldString|old_str)=([\s\S]*?), (?:new_string|newString|new_str)=([\s\S]*?)"
                   r"(?:, (?:replace_all|replaceAll|expected_replacements)=\w+)?$")
_CUT = "characters cut …]"


_EDITOR_COMMAND = re.compile(r"(?:^|, )command=(\w+)(?:, |$)")


def _editor_command(arguments: str) -> str | None:
    """A file editor call's sub-command (`create`, `str_replace`, ...) from its described arguments."""
    match = _EDITOR_COMMAND.search(arguments)
    return match.group(1) if match and match.group(1) in ev.EDITOR_COMMANDS else None


def _with_content(described: str, tool: str, arguments: str, editor: str | None = None) -> str:
    """A file tool's call with what it wrote: a Write's content (or an editor's `create`), an Edit's change (or
    an editor's `str_replace`) as a diff when the digest kept them whole, in the heredoc shape every command
    body is shown in."""
    if tool in WRITE_TOOLS or editor == "create":
        content = _CONTENT.search(arguments)
        if content and _CUT not in content.group(1) and content.group(1).strip():
            return f"{described} <<'EOF'\n{generalize(content.group(1).strip(chr(10)).rstrip())}\nEOF"
    if tool in EDIT_TOOLS or editor == "str_replace":
        edit = _EDIT.search(arguments)
        if edit and _CUT not in edit.group(0):
            old, new = (part.strip("\n") for part in edit.groups())  # the digest puts a long value on its own lines
            diff = [f"- {line}" for line in old.splitlines()] + [f"+ {line}" for line in new.splitlines()]
            if diff:
                return f"{described} <<'EOF'\n{generalize(chr(10).join(diff))}\nEOF"
    return described


_BOOKKEEPING = re.compile(r"^(?:TodoWrite|TodoRead|todo_write|ExitPlanMode|update_plan|think|Task)\b")


_BANNER = re.compile(r"^[=_*#\s-]*(?:FAILURES|ERRORS|FAILED|ERROR)[=_*#\s-]*$")


def _signature(output: str) -> str | None:
    """The line that names the failure, its literals as `<value>` when it is an assertion (a test the
    agent ran prints the expected values too); a banner such as `=== FAILURES ===` is not one."""
    line = error_signature(output)
    if line and _BANNER.match(line):
        line = next((candidate.strip() for candidate in output.splitlines()
                     if re.match(r"\s*(?:E\s+)?\w*(?:Error|Exception)\b", candidate)), None) or error_signature(
            output.split(line, 1)[1])
    if not line:
        return None
    line = re.sub(r"^E\s+", "", line.strip())
    return leaks.scrub_message(line) or line


# the agent's tool refused the call (a file not read first, a string not found, the person declined): no lesson
_TOOL_REFUSAL = re.compile(r"<tool_use_error>|File has not been read yet|String to replace not found|"
                           r"doesn't want to (?:proceed|take this action)|The user rejected|Request interrupted by user|"
                           r"user denied|permission to use \w+ was denied", re.I)


def _refused(result: Step | None) -> bool:
    return result is not None and not result.command and bool(_TOOL_REFUSAL.search(result.text[:600]))


def _succeeded(result: Step | None) -> bool:
    if result is None:
        return True
    if result.exit_code is not None:
        return result.exit_code == 0
    return not result.is_error


def _pairs(steps: list[Step]) -> list[tuple[Step, Step | None]]:
    """Each tool call with its result (None when the session recorded none)."""
    out: list[tuple[Step, Step | None]] = []
    pending: Step | None = None
    for step in steps:
        if step.kind == ev.TOOL_CALL:
            if pending is not None:
                out.append((pending, None))
            pending = step
        elif step.kind == ev.TOOL_RESULT and pending is not None:
            out.append((pending, step))
            pending = None
    if pending is not None:
        out.append((pending, None))
    return out


# a command that only prints what is there (`python3 -c "import sys; print(sys.path)"`, `pip show x`): never a fix
_PRINTS_ONLY = re.compile(r"""^\s*python[\d.]*\s+-c\s+(['"])\s*(?:(?:import\s+[\w., ]+|from\s+\S+\s+import\s+[\w., ]+|"""
                          r"""print\([^;\n]*\))\s*;?\s*)+\1""")
_QUERY = re.compile(r"^\s*(?:pip3?|python[\d.]*\s+-m\s+pip)\s+(?:show|list|freeze|index)\b|^\s*(?:which|type|command -v|"
                    r"dpkg -l|apt(?:-cache)? (?:search|show|policy|list)|npm (?:ls|view)|printenv)\b")


def _diagnostic(command: str) -> bool:
    return all(_PRINTS_ONLY.match(part) or _QUERY.match(part) or _inspects(part) for part in _segments(command))


_SEPARATOR = re.compile(r"""'[^']*'|"(?:\\.|[^"\\])*"|(&&|\|\||;)""")


def _segments(command: str) -> list[str]:
    """The commands of a `a && b; c || d` line, split outside quotes only."""
    parts, start = [], 0
    for match in _SEPARATOR.finditer(command):
        if match.group(1):
            parts.append(command[start:match.start()])
            start = match.end()
    parts.append(command[start:])
    return [part.strip() for part in parts if part.strip()]


def _fix_for(index: int, described: list[tuple[str | None, Step, Step | None]]) -> tuple[str | None, bool]:
    """The change after which the command that failed at `index` passed: a later command that changed
    something, followed by the same command succeeding. (None, False) when the session shows no such fix."""
    failing = described[index][0]
    last_change = None
    for text, _, result in described[index + 1:index + 1 + FIX_WINDOW]:
        if not text:
            continue
        if text == failing or failing in _segments(text):  # the same check, maybe with more after it
            if _succeeded(result) and last_change is not None:
                return last_change, True
            if _succeeded(result):
                return None, True  # it passed again with nothing changed: a flaky or slow command
            continue
        if _succeeded(result) and not _inspects(text) and not _VERIFY.search(text) and not _diagnostic(text):
            last_change = text
    return None, False


def extract(digest: Digest) -> Lessons:
    facts = digest.facts
    tokens = (facts.get("input_tokens") or 0) + (facts.get("output_tokens") or 0)
    lessons = Lessons(task=digest.task, name=skill_name(digest), outcome=facts.get("outcome"),
                      agent_steps=int(digest.counts.get("tool_calls", 0)), tokens=tokens or None,
                      requirements=wording.requirements(digest.task))
    calls = _pairs(digest.steps)
    described = [(_describe_call(call), call, result) for call, result in calls]
    described = [(None if text and (_HARNESS.search(text) or _BOOKKEEPING.match(text) or _refused(result)) else text,
                  call, result) for text, call, result in described]
    first_change = next((i for i, (text, _, _) in enumerate(described) if text and not _inspects(text)), len(described))
    for text, _, result in described[:first_change]:
        if text and _succeeded(result) and text not in lessons.inspect and len(lessons.inspect) < 5:
            lessons.inspect.append(text)
    for i, (text, call, result) in enumerate(described):
        if not text:
            continue
        if not _succeeded(result):
            error = _signature(result.text) if result and result.text else None
            if not error and result is not None and "timed out" in result.text[:300]:
                error = "timed out"
            if not error and result is not None:
                error = f"exit {result.exit_code}" if result.exit_code else "reported an error"
            fix, confirmed = _fix_for(i, described)
            lessons.pairs.append(ErrorFix(text, without_literals(error or "failed"), fix, confirmed,
                                          result.index if result else call.index))
            continue
        if _VERIFY.search(text) and not _WRITES.search(text.split("\n", 1)[0]):
            if text not in lessons.checks and _room_for(text, lessons.checks):
                lessons.checks.append(text)
        elif not _inspects(text) and text not in lessons.steps and _room_for(text, lessons.steps):
            lessons.steps.append(text)
    lessons.steps = lessons.steps[-MAX_STEPS:]
    lessons.pairs = _unique_pairs(lessons.pairs)[:MAX_PAIRS]
    lessons.checks = lessons.checks[:MAX_STEPS]
    lessons.answers = leaks.expected_values(item.text for item in digest.feedback)
    for item in digest.feedback:
        if item.resolved is not None:
            lessons.resolved = item.resolved if lessons.resolved is None else lessons.resolved and item.resolved
        messages = _failure_messages(item.text, digest.task)
        for name in item.failed_tests:
            if name not in dict(lessons.failed_tests):
                lessons.failed_tests.append((name, messages.get(name, [])))
        lessons.passed_tests += [n for n, s in item.tests.items() if s == "passed" and n not in lessons.passed_tests]
    if not lessons.checks and lessons.agent_steps:
        lessons.unverified.append("No check was run in the session after the changes: run the task's tests or "
                                  "inspect the produced output before declaring success.")
    if lessons.resolved is False and not lessons.failed_tests:
        lessons.unverified.append("The verifier did not accept the result and named no failing test; "
                                  "compare the output with every requirement of the task.")
    return lessons


MAX_ALIKE = 2  # commands of one shape (`make test TARGET=9`, `… TARGET=24`) kept: the rest repeat them


def _shape(command: str) -> str:
    return re.sub(r"\d+", "N", command.split("\n", 1)[0])


def _room_for(command: str, kept: list[str]) -> bool:
    """A command whose shape is already listed MAX_ALIKE times adds nothing but length."""
    shape = _shape(command)
    return sum(1 for other in kept if _shape(other) == shape) < MAX_ALIKE


def _inspects(command: str) -> bool:
    """A command that only looks (`cat file`), not one that writes (`cat <<EOF > file`, `echo x > f`)."""
    plain = re.sub(r"<[\w-]+>", "x", command)  # a placeholder's `>` is no redirection
    return bool(_INSPECT.match(plain)) and not _WRITES.search(plain)


def _unique_pairs(pairs: list[ErrorFix]) -> list[ErrorFix]:
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        key = (pair.command, pair.error)
        if key not in seen:
            seen.add(key)
            out.append(pair)
    return out


_EMPTY_ASSERTION = re.compile(r"AssertionError:?|\bassert\b|['\"]?<value>['\"]?|==|!=|<=|>=|[<>]|\b(?:not in|in|is not|is|"
                              r"and|or|not|True|False|None)\b|\b\d\b|[()\s,:]")


def _says_something(message: str) -> bool:
    """`assert <value> == <value>` or `assert False` says nothing once the values are gone; `assert <value> >
    0.62` still names the threshold."""
    if _PYTEST_EXPLAINS.search(message):
        return False
    return bool(_EMPTY_ASSERTION.sub("", message).strip())


# pytest's explanations of a failed comparison: they only ever show values
_PYTEST_EXPLAINS = re.compile(r"is contained here|^At index \d+ diff|Full diff|Use -v to get|Omitting \d+ identical|"
                              r"Differing items|(?:Left|Right) contains|^Extra items|^\?\s")


def _failure_messages(text: str, task: str = "") -> dict[str, list[str]]:
    """The failure summary that feedback texts start with: `FAILED name` then indented messages, each
    with the verifier's literals as `<value>` (diff lines and bare hashes, which only spell values, left out)."""
    messages: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if line.startswith("FAILED "):
            current = line[7:].strip()
            messages[current] = []
        elif current and line.startswith("    ") and len(messages[current]) < 3:
            cleaned = leaks.scrub_message(generalize(line.strip()), task)
            if cleaned and cleaned not in messages[current] and _says_something(cleaned):
                messages[current].append(cleaned)
    return messages


# ------------------------------------------------------------------ rendering
def description(lessons: Lessons) -> str:
    """The task's action as a person would write it, then when to use the skill: the task's distinctive
    terms, the tools its steps ran, and the first real error signature the session met."""
    title = lessons.name.replace("-", " ").capitalize() if lessons.name != "learned-skill" else "A similar task"
    what = wording.action(_POLITE.sub("", lessons.task.strip()), title)
    terms = wording.distinctive_terms(lessons.task, 5)
    named = sorted((w for w in lessons.name.split("-") if len(w) >= 3 and w not in wording.COMMON
                    and w not in _NAME_NOISE), key=len, reverse=True)[:1]  # the task name's most telling word
    terms += [w for w in named if not any(w in t.lower() for t in terms)]  # `fix-git`'s git, `…-langcodes`
    tools = [t for t in _programs(lessons) if t.lower() not in {term.lower() for term in terms}]
    terms = terms[:6 - min(len(tools), 2)] + tools[:2]
    when = f"Use when a task involves {wording.join_terms(terms)}" if terms else "Use when working on a similar task"
    error = next((p.error for p in lessons.lessons_of_errors if p.error not in ("failed", "reported an error")
                  and not p.error.startswith("exit ") and "<value>" not in p.error), None)
    if error:
        when += f", or when `{clip_words(error, 100).replace('`', chr(39))}` appears"
    text = f"{what}. {when}."
    text, _ = leaks.scrub(text, lessons.answers, lessons.task)
    return text.replace("<", "‹").replace(">", "›")[:1024]


_NAME_NOISE = frozenset("swe bench hack task test tests learned skill".split())


_POLITE = re.compile(r"^(?:please|can you|could you|would you)[,\s]+", re.I)
_GENERIC_PROGRAMS = frozenset("cat echo cd ls sed head tail grep find bash sh env sudo export pwd true false test printf "
                              "mkdir rm cp mv chmod touch nl wc sleep timeout str_replace_editor".split())


def _programs(lessons: Lessons) -> list[str]:
    """The tools the agent's working steps ran (git, python3, gcc), most used first."""
    counts: dict[str, int] = {}
    for command in lessons.steps + [p.command for p in lessons.pairs] + lessons.checks:
        for part in re.split(r"&&|\|\||;|\|", command.split("\n", 1)[0]):
            words = part.split()
            if words and re.fullmatch(r"[a-z][\w.+-]{1,20}", words[0]) and words[0] not in _GENERIC_PROGRAMS:
                counts[words[0]] = counts.get(words[0], 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


def _steps_heading(lessons: Lessons) -> str:
    if lessons.attempts:
        return "Steps that worked" if lessons.steps_from_accepted else "Steps the attempts took (none was accepted)"
    return {True: "Steps that worked", False: "Steps of this attempt (the verifier did not accept it)"}.get(
        lessons.resolved, "Steps the agent took")


def render(lessons: Lessons) -> tuple[str, dict[str, str]]:
    """The skill's body and the files beside it (`scripts/…` for long command bodies)."""
    used: set[str] = set()
    files: dict[str, str] = {}
    title = lessons.name.replace("-", " ").capitalize()
    task = wording.opening(lessons.task) or "(the session recorded no task)"
    out = [f"# {title}", "", "## When to use", "", f"A task like this one: {task}", ""]
    if lessons.requirements:
        out += ["What the task requires:", ""] + [f"- {r}" for r in lessons.requirements] + [""]
    spent = f" (the agents spent {lessons.tokens:,} tokens)" if lessons.tokens else ""
    if lessons.attempts:
        accepted, total = lessons.attempts
        source = ("The steps below come from an accepted attempt" if lessons.steps_from_accepted else
                  "The steps below come from an attempt the verifier did not accept" if lessons.steps else
                  f"None of them records the agent's steps{spent}")
        out += [f"Learned from {total} attempts at this task; the verifier accepted {accepted}. {source}; errors "
                "and failed checks come from all.", ""]
    elif lessons.resolved is True:
        out += ["The attempt this skill was learned from was accepted by the verifier.", ""]
    elif lessons.resolved is False:
        out += ["The attempt this skill was learned from was NOT accepted by the verifier" +
                (": its steps are not a recipe; heed the pitfalls." if lessons.steps else "."), ""]
    if not lessons.agent_steps and not lessons.attempts:
        spent = f"The agent spent {lessons.tokens:,} tokens, but the source" if lessons.tokens else "The source"
        out += [f"{spent} records none of its steps: this skill holds only what the verifier reported.", ""]
    if lessons.inspect:
        out += ["## Orient first", ""]
        for command in lessons.inspect:
            out += command_lines(command, "- ", used, files)
        out.append("")
    if lessons.steps:
        out += [f"## {_steps_heading(lessons)}", ""]
        for number, command in enumerate(lessons.steps, 1):
            out += command_lines(command, f"{number}. ", used, files, hint=f"step-{number}")
        out.append("")
    if lessons.contrast:
        out += ["## What the failed attempts did instead", ""]
        for command in lessons.contrast:
            out += command_lines(command, "- ", used, files)
        out.append("")
    if lessons.pairs:
        out += ["## Errors and fixes", ""]
        for pair in lessons.pairs:
            short_fix = pair.fix is not None and show(pair.fix, set()).block is None
            listed = lessons.steps.index(pair.fix) + 1 if pair.fix in lessons.steps and not short_fix else 0
            if pair.fix and pair.confirmed and listed:
                then = f" Fixed by step {listed} above; the command then passed."
                short_fix = True  # nothing to show again
            elif pair.fix and pair.confirmed and short_fix:
                then = f" Fixed by {code(pair.fix)}; the command then passed."
            elif pair.fix and pair.confirmed:
                then = " Fixed by the change below; the command then passed."
            elif pair.confirmed:
                then = " It passed when run again unchanged."
            else:
                then = " The session shows no fix for it."
            out += command_lines(pair.command, "- ", used, files,
                                  f" failed with {code(pair.error)} (step {pair.evidence}).{then}",
                                  hint=f"failed-step-{pair.evidence}")
            if pair.fix and pair.confirmed and not short_fix:
                out += command_lines(pair.fix, "  - Fix: ", used, files, hint=f"fix-of-step-{pair.evidence}")
        out.append("")
    verification: list[str] = []
    for command in lessons.checks:
        verification += command_lines(command, "- ", used, files)
    if not lessons.checks and lessons.agent_steps:  # with no step recorded, what ran is unknown, not "nothing"
        verification.append("- No check command ran in the session.")
    if lessons.passed_tests:
        total = len(lessons.passed_tests) + len(lessons.failed_tests)
        verification.append(f"- The verifier passed {len(lessons.passed_tests)} of {total} tests.")
    if verification:
        out += ["## Verification", ""] + verification + [""]
    if lessons.failed_tests:
        out += ["## Pitfalls from the verifier", ""]
        for name, messages in lessons.failed_tests:
            counted = next((m for m in messages if m.startswith("failed in ")), None)
            shown = [code(m) for m in messages if m is not counted]
            detail = f": {'; '.join(shown)}" if shown else ""
            times = f" {counted[len('failed '):]}" if counted else ""  # "in 2 of 3 attempts"
            out.append(f"- `{name}` failed{times}{detail}. Check this requirement explicitly before finishing.")
        out.append("")
    if lessons.unverified:
        out += ["## Not verified", ""] + [f"- {line}" for line in lessons.unverified] + [""]
    text, _ = leaks.scrub(re.sub(r"\n{3,}", "\n\n", "\n".join(out)), lessons.answers, lessons.task)
    return text, {path: leaks.scrub(content, lessons.answers, lessons.task)[0] for path, content in files.items()}


def body(lessons: Lessons) -> str:
    return render(lessons)[0]


def scripts(lessons: Lessons) -> dict[str, str]:
    """The files under `scripts/` the body points at."""
    return render(lessons)[1]


def distill(digest: Digest) -> tuple[Lessons, str, str]:
    """Lessons, description and body for one session."""
    lessons = extract(digest)
    return lessons, description(lessons), body(lessons)
