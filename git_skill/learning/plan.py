"""What phase two decides for one group of attempts: the operation, and the skill as it will be written.

A `Plan` is built once by a learner's `consolidate` (and again only when the library changed
under it) and is never edited afterwards: the gates return a new plan, the writer only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from git_skill.workspace import display_path


class Operation(StrEnum):
    """The one curation operation a plan applies to the library (Letta: one per pass, create last)."""

    CREATE = "create"
    EXTEND = "extend"
    UPDATE = "update"
    NONE = "none"

    @property
    def done(self) -> str:
        """The operation as a report says it happened."""
        return {"create": "created", "extend": "extended", "update": "updated", "none": "untouched"}[self.value]


@dataclass(frozen=True)
class Plan:
    """One skill to write (or none), and why; `library` is what consolidation read, checked before writing."""

    sources: tuple[str, ...]
    source_digest: str  # of the group: one source's digest, or the digest of all of them (provenance)
    operation: Operation
    reason: str
    name: str
    learner: str
    path: Path | None = None
    text: str = ""
    files: dict[str, str] = field(default_factory=dict)  # scripts/ and references/ beside SKILL.md
    verdict: str | None = None  # the attempts' outcome as the verifier judged it (resolved, failed, ...)
    feedback: str | None = None  # "used", "none" or "ignored" (see provenance.feedback_use)
    library: str = ""  # `Library.fingerprint` of the skills consolidation read
    empty: bool = False  # the sessions held no task and no step: nothing to learn

    @property
    def source(self) -> str:
        return ", ".join(self.sources)

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "source_digest": self.source_digest, "operation": self.operation.value,
                "reason": self.reason, "skill": self.name, "path": display_path(self.path) if self.path else None,
                "outcome": self.verdict, "learner": self.learner, "files": sorted(self.files)}
