"""Where a learned skill came from, recorded in its `metadata` (string values, as the spec asks).

Only a digest of the source is recorded, never its path or content, so provenance cannot
leak a transcript's secrets or a user's folders. The date honours SOURCE_DATE_EPOCH so
builds and tests can be reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from git_skill import __version__

MAX_SOURCES = 8  # source digests kept in `learned-from` (space-separated, newest first): bounded, as a field must be

if TYPE_CHECKING:
    from git_skill.learning.attempts import Attempt

KEYS = ("learned-from", "learned-by", "learned-on", "learned-operation", "learned-outcome", "learned-feedback")


def today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else dt.datetime.now(dt.timezone.utc)
    return moment.date().isoformat()


def record(source_digest: str, learner: str, operation: str, outcome: str | None,
           existing: dict[str, Any] | None = None, feedback: str | None = None) -> dict[str, str]:
    """The skill's new `metadata`: existing string entries kept, provenance entries set.
    `source_digest` may name several sources (space-separated), as a group of attempts does.
    `feedback` says whether verifier feedback was used ("used", "none" when there was none, "ignored"
    under --no-feedback), so trajectory-only skills can be told apart in an ablation."""
    metadata = {str(k): str(v) for k, v in (existing or {}).items()}
    new = source_digest.split()  # a group's attempts: each source's digest
    earlier = [digest for digest in metadata.get("learned-from", "").split() if digest not in new]
    metadata.update({
        "learned-from": " ".join([*new, *earlier][:MAX_SOURCES]),  # every source, newest first
        "learned-by": learner,
        "learned-on": today(),
        "learned-operation": operation,
    })
    if outcome:
        metadata["learned-outcome"] = outcome.split(" ")[0]
    elif feedback == "ignored":
        metadata.pop("learned-outcome", None)
    if feedback:
        metadata["learned-feedback"] = feedback
    return metadata


def feedback_use(group: list[Attempt]) -> str:
    """How a task's attempts used feedback: "ignored" (--no-feedback), "used", or "none" (there was none)."""
    if any(not item.use_feedback for item in group):
        return "ignored"
    lessons = [item.lessons for item in group]
    had = any(l.resolved is not None or l.failed_tests or l.passed_tests for l in lessons) or any(
        item.feedback for item in group)
    return "used" if had else "none"


def distiller_name() -> str:
    return f"git-skill-distiller {__version__}"
