"""The digest: a compact, faithful text of a session for a model, under a token budget.

What it keeps, in order of priority: the task (and later requests), the feedback
(failed test names and assertion messages first, each failure once; install output
and passing tests counted, not listed), every command with its exit status and the
code the agent wrote, every error and the action that followed it, and the final
state. Long outputs keep their head and tail with a marker saying how much was cut;
progress bars and repeated identical outputs are dropped. Same input, same digest.

The session is read once, as a stream, into bounded memory; the budget is then met
by rendering at the most detailed level that fits (see LEVELS: the first cuts no step
that was kept while reading, and each level's shares grow with the budget), and, past
the last level, by omitting the middle of the timeline except errors and their
follow-ups. At every level the harness's notices, repeated notices and to-do lists
are cut before what the agent ran and wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from git_skill.text.noise import denoise, quiet_feedback
from git_skill.text.tokens import CHARS_PER_TOKEN, approx_tokens
from git_skill.transcripts import events as ev

DEFAULT_BUDGET = 24_000
DIGEST_VERSION = 1
_KEEP_OUTPUT = 12000  # characters of each output kept while streaming (head + tail)
_KEEP_CODE = 24000  # of each command and tool call's arguments: the files and scripts the agent wrote
_DENOISE_WINDOW = 2 * _KEEP_OUTPUT  # of which progress lines and repeats are dropped first, so more content fits
_MAX_STEPS = 6000  # steps kept in memory before the middle is compacted
_KEEP_FIRST = 300
_KEEP_LAST = 1500

@dataclass(frozen=True)
class Level:
    output: int  # characters kept of each successful output
    error_output: int  # of each failed output
    message: int  # of each assistant message
    reasoning: int  # of each reasoning block (0: dropped)
    feedback_log: int  # of the verifier's log beyond the failure summary
    code: int = 2000  # of each command and tool call: what the agent ran and wrote, cut last
    chatter: int = 300  # of the harness's notices and the agent's to-do lists, cut first

    def scaled(self, factor: float) -> Level:
        return Level(*(int(value * factor) for value in vars(self).values()))


# At DEFAULT_BUDGET; a larger budget scales every share (see `levels`). The first level keeps every step
# as read: a digest that fits whole is not cut at all.
LEVELS = (
    Level(_KEEP_OUTPUT, _KEEP_OUTPUT, _KEEP_OUTPUT, 3000, 12000, _KEEP_CODE, 600),
    Level(2000, 3000, 1500, 600, 4000, 6000, 400),
    Level(800, 1500, 600, 200, 2000, 3000, 150),
    Level(300, 800, 300, 0, 1000, 1500, 0),
    Level(0, 400, 160, 0, 500, 800, 0),
    Level(0, 200, 100, 0, 200, 400, 0),
)
# Tools whose calls are the agent's to-do list, not its work.
TODO_TOOLS = frozenset({"todowrite", "todoread", "todo_write", "todo_read", "update_plan", "write_todos", "todo"})


def levels(budget: int) -> tuple[Level, ...]:
    """LEVELS with each share grown in proportion to a budget above the default, so more budget shows more."""
    factor = max(1.0, budget / DEFAULT_BUDGET)
    return LEVELS if factor == 1.0 else tuple(level.scaled(factor) for level in LEVELS)


@dataclass(slots=True)
class Step:
    index: int
    kind: str
    text: str = ""
    tool: str | None = None
    command: str | None = None
    exit_code: int | None = None
    is_error: bool = False
    thread: str = "main"
    same_as: int | None = None  # output identical to this earlier step's

    @property
    def chatter(self) -> bool:
        """A harness notice or a to-do list: the first to be cut."""
        return self.kind == ev.NOTE or (self.tool or "").lower() in TODO_TOOLS


@dataclass
class Digest:
    facts: dict[str, Any]
    task: str
    steps: list[Step] = field(default_factory=list)
    feedback: list[ev.Feedback] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    redactions: dict[str, int] = field(default_factory=dict)
    compacted: int = 0  # steps dropped while streaming (very long sessions)
    counts: dict[str, int] = field(default_factory=dict)


def collect(transcript: ev.Transcript) -> Digest:
    """Read the session once into bounded memory."""
    digest = Digest(facts={}, task="")
    counts = {"commands": 0, "errors": 0, "tool_calls": 0, "user_turns": 0}
    output_hashes = ev.RecentMap(2048)
    index = 0
    steps = digest.steps
    for event in transcript.events:
        kind = event.kind
        if kind == ev.TOOL_CALL:
            counts["tool_calls"] += 1
            counts["commands"] += 1 if event.command else 0
        elif kind == ev.TOOL_RESULT:
            counts["errors"] += 1 if event.is_error else 0
        elif kind == ev.USER:
            counts["user_turns"] += 1
            if not digest.task:
                digest.task = event.text
                continue
        index += 1
        step = Step(index, kind, event.text, event.tool, event.command, event.exit_code, event.is_error, event.thread)
        if kind in (ev.TOOL_RESULT, ev.NOTE):  # outputs and the harness's notices: install output counted, not kept
            step.text = ev.clip_middle(quiet_feedback(denoise(ev.clip_middle(event.text, _DENOISE_WINDOW))), _KEEP_OUTPUT)
            key = hashlib.sha256(f"{kind}\0{event.command}\0{step.text}".encode()).digest()
            earlier = output_hashes.get(key)
            if earlier is None:
                output_hashes[key] = index
            elif len(event.text) > 40:  # a repeated output or notice: said once, pointed at after
                step.same_as, step.text = earlier, ""
        elif kind == ev.TOOL_CALL and not event.command:
            step.text = _describe_arguments(event.arguments)
        elif kind == ev.TOOL_CALL:
            step.command = ev.clip_middle(event.command, _KEEP_CODE)
        elif len(event.text) > _KEEP_OUTPUT:
            step.text = ev.clip_middle(event.text, _KEEP_OUTPUT)
        steps.append(step)
        if len(steps) > _MAX_STEPS:
            digest.compacted += _compact(steps)
    digest.feedback = transcript.feedback
    digest.facts = {k: v for k, v in asdict(transcript.facts).items() if v not in (None, "")}
    digest.skipped = dict(transcript.report.skipped)
    digest.notes = dict(transcript.report.notes)
    digest.redactions = dict(transcript.report.redactions)
    digest.counts = counts
    return digest


def _describe_arguments(arguments: Any) -> str:
    """A tool call's arguments as `key=value`; a long value (a file's content, a script) on its own lines."""
    if arguments is None:
        return ""
    if isinstance(arguments, dict):
        parts = []
        for key, value in arguments.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            shown = ev.clip_middle(shown, _KEEP_CODE)
            parts.append(f"{key}=\n{shown}" if "\n" in shown else f"{key}={shown}")
        return ", ".join(parts)
    return ev.clip_middle(str(arguments), _KEEP_CODE)


def _important(step: Step, previous: Step | None) -> bool:
    return step.is_error or step.kind in (ev.USER, ev.SUMMARY) or bool(previous and previous.is_error)


def _compact(steps: list[Step]) -> int:
    """Thin the middle of a very long session in place, down to half the cap (so the cost is amortized).

    Keeps, in order of preference: commands with emptied outputs, then only important steps
    (errors, their follow-ups, user turns), then as many of those as fit, half from each end.
    """
    room = _MAX_STEPS // 2 - _KEEP_FIRST - _KEEP_LAST
    middle = steps[_KEEP_FIRST:-_KEEP_LAST]
    kept = []
    previous_error = False
    for step in middle:
        if step.kind == ev.TOOL_CALL or step.is_error or previous_error or step.kind in (ev.USER, ev.SUMMARY):
            kept.append(step)
        elif step.kind == ev.TOOL_RESULT:
            step.text = ""  # steps are this digest's own: emptied in place
            kept.append(step)
        previous_error = step.is_error
    if len(kept) > room:
        kept = [s for i, s in enumerate(kept) if _important(s, kept[i - 1] if i else None)]
    if len(kept) > room:
        kept = kept[: room // 2] + kept[len(kept) - (room - room // 2):]
    dropped = len(middle) - len(kept)
    steps[_KEEP_FIRST:-_KEEP_LAST] = kept
    return dropped


# ------------------------------------------------------------------ rendering
UNNAMED_TOOL = "(unnamed tool)"  # a call or result whose record named no tool: never Python's None


def _status(step: Step) -> str:
    if step.exit_code is not None:
        return f"exit {step.exit_code}" + (" ✗" if step.exit_code else "")
    return "error ✗" if step.is_error else "ok"


def _limit(step: Step, level: Level) -> int:
    """Characters of the step's text kept at `level`."""
    if step.chatter:
        return level.chatter
    if step.kind == ev.TOOL_CALL:
        return level.code
    if step.kind == ev.TOOL_RESULT:
        return level.error_output if (step.is_error or step.exit_code) else level.output
    if step.kind == ev.REASONING:
        return level.reasoning
    return level.message if step.kind == ev.ASSISTANT else 4000


