"""What /proc shows of a running process: tests wait on this state, never on a sleep that guesses."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """The process's direct children (empty once it has ended, or without /proc)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
