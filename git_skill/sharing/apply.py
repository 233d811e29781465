"""Apply shared skills to the work tree: the three-way merge of a skill folder, and a staged
swap so that a crash or an error never leaves a folder half updated.

Files merge one by one: SKILL.md through the section-aware skill merge, other text files
through libgit2's line merge, binary files and links only when one side alone changed
them. A conflict in a file both sides changed is counted and marked; the caller decides
whether to write it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from git_skill.atomic import (SET_ASIDE_MARK, STAGING_MARK, current_umask, remove_tree, write_atomic,
                              write_journal)
from git_skill.skills.discovery import SKILL_FILE_NAMES, is_inside
from git_skill.errors import GitSkillError
from git_skill.sharing.fetch import EXECUTABLE, LINK, Entry, Files
from git_skill.folders import make_folders
from git_skill.stopping import past_commit_point


@dataclass
class FolderMerge:
    files: Files
    conflicts: dict[str, str] = field(default_factory=dict)  # path -> why

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _text(entry: Entry | None) -> str | None:
    if entry is None:
        return ""
    if entry.mode == LINK or b"\0" in entry.data:
        return None
    try:
        return entry.data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def merge_folders(base: Files, ours: Files, theirs: Files) -> FolderMerge:
    """Three-way merge of a skill folder, file by file; untouched files keep our bytes."""
    from git_skill.skills.merge import merge_lines, merge_skill

    result = FolderMerge({})
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if o == t or b == t:
            chosen = o
        elif b == o:
            chosen = t
        else:
            texts = (_text(b), _text(o), _text(t))
            if o is None or t is None or None in texts:
                result.conflicts[path] = ("deleted on one side, changed on the other" if o is None or t is None
                                          else "binary file or link changed on both sides")
                chosen = o  # ours stays as it is
            else:
                merge = merge_skill if path.rsplit("/", 1)[-1] in SKILL_FILE_NAMES else merge_lines
                merged = merge(*texts)  # type: ignore[arg-type]
                mode = t.mode if b is not None and b.mode == o.mode else o.mode
                chosen = Entry(merged.text.encode("utf-8"), mode)
                if not merged.clean:
                    result.conflicts[path] = f"{merged.conflicts} conflicting part(s), marked"
        if chosen is not None:
            result.files[path] = chosen
    return result


def changed_paths(before: Files, after: Files) -> dict[str, str]:
    """path -> added/removed/changed, from `before` to `after`."""
    changes = {}
    for path in sorted(set(before) | set(after)):
        if path not in after:
            changes[path] = "removed"
        elif path not in before:
            changes[path] = "added"
        elif before[path] != after[path]:
            changes[path] = "changed"
    return changes


def write_files(folder: Path, files: Files) -> None:
    umask = current_umask()
    for path, entry in files.items():
        target = folder / path
        if not is_inside(target.parent, folder.resolve()):
            raise GitSkillError(f"{path!r} would be written outside its skill folder; refused")
        make_folders(target.parent)
        if target.is_symlink():  # replace the link itself, never write through it
            target.unlink()
        if entry.mode == LINK:
            os.symlink(entry.data.decode("utf-8"), target)
        else:
            target.write_bytes(entry.data)
            os.chmod(target, (0o777 if entry.mode == EXECUTABLE else 0o666) & ~umask)


class FolderSwap:
    """Stage new folder contents beside their destinations, then swap them all in at once.

    `commit()` renames each staged folder into place (the old one kept aside; a folder to
    remove is only set aside), runs the `then` step (writing the lock), and only then deletes
    the old folders; any failure renames everything back. Staging and set-aside names are
    ones discovery skips (`atomic.is_staging_name`). With a `journal` (the repository lock's),
    every step is recorded first, with the prior content of the `guarded` files (`skills.lock`),
    so a run killed at any moment is rolled back by the next one. Nothing outside `boundary`
    is ever written.
    """

    def __init__(self, boundary: Path, journal: Path | None = None, guarded: tuple[Path, ...] = ()) -> None:
        self.boundary = boundary.resolve()
        self.journal = journal
        self.guarded = guarded
        self.staged: list[tuple[Path | None, Path]] = []  # (staging folder, or None to remove; destination)
        self.prior: dict[str, str | None] = {}  # guarded file -> its content before the swap (None: absent)

    def _check(self, destination: Path) -> None:
        if not is_inside(destination, self.boundary) or destination.resolve() == self.boundary:
            raise GitSkillError(f"{destination} is outside the skills root {self.boundary}; refused")

    def _record(self, state: str, moves: list[tuple[Path | None, Path, Path | None]]) -> None:
        if self.journal is None:
            return
        write_journal(self.journal, {"pid": os.getpid(), "state": state, "files": self.prior, "moves": [
            {"staging": str(s) if s else None, "destination": str(d), "old": str(o) if o else None}
            for s, d, o in moves]})

    def _forget(self) -> None:
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)

    def remove(self, destination: Path) -> None:
        """Delete `destination` at commit time (put back if anything fails)."""
        self._check(destination)
        self.staged.append((None, destination))

    def stage(self, destination: Path, files: Files, over_existing: bool = False) -> None:
        """Stage `files` as the new content of `destination`; `over_existing` starts from a copy of
        what is there (links, modes and other files kept) and writes `files` over it."""
        self._check(destination)
        make_folders(destination.parent)
        staging = destination.with_name(f".{destination.name}{STAGING_MARK}{os.getpid()}-{secrets.token_hex(4)}")
        self.staged.append((staging, destination))
        self._record("staging", [(s, d, None) for s, d in self.staged])  # before it exists: a kill leaves no orphan
        if over_existing:
            shutil.copytree(destination, staging, symlinks=True)
        else:
            os.mkdir(staging, 0o777)  # the umask applies, as to any folder the user makes
        write_files(staging, files)

    def discard(self) -> None:
        for staging, _ in self.staged:
            if staging is not None:
                remove_tree(staging, ignore_errors=True)
        self.staged = []
        self._forget()

    def commit(self, then: Callable[[], None] | None = None) -> None:
        plan = [(staging, destination, destination.with_name(f".{destination.name}{SET_ASIDE_MARK}{os.getpid()}")
                 if os.path.lexists(destination) else None) for staging, destination in self.staged]
        swapped: list[tuple[Path, Path | None, bool]] = []  # (destination, old folder set aside, moved in?)
        self.prior = {str(p): (p.read_text(encoding="utf-8") if p.is_file() else None) for p in self.guarded}
        try:
            self._record("swapping", plan)
            for staging, destination, old in plan:
                if old is not None:
                    os.rename(destination, old)
                swapped.append((destination, old, False))
                if staging is not None:
                    os.rename(staging, destination)
                    swapped[-1] = (destination, old, True)
            if then is not None:
                then()
            self._record("done", plan)
            past_commit_point()  # what is left (old copies deleted, agents put in step) finishes, signal or not
        except BaseException:
            for destination, old, moved_in in reversed(swapped):
                if moved_in:
                    remove_tree(destination, ignore_errors=True)
                if old is not None:
                    os.rename(old, destination)
            for name, text in self.prior.items():  # `then` may have written before the interruption
                if text is None:
                    Path(name).unlink(missing_ok=True)
                else:
                    write_atomic(Path(name), text.encode("utf-8"))
            self.discard()
            raise
        for _, old, _ in swapped:
            if old is not None:
                if old.is_symlink():
                    old.unlink()
                else:
                    remove_tree(old, ignore_errors=True)
        self.staged = []
        self._forget()