def _render_step(step: Step, level: Level) -> list[str]:
    prefix = f"[{step.index}]"
    if step.kind == ev.TOOL_CALL:
        if step.command:
            return [f"{prefix} $ {ev.clip_middle(step.command, max(_limit(step, level), 200))}"]
        limit = _limit(step, level)
        if step.chatter and not limit:
            return [f"{prefix} {step.tool or UNNAMED_TOOL}(… {len(step.text):,} characters)"]
        return [f"{prefix} {step.tool or UNNAMED_TOOL}({ev.clip_middle(step.text, max(limit, 60))})"]
    if step.kind == ev.TOOL_RESULT:
        head = f"{prefix} → {_status(step)}"
        if step.same_as:
            return [f"{head} (same output as [{step.same_as}])"]
        limit = _limit(step, level)
        body = ev.clip_middle(step.text.strip(), limit) if limit else ""
        if not body:
            return [head + (f" ({len(step.text):,} characters of output)" if step.text.strip() else "")]
        return [head] + ["    " + line for line in body.split("\n")]
    if step.kind == ev.REASONING:
        return [f"{prefix} (thinking) {ev.clip_middle(step.text.strip(), level.reasoning)}"] if level.reasoning else []
    label = {ev.USER: "user", ev.ASSISTANT: "agent", ev.SUMMARY: "summary of earlier turns", ev.NOTE: "note"}[step.kind]
    if step.same_as:
        return [f"{prefix} {label}: (the same as [{step.same_as}])"]
    limit = _limit(step, level)
    if not limit:
        return [f"{prefix} {label} ({len(step.text):,} characters)"]
    return [f"{prefix} {label}: {ev.clip_middle(step.text.strip(), limit)}"]


