"""Word similarity between skills: one measure and one threshold for lint's near-duplicate check, learn's
curation and the grouping of a batch's tasks.

It lives outside the learning package so the commit-hook path (validate, lint) never
imports the learning stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    return _jaccard(words(a), words(b))


def _jaccard(left: frozenset[str] | set[str], right: frozenset[str] | set[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


# The one rule of "near-duplicate", for lint's check, learn's extend-instead-of-create and a batch's grouping:
# descriptions this alike, or bodies this alike (bodies share more wording, so they must agree more).
NEAR_DUPLICATE_DESCRIPTION = 0.8
NEAR_DUPLICATE_BODY = 0.85
MIN_BODY_CHARS = 200  # shorter bodies say too little to be compared


@dataclass(frozen=True)
class Profile:
    """A skill's topic words, taken once so a library or a batch is compared pair by pair cheaply."""

    description: frozenset[str]
    body: frozenset[str] | None  # None: too short to compare

    @classmethod
    def of(cls, description: str, body: str) -> Profile:
        return cls(frozenset(words(description)), frozenset(words(body)) if len(body) > MIN_BODY_CHARS else None)


@dataclass(frozen=True)
class Resemblance:
    description: float
    body: float

    @property
    def score(self) -> float:
        """For ranking: the closer of the two, each measured against its threshold."""
        return max(self.description / NEAR_DUPLICATE_DESCRIPTION, self.body / NEAR_DUPLICATE_BODY)

    @property
    def near_duplicate(self) -> bool:
        return self.description >= NEAR_DUPLICATE_DESCRIPTION or self.body >= NEAR_DUPLICATE_BODY

    def __str__(self) -> str:
        if self.description / NEAR_DUPLICATE_DESCRIPTION >= self.body / NEAR_DUPLICATE_BODY:
            return f"description similarity {self.description:.2f}"
        return f"body similarity {self.body:.2f}"


def resemblance(a: Profile, b: Profile) -> Resemblance:
    """How alike two skills are: the one measure of "similar" (see NEAR_DUPLICATE_DESCRIPTION)."""
    body = _jaccard(a.body, b.body) if a.body is not None and b.body is not None else 0.0
    return Resemblance(_jaccard(a.description, b.description), body)
