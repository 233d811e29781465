"""The built-in distiller: a deterministic skill from one session, with no model and no network.

It reads the digest's steps (already redacted and bounded) and the feedback, and writes
what the session shows, nothing more: when to use the skill (from the task), how the
agent oriented itself, the steps that worked, each error with the action that fixed it,
the checks it ran, and what the verifier failed on and what that implies. It does not
judge whether a step was wise, explain why a fix worked, or merge lessons across
unrelated sessions: that is what the model pipeline is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from git_skill.transcripts.digest import Digest, Step
from git_skill.learning.generalize import generalize, without_literals
from git_skill.transcripts import events as ev
from git_skill.transcripts.events import error_signature

MAX_STEPS = 12
MAX_PAIRS = 8
_INSPECT = re.compile(r"^(?:ls|cat|head|tail|less|more|pwd|wc|file|stat|tree|find|grep|rg|which|type|echo|env|"
                      r"git (?:status|log|diff|show|branch)|ps|df|du|id|whoami|uname|"
                      # agents' own reading tools (Claude Code, Gemini CLI, OpenCode, OpenHands), described as `Tool target`
                      r"Read|Glob|Grep|LS|NotebookRead|WebFetch|WebSearch|read_file|read_many_files|list_directory|glob|"
                      r"search_file_content|google_web_search|web_fetch|list|view)\b")
_VERIFY = re.compile(r"\b(?:pytest|unittest|tox|nox|make (?:test|check)|npm (?:run )?test|yarn test|pnpm test|cargo test|"
                     r"go test|mvn (?:test|verify)|gradle test|ctest|ruff|mypy|flake8|eslint|tsc|diff|cmp|sha256sum|"
                     r"curl|test -[a-z]|\[ -[a-z]|--version|&& echo)\b")
_STOP = frozenset("a an the to of in on for and or with from by at is are be it this that your you my our can please "
                  "make sure so as into then when which what all any some its use using via has have will would should "
                  "i we me us there here file files script current directory".split())
_SHELL_NOISE = re.compile(r"^(?:cd\s+\S+\s*(?:&&|;)\s*)")
_WRITES = re.compile(r"(?:^|[^\d&2])>>?\s*[\w./~-]|<<-?\s*['\"]?\w+|\bsed\s+-i\b|\btee\b|\b(?:mv|cp|rm|mkdir|touch|chmod)\s")
_HEREDOC = re.compile(r"^(.*<<-?\s*['\"]?(\w+)['\"]?.*)\n[\s\S]*?\n\2\s*$")
_KEY_TERM = re.compile(r"`([^`\n]{2,60})`|\b([\w-]+\.(?:[a-z]{1,5}))\b|\b([A-Z][A-Z0-9]{1,9})\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")


@dataclass
class ErrorFix:
    command: str
    error: str
    fix: str | None
    confirmed: bool  # the failing command later succeeded
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

    @property
    def empty(self) -> bool:
        """No task and no step: nothing a skill could say (an empty session, or bytes that only looked like one)."""
        return not self.task.strip() and not (self.inspect or self.steps or self.pairs or self.checks)


def slug(text: str, limit: int = 4) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and not w.isdigit()]
    return "-".join(words[:limit])[:64].strip("-")


def skill_name(digest: Digest) -> str:
    """A valid skill name: the benchmark's task id when there is one, else words of the task."""
    task_id = str(digest.facts.get("task_id") or "")
    name = slug(task_id, 6) if task_id else slug(first_sentence(digest.task))
    name = re.sub(r"-+", "-", name).strip("-")
    return name or "learned-skill"


