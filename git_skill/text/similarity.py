"""Word similarity between skills, shared by curation (learn) and lint's near-duplicate check.

It lives outside the learning package so the commit-hook path (validate, lint) never
imports the learning stack.
"""

from __future__ import annotations

import re

# The fixed wording of distilled skills; curation ignores these words when comparing skills,
# since every distilled skill shares them and they say nothing about the topic.
TEMPLATE_PHRASES = (
    "Steps that worked, errors met and how they were fixed, and checks for tasks like",
    "Use when working on a similar task or when appears", "When to use", "A task like this one",
    "The attempt this skill was learned from was accepted by the verifier",
    "The attempt this skill was learned from was NOT accepted: heed the pitfalls below",
    "Learned from attempts at this task; the verifier accepted The steps below come from an accepted attempt "
    "errors and failed checks from all", "Orient first", "Steps that worked", "Errors and fixes", "failed with",
    "Fixed by", "the command then succeeded", "No fix was found in the session", "step", "Verification",
    "No check command ran in the session", "The verifier's passing tests", "Pitfalls from the verifier",
    "failed", "Check this requirement explicitly before finishing", "Not verified",
    "No check was run in the session after the changes: run the task's tests or inspect the produced output "
    "before declaring success", "Variant", "line(s) of the session were left out: they tripped lint rules",
)

_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset("the and for with that this when use from into are was were has have not but you your can run "
                  "skill task tasks steps step".split()) | frozenset(
    word for phrase in TEMPLATE_PHRASES for word in _WORD.findall(phrase.lower()))


def words(text: str) -> set[str]:
    """Topic words: lowercase, three characters or more, minus common and generated wording."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' topic words (0 when either has none)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
