"""Write learned skills into a repository without ever losing or half-writing anything.

A lock file (`O_CREAT|O_EXCL`, git's own pattern) under `.git/` keeps two `learn` runs
apart; files are written through temp-file-and-rename; a skill folder with uncommitted
or untracked changes is never overwritten unless the user says --force.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.workspace import Workspace
from git_skill.folders import make_folders, remove_tree


def local_changes(workspace: Workspace, folder: Path) -> list[str]:
    """Uncommitted or untracked files under `folder` (empty outside a repository)."""
    import pygit2

    if workspace.repo is None or not folder.exists():
        return []
    try:
        relative = folder.resolve().relative_to(workspace.root).as_posix().rstrip("/") + "/"
    except ValueError:
        return []
    changed = []
    for path, flags in workspace.repo.status().items():
        if path.startswith(relative) and flags not in (pygit2.GIT_STATUS_CURRENT, pygit2.GIT_STATUS_IGNORED):
            changed.append(path)
    return sorted(changed)


def write_skill_folder(folder: Path, skill_md: bytes, files: dict[str, bytes]) -> None:
    """Write a skill so an interruption never leaves half of it.

    A new folder is built beside its destination and renamed into place in one step. In an
    existing folder each file is replaced atomically, SKILL.md last, so the worst an
    interruption leaves is a new file that SKILL.md does not mention yet.
    """
    def mode(relative: str) -> int:
        return 0o755 if relative.startswith("scripts/") else 0o644

    if not folder.exists():
        make_folders(folder.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            for relative, data in sorted(files.items()):
                write_atomic(staging / relative, data, mode=mode(relative))
            write_atomic(staging / "SKILL.md", skill_md, mode=0o644)
            os.chmod(staging, 0o755)
            os.rename(staging, folder)
        except BaseException:
            remove_tree(staging, ignore_errors=True)
            raise
        return
    for relative, data in sorted(files.items()):
        write_atomic(folder / relative, data, mode=mode(relative))
    write_atomic(folder / "SKILL.md", skill_md, mode=0o644)


def commit_skill(workspace: Workspace, folder: Path, message: str) -> str:
    """Commit only the skill's folder; returns the new commit id."""
    root = str(workspace.root)
    try:
        subprocess.run(["git", "add", "--", str(folder)], cwd=root, check=True, capture_output=True, text=True)
        subprocess.run(["git", "commit", "--quiet", "--only", "-m", message, "--", str(folder)], cwd=root, check=True,
                       capture_output=True, text=True)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                              text=True).stdout.strip()
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()
        raise GitSkillError(f"git could not commit the skill: {detail[-1] if detail else error}",
                            exit_codes.BAD_INPUT) from None