def _feedback_lines(digest: Digest, level: Level) -> list[str]:
    lines: list[str] = []
    for item in digest.feedback:
        header = f"## {FEEDBACK_LABELS.get(item.source, item.source)}" + (f" ({item.path})" if item.path else "")
        facts = []
        if item.resolved is not None:
            facts.append("resolved" if item.resolved else "NOT resolved")
        if item.reward is not None:
            facts.append(f"reward {item.reward:g}")
        if item.tests:
            failed = item.failed_tests
            facts.append(f"{len(item.tests) - len(failed)} of {len(item.tests)} tests passed")
        lines.append(header + (": " + ", ".join(facts) if facts else ""))
        failed_summary = [line for line in item.text.split("\n\n", 1)[0].split("\n") if item.failed_tests]
        if item.failed_tests:
            rest = item.text.split("\n\n", 1)[1] if "\n\n" in item.text else ""
            start = max(rest.rfind("= FAILURES ="), rest.rfind("= ERRORS ="))
            if start > 0:  # the log's own failure blocks follow: the summary names the tests, the blocks explain
                rest = rest[rest.rfind("\n", 0, start) + 1:]
                failed_summary = [line for line in failed_summary if line.startswith("FAILED ")]
            lines += failed_summary
            rest = _without_repeated_failures(rest, set(item.failed_tests))  # each failure said once
        else:
            rest = item.text
        rest = ev.clip_middle(quiet_feedback(denoise(rest.strip())), level.feedback_log)
        if rest:
            lines += ["", rest]
        lines.append("")
    return lines


FEEDBACK_LABELS = {"user": "feedback file", "verifier": "verifier", "tests": "tests", "reward": "reward"}
_SUMMARY_FAILURE = re.compile(r"^(?:FAILED|ERROR) \S*?([^\s:]+(?:\[[^\]]*\])?)(?: - .*)?$")


def _without_repeated_failures(text: str, failed: set[str]) -> str:
    """The log without its short summary's lines for tests the digest's own summary already names."""
    kept = []
    for line in text.split("\n"):
        match = _SUMMARY_FAILURE.match(line.strip())
        if match and match.group(1) in failed:
            continue
        kept.append(line)
    return "\n".join(kept)


