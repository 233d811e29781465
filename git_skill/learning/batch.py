"""Batch learning: distill trials in parallel (run and job folders are expanded by
`transcripts.sources.expand_sources`), group attempts by task, and remember what was learned
(a cache keyed by source digest, under `.git/`)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from git_skill.atomic import write_atomic
from git_skill.learning.distiller import Lessons
from git_skill.workspace import Workspace


@dataclass
class Distilled:
    """What the map step returns for one source (picklable, for worker processes)."""

    source: str
    fingerprint: str
    task: str
    lessons: Lessons
    feedback: tuple[Path, ...] = ()
    format: str = ""  # the transcript format: a session of an agent we read goes where that agent looks
    use_feedback: bool = True  # False: learned from the trajectory alone (--no-feedback)


def distill_source(source: str, feedback: tuple[str, ...], use_feedback: bool = True) -> Distilled:
    """Read, digest and distill one source (runs in a worker process under --jobs)."""
    from git_skill import exit_codes
    from git_skill.errors import GitSkillError
    from git_skill.transcripts.digest import collect
    from git_skill.digests import source_digest
    from git_skill.learning.distiller import extract
    from git_skill.transcripts import open_transcript

    try:
        transcript = open_transcript(Path(source), [Path(f) for f in feedback], use_feedback)
    except GitSkillError as error:
        if error.exit_code == exit_codes.BAD_INPUT and "not a transcript format" in error.message:
            raise GitSkillError(f"nothing to learn from {error.message}", error.exit_code) from None
        raise
    digest = collect(transcript)
    lessons = extract(digest)
    task = str(digest.facts.get("task_id") or lessons.name)
    return Distilled(source, source_digest(Path(source)), task, lessons, tuple(Path(f) for f in feedback),
                     str(digest.facts.get("format", "")), use_feedback)


@dataclass
class Unreadable:
    """A source of a batch that could not be read: reported in the summary, the others still learned."""

    source: str
    message: str
    exit_code: int

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "error": self.message, "exit_code": self.exit_code}


def distill_or_report(source: str, feedback: tuple[str, ...], use_feedback: bool = True) -> Distilled | Unreadable:
    """`distill_source`, with a source's own bad input (a GitSkillError) returned rather than raised,
    so one broken trial does not stop a batch of hundreds."""
    from git_skill.errors import GitSkillError

    try:
        return distill_source(source, feedback, use_feedback)
    except GitSkillError as error:
        return Unreadable(source, error.message, error.exit_code)


def distill_all(sources: list[str], feedback: tuple[str, ...], jobs: int,
                progress: Callable[[str], None] | None = None, use_feedback: bool = True,
                batch: bool = True) -> Iterator[Distilled | Unreadable]:
    """Distill every source, `jobs` at a time, in input order. In a batch a source's bad input is
    returned as `Unreadable`; a source learned alone raises it."""
    distill = distill_or_report if batch else distill_source
    if jobs <= 1 or len(sources) <= 1:
        for source in sources:
            yield distill(source, feedback, use_feedback)
            if progress:
                progress(source)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(distill, sources, [feedback] * len(sources), [use_feedback] * len(sources)):
            if progress:
                progress(result.source)
            yield result


def group_by_task(items: list[Distilled]) -> list[list[Distilled]]:
    groups: dict[str, list[Distilled]] = {}
    for item in items:
        groups.setdefault(item.task, []).append(item)
    return list(groups.values())


def cache_key(fingerprint: str, use_feedback: bool) -> str:
    """What the cache remembers: the source, and whether feedback was used (an ablation learns the same
    source both ways)."""
    return fingerprint if use_feedback else f"{fingerprint}:no-feedback"


class LearnCache:
    """Source digests already learned, so re-running a batch skips them (`--force` redoes)."""

    def __init__(self, workspace: Workspace) -> None:
        self.path = Path(workspace.git_dir) / "git-skill" / "learned.json" if workspace.git_dir else None
        self.entries: dict[str, dict[str, str]] = self._load()

    def __contains__(self, fingerprint: str) -> bool:
        return fingerprint in self.entries

    def record(self, fingerprint: str, skill: str, operation: str) -> None:
        self.entries[fingerprint] = {"skill": skill, "operation": operation}

    def _load(self) -> dict[str, dict[str, str]]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return {}  # a damaged cache only costs a re-learn
        return loaded if isinstance(loaded, dict) else {}

    def save(self) -> None:
        """Add this run's records to what is on disk now (call it under the repository lock), so
        concurrent runs each keep their entries."""
        if self.path is not None:
            self.entries = {**self._load(), **self.entries}
            write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode("utf-8"))


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))
