"""Cross-trial synthesis: several attempts at one task become one set of lessons.

The steps come from an accepted attempt that recorded steps (what worked), and the skill then
contrasts it with the failed attempts (what they ran that it did not); errors and fixes,
checks and failing tests come from every attempt (what went wrong anywhere). With no accepted
attempt, the steps are those of the attempt that recorded most, and say so.
"""

from __future__ import annotations

import dataclasses
import re

from git_skill.learning.distiller import Lessons

MAX_CONTRAST = 5


def _key(command: str) -> str:
    """What a command does, for the contrast: its program and first argument (`git merge`, `pip install`)."""
    words = re.split(r"\s+", command.split("\n", 1)[0].strip())
    return " ".join(words[:2])


def merge(attempts: list[Lessons]) -> Lessons:
    if len(attempts) == 1:
        return attempts[0]
    accepted = [a for a in attempts if a.resolved]
    pool = accepted or attempts
    base = max(pool, key=lambda a: (bool(a.steps), len(a.steps)))  # first of the most steps: deterministic
    merged = dataclasses.replace(base, inspect=list(base.inspect), steps=list(base.steps), pairs=[], checks=[],
                                 failed_tests=[], passed_tests=[], unverified=[], answers=list(base.answers),
                                 requirements=list(base.requirements), contrast=[],
                                 steps_from_accepted=bool(accepted) and bool(base.steps))
    if accepted and base.steps:
        done = {_key(step) for step in base.steps + base.inspect}
        for attempt in attempts:
            if attempt.resolved:
                continue
            for command in attempt.steps + [p.command for p in attempt.pairs]:
                if _key(command) not in done and len(merged.contrast) < MAX_CONTRAST:
                    done.add(_key(command))
                    merged.contrast.append(command)
    seen_pairs = set()
    failed: dict[str, list[str]] = {}
    for attempt in attempts:
        for pair in attempt.pairs:
            if (pair.command, pair.error) not in seen_pairs:
                seen_pairs.add((pair.command, pair.error))
                merged.pairs.append(pair)
        merged.checks += [c for c in attempt.checks if c not in merged.checks]
        for name, messages in attempt.failed_tests:
            bucket = failed.setdefault(name, [])
            bucket += [m for m in messages if m not in bucket]
        merged.passed_tests += [t for t in attempt.passed_tests if t not in merged.passed_tests]
        merged.unverified += [u for u in attempt.unverified if u not in merged.unverified]
        merged.answers += [v for v in attempt.answers if v not in merged.answers]
    counts = {name: sum(1 for a in attempts if name in dict(a.failed_tests)) for name in failed}
    merged.failed_tests = [(name, messages + [f"failed in {counts[name]} of {len(attempts)} attempts"])
                           for name, messages in failed.items()]
    merged.passed_tests = [t for t in merged.passed_tests if t not in failed]
    merged.resolved = True if accepted else (False if any(a.resolved is False for a in attempts) else None)
    merged.attempts = (len(accepted), len(attempts))
    merged.agent_steps = sum(a.agent_steps for a in attempts)
    merged.tokens = sum(a.tokens or 0 for a in attempts) or None
    merged.outcome = "resolved" if accepted else merged.outcome
    if merged.checks:
        merged.unverified = [u for u in merged.unverified if not u.startswith("No check was run")]
    return merged