def _final_state(digest: Digest, level: Level) -> list[str]:
    last_message = next((s for s in reversed(digest.steps) if s.kind == ev.ASSISTANT), None)
    last_result = next((s for s in reversed(digest.steps) if s.kind == ev.TOOL_RESULT), None)
    lines = []
    if last_result:
        lines.append(f"last command: {last_result.command or last_result.tool or UNNAMED_TOOL} → {_status(last_result)}")
    if last_message:
        lines.append("last agent message: " + ev.clip_middle(last_message.text.strip(), max(level.message, 400)))
    return lines or ["(the session ended without a command or message)"]


def _important_indices(steps: list[Step]) -> list[int]:
    return [i for i, step in enumerate(steps) if _important(step, steps[i - 1] if i else None)]


def _omit_middle(steps: list[Step], budget_steps: int, important_limit: int | None = None,
                 important: list[int] | None = None) -> list[Step | str]:
    """Keep the ends, errors with the command before and the action after, and user turns; mark the rest.

    With `important_limit`, only that many important steps are kept: half from the start of
    the session, half from its end. `important` is `_important_indices(steps)` when the caller has it.
    """
    if len(steps) <= budget_steps:
        return list(steps)
    keep = set(range(min(len(steps), budget_steps // 3)))
    keep |= set(range(max(0, len(steps) - budget_steps // 3), len(steps)))
    if important is None:
        important = _important_indices(steps)
    if important_limit is not None and len(important) > important_limit:
        important = important[: important_limit // 2] + important[len(important) - (important_limit + 1) // 2:]
    for i in important:
        keep.add(i)
        if steps[i].kind == ev.TOOL_RESULT and i > 0:
            keep.add(i - 1)  # the command that failed
    out: list[Step | str] = []
    gap = 0
    for i, step in enumerate(steps):
        if i in keep:
            if gap:
                out.append(f"[… {gap} steps omitted …]")
                gap = 0
            out.append(step)
        else:
            gap += 1
    if gap:
        out.append(f"[… {gap} steps omitted …]")
    return out


def recorded(digest: Digest) -> bool:
    """Whether the session holds any step of the agent's: a command, a tool call, a message or a thought."""
    return bool(digest.counts.get("tool_calls")) or any(
        step.kind in (ev.TOOL_CALL, ev.ASSISTANT, ev.REASONING) for step in digest.steps)


def render(digest: Digest, level: Level, steps: list[Step | str] | None = None) -> str:
    facts = digest.facts
    task = ev.clip_middle(digest.task.strip(), level.message * 8) or "(no task recorded)"
    lines = ["# Task", task, "", "# Session"]
    for key in ("format", "agent_log", "agent", "model", "task_id", "outcome", "cwd", "started", "ended",
                "input_tokens", "output_tokens", "cost_usd", "turns", "duration_seconds"):
        if key in facts:
            lines.append(f"- {key.replace('_', ' ')}: {facts[key]}")
    counts = digest.counts
    if recorded(digest):
        lines.append(f"- steps: {counts.get('tool_calls', 0)} tool calls ({counts.get('commands', 0)} shell commands), "
                     f"{counts.get('errors', 0)} failed, {counts.get('user_turns', 0)} user turns")
    else:
        # Tokens spent are the only sign the agent ran; without them it may never have started (a harness
        # whose agent failed to install), and the model must not be told it worked somewhere else.
        why = (f", although it used {facts['input_tokens']:,} input tokens (it worked outside the recorded terminal)"
               if facts.get("input_tokens") else
               " and nothing shows that the agent ran (it may never have started, or worked outside the recorded "
               "terminal)")
        lines.append(f"- steps: NOT RECORDED: this log holds none of the agent's commands or messages{why}; what it "
                     "did shows only in the feedback and the final state")
    if digest.redactions:
        lines.append("- redacted: " + ", ".join(f"{n} {k}" for k, n in sorted(digest.redactions.items())))
    if digest.skipped:
        lines.append("- unreadable, skipped: " + ", ".join(f"{n} {k}" for k, n in sorted(digest.skipped.items())))
    if digest.notes:
        lines.append("- notes: " + ", ".join(f"{n} {k}" for k, n in sorted(digest.notes.items())))
    if digest.compacted:
        lines.append(f"- {digest.compacted} routine steps of a very long session were dropped while reading")
    lines.append("")
    if digest.feedback:
        lines += ["# Feedback", *_feedback_lines(digest, level)]
    threads: dict[str, list[Step | str]] = {}
    for item in steps if steps is not None else digest.steps:
        thread = item.thread if isinstance(item, Step) else next(reversed(threads), "main")
        threads.setdefault(thread, []).append(item)
    for thread in sorted(threads, key=lambda t: (t != "main", t)):
        lines.append("# Timeline" if thread == "main" else f"# Timeline: {thread} (linked to the main thread)")
        for item in threads[thread]:
            lines += [item] if isinstance(item, str) else _render_step(item, level)
        lines.append("")
    lines += ["# Final state", *_final_state(digest, level)]
    return "\n".join(lines).rstrip() + "\n"


def _step_estimate(step: Step, level: Level) -> int:
    """Characters one step will take at `level`, computed without rendering it."""
    size = len(step.text)
    limit = _limit(step, level)
    if step.kind == ev.TOOL_CALL:
        return 12 + (min(len(step.command), max(limit, 200)) if step.command else
                     30 if step.chatter and not limit else min(size, max(limit, 60)))
    if step.kind == ev.TOOL_RESULT:
        kept = min(size, limit + 40) if limit else 0
        return 30 + kept + 4 * step.text.count("\n", 0, kept) if kept else 50
    if step.kind == ev.REASONING:
        return 20 + min(size, limit + 40) if limit else 0
    return 20 + min(size, limit + 40)


def _estimate(steps: list[Step | str], level: Level, known: dict[int, int] | None = None) -> int:
    """Characters the timeline will take at `level`; `known` holds steps' estimates at that level by id,
    so the trimmed timelines of one digest are summed, not each step estimated again."""
    if known is None:
        return sum(len(step) + 1 if isinstance(step, str) else _step_estimate(step, level) for step in steps)
    return sum(len(step) + 1 if isinstance(step, str) else known[id(step)] for step in steps)


def fit(digest: Digest, budget: int) -> tuple[str, Level, int]:
    """The most detailed rendering within `budget` tokens; returns text, level, and steps omitted.

    Levels whose estimated size is clearly over the budget are skipped without rendering,
    so a long session is rendered about once, not once per level.
    """
    allowance = budget * CHARS_PER_TOKEN
    shares = levels(budget)
    overhead = len(render(digest, shares[-1], []))
    for level in shares:
        if overhead + _estimate(digest.steps, level) > allowance * 1.15:
            continue
        text = render(digest, level)
        if approx_tokens(text) <= budget:
            return text, level, 0
    level = shares[-1]
    known = {id(step): _step_estimate(step, level) for step in digest.steps}
    important = _important_indices(digest.steps)  # the same for every trimming below
    keep = len(digest.steps)
    text = render(digest, level)
    while keep > 10:
        keep = keep * 3 // 4
        trimmed = _omit_middle(digest.steps, keep, important=important)
        if overhead + _estimate(trimmed, level, known) > allowance * 1.15:
            continue
        text = render(digest, level, trimmed)
        if approx_tokens(text) <= budget:
            return text, level, sum(1 for s in trimmed if isinstance(s, str))
    # Errors alone exceed the budget: keep fewer of them, from both ends, then cut the text.
    limit = len(important)
    while limit > 0:
        limit = limit * 3 // 4
        trimmed = _omit_middle(digest.steps, 12, important_limit=limit, important=important)
        if overhead + _estimate(trimmed, level, known) > allowance * 1.15:
            continue
        text = render(digest, level, trimmed)
        if approx_tokens(text) <= budget:
            return text, level, sum(1 for s in trimmed if isinstance(s, str))
    return ev.clip_middle(text, allowance - 64), level, len(digest.steps)


def to_json(digest: Digest, budget: int) -> str:
    text, level, omitted = fit(digest, budget)
    document = {
        "version": DIGEST_VERSION,
        "budget_tokens": budget,
        "tokens": approx_tokens(text),
        "level": levels(budget).index(level),
        "facts": digest.facts,
        "task": digest.task,
        "counts": digest.counts,
        "feedback": [
            {"source": f.source, "path": f.path, "resolved": f.resolved, "reward": f.reward, "tests": f.tests,
             "failed_tests": f.failed_tests, "text": ev.clip_middle(f.text, level.feedback_log + 2000)}
            for f in digest.feedback
        ],
        "steps": [
            {k: v for k, v in asdict(step).items() if v not in (None, "", False) or k == "index"}
            for step in digest.steps
        ],
        "redactions": digest.redactions,
        "skipped": digest.skipped,
        "notes": digest.notes,
        "text": text,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