def first_sentence(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _describe_call(step: Step) -> str | None:
    if step.command:
        command = _SHELL_NOISE.sub("", step.command.strip())
        heredoc = _HEREDOC.match(command)
        if heredoc:  # a file written from a heredoc: the line that says where, not the whole file
            command = heredoc.group(1).strip()
        return generalize(command)
    if step.tool and step.text:
        target = re.search(r"(?:file_path|absolute_path|filePath|path|notebook_path|pattern|skill|url|query)=([^,]+)",
                           step.text)
        if target:
            return f"{step.tool} {generalize(target.group(1).strip())}"
    return None


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


def extract(digest: Digest) -> Lessons:
    lessons = Lessons(task=digest.task, name=skill_name(digest), outcome=digest.facts.get("outcome"))
    calls = _pairs(digest.steps)
    described = [(_describe_call(call), call, result) for call, result in calls]
    first_change = next((i for i, (text, _, _) in enumerate(described) if text and not _inspects(text)), len(described))
    for text, _, result in described[:first_change]:
        if text and _succeeded(result) and text not in lessons.inspect and len(lessons.inspect) < 5:
            lessons.inspect.append(text)
    for i, (text, call, result) in enumerate(described):
        if not text:
            continue
        if not _succeeded(result):
            error = error_signature(result.text) if result and result.text else None
            if not error and result is not None and "timed out" in result.text[:300]:
                error = "timed out"
            if not error and result is not None:
                error = f"exit {result.exit_code}" if result.exit_code else "reported an error"
            later = [t for t, _, r in described[i + 1:] if t and _succeeded(r)]
            fix = next((t for t in later if t != text and not _inspects(t)), None)
            lessons.pairs.append(ErrorFix(text, without_literals(error or "failed"), fix, text in later,
                                          result.index if result else call.index))
            continue
        if _VERIFY.search(text) and text not in lessons.checks:
            lessons.checks.append(text)
        elif not _inspects(text) and text not in lessons.steps:
            lessons.steps.append(text)
    lessons.steps = lessons.steps[-MAX_STEPS:]
    lessons.pairs = _unique_pairs(lessons.pairs)[:MAX_PAIRS]
    lessons.checks = lessons.checks[:MAX_STEPS]
    for item in digest.feedback:
        if item.resolved is not None:
            lessons.resolved = item.resolved if lessons.resolved is None else lessons.resolved and item.resolved
        messages = _failure_messages(item.text)
        for name in item.failed_tests:
            if name not in dict(lessons.failed_tests):
                lessons.failed_tests.append((name, messages.get(name, [])))
        lessons.passed_tests += [n for n, s in item.tests.items() if s == "passed" and n not in lessons.passed_tests]
    if not lessons.checks:
        lessons.unverified.append("No check was run in the session after the changes: run the task's tests or "
                                  "inspect the produced output before declaring success.")
    if lessons.resolved is False and not lessons.failed_tests:
        lessons.unverified.append("The verifier did not accept the result and named no failing test; "
                                  "compare the output with every requirement of the task.")
    return lessons


def _inspects(command: str) -> bool:
    """A command that only looks (`cat file`), not one that writes (`cat <<EOF > file`, `echo x > f`)."""
    return bool(_INSPECT.match(command)) and not _WRITES.search(command)


def _unique_pairs(pairs: list[ErrorFix]) -> list[ErrorFix]:
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        key = (pair.command, pair.error)
        if key not in seen:
            seen.add(key)
            out.append(pair)
    return out


def _failure_messages(text: str) -> dict[str, list[str]]:
    """The failure summary that feedback texts start with: `FAILED name` then indented messages."""
    messages: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if line.startswith("FAILED "):
            current = line[7:].strip()
            messages[current] = []
        elif current and line.startswith("    ") and len(messages[current]) < 3:
            messages[current].append(without_literals(line.strip()))
    return messages


# ------------------------------------------------------------------ rendering
def description(lessons: Lessons) -> str:
    """What the skill helps with, in the task's own words, and when to use it: the task's key terms
    and the first real error the session met."""
    sentence = generalize(first_sentence(_POLITE.sub("", lessons.task.strip()), 300)).rstrip(".!?")
    plain_word = re.match(r"[A-Za-z]+\s", sentence)  # not a file name ("report.py crashes"), whose case is kept
    sentence = sentence[:1].upper() + sentence[1:] if plain_word else sentence
    if sentence:
        imperative = plain_word and _IMPERATIVE.match(sentence)
        what = f"Helps {sentence[0].lower() + sentence[1:]}" if imperative else f"Helps with a task such as: {sentence}"
    else:
        what = "Steps an agent took" + (f" for {lessons.name.replace('-', ' ')}" if lessons.name != "learned-skill" else "")
    parts = [part for part, present in (("the steps that worked", lessons.steps or lessons.inspect),
                                         ("errors and their fixes", lessons.pairs),
                                         ("the checks that ran", lessons.checks and not lessons.steps),
                                         ("the verifier's pitfalls", lessons.failed_tests)) if present]
    if parts:
        what += ", with " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])
    what += "."
    terms = key_terms(lessons.task)
    tools = [t for t in _programs(lessons) if t.lower() not in {term.lower() for term in terms}]
    terms = terms[:6 - min(len(tools), 2)] + tools[:2]
    when = f"Use when a task involves {_join(terms)}" if terms else "Use when working on a similar task"
    error = next((p.error for p in lessons.pairs if p.error not in ("failed", "reported an error")
                  and not p.error.startswith("exit ")), None)
    if error:
        when += f", or when `{error[:120].replace('`', chr(39))}` appears"
    text = f"{what} {when}."
    return text.replace("<", "‹").replace(">", "›")[:1024]


_IMPERATIVE = re.compile(r"^(?!I\b|I'|We\b|My\b|The\b|This\b|There\b|It\b|A\b|An\b)[A-Z][a-z]+\b(?<!ing)(?<!ed)(?<!s)")
_POLITE = re.compile(r"^(?:please|can you|could you|would you)[,\s]+", re.I)
_GENERIC_PROGRAMS = frozenset("cat echo cd ls sed head tail grep find bash sh env sudo export pwd true false test printf "
                              "mkdir rm cp mv chmod touch nl wc sleep timeout".split())


