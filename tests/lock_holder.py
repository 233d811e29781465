"""Hold the repository lock from another real process, the way a concurrent git-skill run does."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_HOLDER = """
import sys, time
from git_skill.workspace import RepositoryLock, open_workspace
with RepositoryLock(open_workspace()):
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


@contextmanager
def lock_held_elsewhere(repo: Path, seconds: float = 30.0) -> Iterator[subprocess.Popen[str]]:
    """A process holding the lock of `repo` until the block ends (or `seconds` pass)."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(seconds)], cwd=repo, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
