"""Write learned skills into a repository without ever losing or half-writing anything.

The repository lock (`workspace.RepositoryLock`, a kernel-released `flock` under `.git/`)
keeps concurrent runs apart; files are written through temp-file-and-rename; a skill folder with uncommitted
or untracked changes is never overwritten unless the user says --force.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable

from git_skill import exit_codes
from git_skill.atomic import current_umask, write_atomic
from git_skill.errors import GitSkillError
from git_skill.workspace import Workspace, display_path


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


def write_skill_folder(folder: Path, skill_md: bytes, files: dict[str, bytes], journal: Path | None = None) -> None:
    """Write a skill so an interruption never leaves half of it.

    The new content is staged beside the folder (for an existing one, a copy of it with the
    new files written over) and swapped in with one rename: the shared `FolderSwap`,
    journalled under the repository lock so a killed run is rolled back by the next. A skill
    folder that is itself a symbolic link is written through, file by file, SKILL.md last.
    """
    from git_skill.sharing.apply import FolderSwap
    from git_skill.sharing.fetch import EXECUTABLE, FILE, Entry

    entries = {relative: Entry(data, EXECUTABLE if relative.startswith("scripts/") else FILE)
               for relative, data in sorted(files.items())}
    entries["SKILL.md"] = Entry(skill_md)
    if folder.is_symlink():
        for relative, entry in entries.items():
            write_atomic(folder / relative, entry.data,
                         mode=(0o777 if entry.mode == EXECUTABLE else 0o666) & ~current_umask())
        return
    swap = FolderSwap(folder.parent, journal)
    try:
        swap.stage(folder, entries, over_existing=folder.exists())
    except BaseException:
        swap.discard()
        raise
    swap.commit()


def _git(root: str, *args: str) -> str:
    """Run git to completion even when this run is interrupted: a git killed mid-commit leaves
    `.git/index.lock` behind and blocks the user's next commit (the interruption is re-raised)."""
    # In a process group of its own: a signal to ours (Ctrl-C, `timeout`, a CI runner) must not kill it mid-commit.
    group: dict[str, Any] = {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
    process = subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               **group)
    try:
        out, err = process.communicate()
    except KeyboardInterrupt:
        process.communicate()
        raise
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, args, out, err)
    return out


def commit_skill(workspace: Workspace, folder: Path, message: str, also: tuple[Path, ...] = ()) -> str:
    """Commit only the skill's folder (and `also`: the agents' links to it); returns the new commit id."""
    root = str(workspace.root)
    paths = [str(folder), *(str(path) for path in also)]
    try:
        _git(root, "add", "--", *paths)
        _git(root, "commit", "--quiet", "--only", "-m", message, "--", *paths)
        return _git(root, "rev-parse", "HEAD").strip()
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()
        raise GitSkillError(f"git could not commit the skill: {detail[-1] if detail else error}",
                            exit_codes.BAD_INPUT) from None


class LocalEdits(GitSkillError):
    """A skill folder holds uncommitted changes that are not learn's own output: a person's edit."""

    def __init__(self, folder: Path, changed: list[str]) -> None:
        super().__init__(f"{display_path(folder)} has uncommitted changes ({', '.join(changed[:5])}); "
                         "commit or stash them, or rerun with --force", exit_codes.REFUSED)
        self.folder = folder


class WrittenRecord:
    """What `learn` last wrote, file by file (repository-relative path -> SHA-256 of its bytes), under `.git/`:
    an uncommitted file exactly as learn left it is learn's own output, not a person's edit, so the next run
    (or the next task of a batch) may extend its skill, and a refusal names only the files a person changed."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.path = Path(workspace.git_dir) / "git-skill" / "written.json" if workspace.git_dir else None

    def _load(self) -> dict[str, str]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return {}  # a damaged record only means asking for --force once
        if not isinstance(loaded, dict):
            return {}
        # an entry of the earlier per-folder record ("sha256:" and the folder's digest) names no file: dropped
        return {str(k): str(v) for k, v in loaded.items() if not str(v).startswith("sha256:")}

    def _key(self, path: Path) -> str:
        return Path(os.path.relpath(path.resolve(), self.workspace.root)).as_posix()

    @staticmethod
    def _hash(path: Path) -> str | None:
        from git_skill.digests import file_sha256

        return file_sha256(path) if path.is_file() else None

    def wrote(self, relative: str) -> bool:
        """Whether the file (repository-relative, as `local_changes` names it) is exactly as learn wrote it."""
        recorded = self._load().get(relative)
        return recorded is not None and recorded == self._hash(self.workspace.root / relative)

    def remember(self, folder: Path, written: Iterable[str]) -> None:
        """Record the files just written to `folder` (relative to it); call under the repository lock, after
        the write. Entries of the folder's files that changed since are dropped."""
        if self.path is None:
            return
        entries = self._load()
        prefix = self._key(folder) + "/"
        for key in [key for key in entries if key.startswith(prefix)]:
            if entries[key] != self._hash(self.workspace.root / key):
                del entries[key]
        for relative in written:
            digest = self._hash(folder / relative)
            if digest is not None:
                entries[self._key(folder / relative)] = digest
        write_atomic(self.path, json.dumps(entries, indent=1, sort_keys=True).encode("utf-8"))


def persons_changes(workspace: Workspace, folder: Path, record: WrittenRecord) -> list[str]:
    """The folder's uncommitted or untracked files that learn did not leave as they are: a person's edits."""
    return [path for path in local_changes(workspace, folder) if not record.wrote(path)]


def check_not_edited(workspace: Workspace, folder: Path, record: WrittenRecord) -> None:
    """Raise `LocalEdits`, naming the files a person changed, when the folder has any."""
    changed = persons_changes(workspace, folder, record)
    if changed:
        raise LocalEdits(folder, changed)