def _programs(lessons: Lessons) -> list[str]:
    """The tools the agent's working steps ran (git, python3, gcc), most used first."""
    counts: dict[str, int] = {}
    for command in lessons.steps + [p.command for p in lessons.pairs] + lessons.checks:
        for part in re.split(r"&&|\|\||;|\|", command.split("\n", 1)[0]):
            words = part.split()
            if words and re.fullmatch(r"[a-z][\w.+-]{1,20}", words[0]) and words[0] not in _GENERIC_PROGRAMS:
                counts[words[0]] = counts.get(words[0], 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


def key_terms(task: str, limit: int = 6) -> list[str]:
    """The task's own key nouns: quoted names and file names first, then acronyms, then its most
    frequent longer words (stop words left out), in order of appearance."""
    text = generalize(task[:4000])
    terms: list[str] = []
    for match in _KEY_TERM.finditer(text):
        term = next(g for g in match.groups() if g)
        if len(term.split()) > 2:
            continue
        if term.lower() not in {t.lower() for t in terms} and term.lower() not in _STOP and not term.isdigit():
            terms.append(term)
    if len(terms) < limit:
        words = [w.lower() for w in _WORD.findall(text)]
        counts = {w: words.count(w) for w in dict.fromkeys(words) if w not in _STOP and w not in _VERBS}
        for word, count in counts.items():
            if (count > 1 or len(terms) < 2) and not any(word in t.lower() for t in terms):
                terms.append(word)
            if len(terms) >= limit:
                break
    return terms[:limit]


_VERBS = frozenset("create make made write find found help need want fix figure run ensure must should could would "
                   "just know think see look getting trying tried working works work "
                   "following provided given called also just like only each every sure then than into these those "
                   "they them their been being were does done doing need needs used uses".split())


def _join(terms: list[str]) -> str:
    shown = [f"`{t}`" if re.search(r"[./_]|^[A-Z0-9]+$", t) is None and " " in t else t for t in terms]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


MAX_COMMAND_CHARS = 200


def _code(text: str) -> str:
    """Inline code for one command or message: one line, bounded, safe for backticks inside."""
    flat = " ⏎ ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    if len(flat) > MAX_COMMAND_CHARS:
        flat = flat[: MAX_COMMAND_CHARS - 1].rstrip() + "…"
    if "`" in flat:
        return f"`` {flat} ``"
    return f"`{flat}`"


def body(lessons: Lessons) -> str:
    title = lessons.name.replace("-", " ").capitalize()
    task = generalize(first_sentence(lessons.task, 600)) or "(the session recorded no task)"
    out = [f"# {title}", "", "## When to use", "", f"A task like this one: {task}", ""]
    outcome = {True: "The attempt this skill was learned from was accepted by the verifier.",
               False: "The attempt this skill was learned from was NOT accepted: heed the pitfalls below."}
    if lessons.attempts:
        accepted, total = lessons.attempts
        out += [f"Learned from {total} attempts at this task; the verifier accepted {accepted}. The steps below come "
                f"from {'an accepted attempt' if accepted else 'the attempts'}; errors and failed checks from all.", ""]
    elif lessons.resolved in outcome:
        out += [outcome[lessons.resolved], ""]
    if lessons.inspect:
        out += ["## Orient first", ""] + [f"- {_code(c)}" for c in lessons.inspect] + [""]
    if lessons.steps:
        out += ["## Steps that worked", ""] + [f"{i}. {_code(c)}" for i, c in enumerate(lessons.steps, 1)] + [""]
    if lessons.pairs:
        out += ["## Errors and fixes", ""]
        for pair in lessons.pairs:
            fix = f" Fixed by {_code(pair.fix)}" if pair.fix else " No fix was found in the session."
            if pair.fix and pair.confirmed:
                fix += "; the command then succeeded."
            out.append(f"- {_code(pair.command)} failed with {_code(pair.error)}.{fix} (step {pair.evidence})")
        out.append("")
    out += ["## Verification", ""]
    out += [f"- {_code(c)}" for c in lessons.checks] or ["- No check command ran in the session."]
    if lessons.passed_tests:
        out.append(f"- The verifier's passing tests: {', '.join(f'`{t}`' for t in lessons.passed_tests[:10])}.")
    out.append("")
    if lessons.failed_tests:
        out += ["## Pitfalls from the verifier", ""]
        for name, messages in lessons.failed_tests:
            detail = f": {'; '.join(_code(m) for m in messages)}" if messages else ""
            out.append(f"- `{name}` failed{detail}. Check this requirement explicitly before finishing.")
        out.append("")
    if lessons.unverified:
        out += ["## Not verified", ""] + [f"- {line}" for line in lessons.unverified] + [""]
    return "\n".join(out)


def distill(digest: Digest) -> tuple[Lessons, str, str]:
    """Lessons, description and body for one session."""
    lessons = extract(digest)
    return lessons, description(lessons), body(lessons)
