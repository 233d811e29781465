"""What a batch remembers between runs: the sources already learned (a cache keyed by source digest,
under `.git/`), so a rerun learns only what is new or what failed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from git_skill.atomic import write_atomic
from git_skill.workspace import Workspace


def cache_key(source_digest: str, use_feedback: bool) -> str:
    """What the cache remembers: the source, and whether feedback was used (an ablation learns the same
    source both ways)."""
    return source_digest if use_feedback else f"{source_digest}:no-feedback"


class LearnCache:
    """Source digests already learned, so re-running a batch skips them (`--force` redoes)."""

    def __init__(self, workspace: Workspace) -> None:
        self.path = Path(workspace.git_dir) / "git-skill" / "learned.json" if workspace.git_dir else None
        self.entries: dict[str, dict[str, str]] = self._load()

    def __contains__(self, source_digest: str) -> bool:
        return source_digest in self.entries

    def record(self, source_digest: str, skill: str, operation: str) -> None:
        self.entries[source_digest] = {"skill": skill, "operation": operation}

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


def workers_for(jobs: int, work: int, waiting: bool = False) -> int:
    """How many workers `--jobs N` gets: never more than there is work, nor more than the machine runs at
    once (cores for processes; for threads that wait on a model server, a few per core). `--jobs 100000`
    on 30 trials once forked thousands of processes."""
    cores = os.cpu_count() or 1
    return max(1, min(jobs, work, cores * 8 if waiting else cores))
