"""Cross-trial synthesis: several attempts at one task become one set of lessons.

The steps come from an accepted attempt when there is one (what worked), the errors and
fixes, checks and failing tests from every attempt (what went wrong anywhere), so the
skill carries the success/failure contrast the method asks for.
"""

from __future__ import annotations

from git_skill.learning.distiller import Lessons


def merge(attempts: list[Lessons]) -> Lessons:
    if len(attempts) == 1:
        return attempts[0]
    accepted = [a for a in attempts if a.resolved]
    base = accepted[0] if accepted else attempts[0]
    merged = Lessons(task=base.task, name=base.name, outcome=base.outcome, inspect=list(base.inspect),
                     steps=list(base.steps))
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
    counts = {name: sum(1 for a in attempts if name in dict(a.failed_tests)) for name in failed}
    merged.failed_tests = [(name, messages + [f"failed in {counts[name]} of {len(attempts)} attempts"])
                           for name, messages in failed.items()]
    merged.passed_tests = [t for t in merged.passed_tests if t not in failed]
    merged.resolved = True if accepted else (False if any(a.resolved is False for a in attempts) else None)
    merged.attempts = (len(accepted), len(attempts))
    merged.outcome = "resolved" if accepted else merged.outcome
    return merged
