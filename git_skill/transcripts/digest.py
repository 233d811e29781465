"""The digest: a compact, faithful text of a session for a model, under a token budget.

What it keeps, in order of priority: the task (and later requests), the feedback
(failed test names and assertion messages first), every command with its exit
status, every error and the action that followed it, and the final state. Long
outputs keep their head and tail with a marker saying how much was cut; progress
bars and repeated identical outputs are dropped. Same input, same digest.

The session is read once, as a stream, into bounded memory; the budget is then met
by rendering at the most detailed level that fits (see LEVELS), and, past the last
level, by omitting the middle of the timeline except errors and their follow-ups.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from git_skill.text.noise import denoise
from git_skill.text.tokens import CHARS_PER_TOKEN, approx_tokens
from git_skill.transcripts import events as ev

DEFAULT_BUDGET = 24_000
DIGEST_VERSION = 1
_KEEP_OUTPUT = 6000  # characters of each output kept while streaming (head + tail)
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


LEVELS = (
    Level(2000, 3000, 1500, 600, 4000),
    Level(800, 1500, 600, 200, 2000),
    Level(300, 800, 300, 0, 1000),
    Level(0, 400, 160, 0, 500),
    Level(0, 200, 100, 0, 200),
)


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
        if kind == ev.TOOL_RESULT:
            step.text = ev.clip_middle(denoise(ev.clip_middle(event.text, _DENOISE_WINDOW)), _KEEP_OUTPUT)
            key = hashlib.sha256(f"{event.command}\0{step.text}".encode()).digest()
            earlier = output_hashes.get(key)
            if earlier is None:
                output_hashes[key] = index
            elif len(step.text) > 40:
                step.same_as, step.text = earlier, ""
        elif kind == ev.TOOL_CALL and not event.command:
            step.text = _describe_arguments(event.arguments)
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
    if arguments is None:
        return ""
    if isinstance(arguments, dict):
        parts = []
        for key, value in arguments.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            parts.append(f"{key}={ev.clip_middle(shown, 400)}")
        return ", ".join(parts)
    return ev.clip_middle(str(arguments), 800)


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


def _render_step(step: Step, level: Level) -> list[str]:
    prefix = f"[{step.index}]"
    if step.kind == ev.TOOL_CALL:
        if step.command:
            return [f"{prefix} $ {ev.clip_middle(step.command, 2000)}"]
        return [f"{prefix} {step.tool or UNNAMED_TOOL}({ev.clip_middle(step.text, max(level.output, 200))})"]
    if step.kind == ev.TOOL_RESULT:
        head = f"{prefix} → {_status(step)}"
        if step.same_as:
            return [f"{head} (same output as [{step.same_as}])"]
        limit = level.error_output if (step.is_error or step.exit_code) else level.output
        body = ev.clip_middle(step.text.strip(), limit) if limit else ""
        if not body:
            return [head + (f" ({len(step.text):,} characters of output)" if step.text.strip() else "")]
        return [head] + ["    " + line for line in body.split("\n")]
    if step.kind == ev.REASONING:
        return [f"{prefix} (thinking) {ev.clip_middle(step.text.strip(), level.reasoning)}"] if level.reasoning else []
    label = {ev.USER: "user", ev.ASSISTANT: "agent", ev.SUMMARY: "summary of earlier turns", ev.NOTE: "note"}[step.kind]
    limit = level.message if step.kind in (ev.ASSISTANT, ev.NOTE) else 4000
    if step.kind == ev.NOTE:
        limit = min(limit, 300)
    return [f"{prefix} {label}: {ev.clip_middle(step.text.strip(), limit)}"]


def _feedback_lines(digest: Digest, level: Level) -> list[str]:
    lines: list[str] = []
    for item in digest.feedback:
        header = f"## {item.source}" + (f" ({item.path})" if item.path else "")
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
            lines += failed_summary
            rest = item.text.split("\n\n", 1)[1] if "\n\n" in item.text else ""
            start = max(rest.rfind("= FAILURES ="), rest.rfind("= ERRORS ="))
            if start > 0:
                rest = rest[rest.rfind("\n", 0, start) + 1:]
        else:
            rest = item.text
        rest = ev.clip_middle(denoise(rest.strip()), level.feedback_log)
        if rest:
            lines += ["", rest]
        lines.append("")
    return lines


def _final_state(digest: Digest, level: Level) -> list[str]:
    last_message = next((s for s in reversed(digest.steps) if s.kind == ev.ASSISTANT), None)
    last_result = next((s for s in reversed(digest.steps) if s.kind == ev.TOOL_RESULT), None)
    lines = []
    if last_result:
        lines.append(f"last command: {last_result.command or last_result.tool or UNNAMED_TOOL} → {_status(last_result)}")
    if last_message:
        lines.append("last agent message: " + ev.clip_middle(last_message.text.strip(), max(level.message, 400)))
    return lines or ["(the session ended without a command or message)"]


def _omit_middle(steps: list[Step], budget_steps: int, important_limit: int | None = None) -> list[Step | str]:
    """Keep the ends, errors with the command before and the action after, and user turns; mark the rest.

    With `important_limit`, only that many important steps are kept: half from the start of
    the session, half from its end.
    """
    if len(steps) <= budget_steps:
        return list(steps)
    keep = set(range(min(len(steps), budget_steps // 3)))
    keep |= set(range(max(0, len(steps) - budget_steps // 3), len(steps)))
    important = [i for i, step in enumerate(steps) if _important(step, steps[i - 1] if i else None)]
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


def render(digest: Digest, level: Level, steps: list[Step | str] | None = None) -> str:
    facts = digest.facts
    task = ev.clip_middle(digest.task.strip(), level.message * 8) or "(no task recorded)"
    lines = ["# Task", task, "", "# Session"]
    for key in ("format", "agent_log", "agent", "model", "task_id", "outcome", "cwd", "started", "ended",
                "input_tokens", "output_tokens", "cost_usd", "turns", "duration_seconds"):
        if key in facts:
            lines.append(f"- {key.replace('_', ' ')}: {facts[key]}")
    counts = digest.counts
    lines.append(f"- steps: {counts.get('tool_calls', 0)} tool calls ({counts.get('commands', 0)} shell commands), "
                 f"{counts.get('errors', 0)} failed, {counts.get('user_turns', 0)} user turns")
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


def _estimate(steps: list[Step | str], level: Level) -> int:
    """Characters the timeline will take at `level`, computed without rendering it."""
    total = 0
    for step in steps:
        if isinstance(step, str):
            total += len(step) + 1
            continue
        size = len(step.text)
        if step.kind == ev.TOOL_CALL:
            total += 12 + (min(len(step.command), 2000) if step.command else min(size, max(level.output, 200)))
        elif step.kind == ev.TOOL_RESULT:
            limit = level.error_output if (step.is_error or step.exit_code) else level.output
            kept = min(size, limit + 40) if limit else 0
            total += 30 + kept + 4 * step.text.count("\n", 0, kept) if kept else 50
        elif step.kind == ev.REASONING:
            total += 20 + min(size, level.reasoning + 40) if level.reasoning else 0
        else:
            limit = min(level.message, 300) if step.kind == ev.NOTE else level.message if step.kind == ev.ASSISTANT else 4000
            total += 20 + min(size, limit + 40)
    return total


def fit(digest: Digest, budget: int) -> tuple[str, Level, int]:
    """The most detailed rendering within `budget` tokens; returns text, level, and steps omitted.

    Levels whose estimated size is clearly over the budget are skipped without rendering,
    so a long session is rendered about once, not once per level.
    """
    allowance = budget * CHARS_PER_TOKEN
    overhead = len(render(digest, LEVELS[-1], []))
    for level in LEVELS:
        if overhead + _estimate(digest.steps, level) > allowance * 1.15:
            continue
        text = render(digest, level)
        if approx_tokens(text) <= budget:
            return text, level, 0
    level = LEVELS[-1]
    keep = len(digest.steps)
    text = render(digest, level)
    while keep > 10:
        keep = keep * 3 // 4
        trimmed = _omit_middle(digest.steps, keep)
        if overhead + _estimate(trimmed, level) > allowance * 1.15:
            continue
        text = render(digest, level, trimmed)
        if approx_tokens(text) <= budget:
            return text, level, sum(1 for s in trimmed if isinstance(s, str))
    # Errors alone exceed the budget: keep fewer of them, from both ends, then cut the text.
    limit = sum(1 for i, step in enumerate(digest.steps) if _important(step, digest.steps[i - 1] if i else None))
    while limit > 0:
        limit = limit * 3 // 4
        trimmed = _omit_middle(digest.steps, 12, important_limit=limit)
        if overhead + _estimate(trimmed, level) > allowance * 1.15:
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
        "level": LEVELS.index(level),
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
