"""Read the skills a commit is about to record, from the git index rather than the work tree.

A plain pre-commit hook must check what is staged: the work tree may hold unstaged
edits that would hide (or invent) a problem in what is actually committed.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.skills.discovery import COPY_MARKER, SKILL_FILE_NAMES, loop_finding, looping_links, relative_roots
from git_skill.findings import Finding
from git_skill.skills.rules import RULES
from git_skill.workspace import Workspace, require_repository
from git_skill.atomic import is_staging_name
from git_skill.folders import make_folders, walk

_SYMLINK_MODE = 0o120000


@dataclass(frozen=True)
class StagedSkill:
    path: str  # repository-relative path of the SKILL.md
    folder_name: str
    data: bytes


def read_blob(repo: Any, oid: Any, path: str) -> bytes:
    """A staged file's bytes; an object missing from a damaged repository is exit 3, not a crash."""
    import pygit2

    try:
        return repo[oid].data
    except (KeyError, ValueError, pygit2.GitError):
        raise GitSkillError(f"cannot read the staged {path}: object {oid} is missing from the repository "
                            "(git fsck may say more)", exit_codes.BAD_INPUT) from None


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _changed_paths(repo: Any) -> set[str]:
    """Paths whose staged content differs from HEAD (every path before the first commit)."""
    index = repo.index
    if repo.head_is_unborn:
        return {entry.path for entry in index}
    diff = index.diff_to_tree(repo.head.peel().tree)
    changed = set()
    for delta in diff.deltas:
        changed.add(delta.new_file.path)
        changed.add(delta.old_file.path)
    return changed


def _staged_entries(workspace: Workspace, skills_dirs: tuple[str, ...]) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """The repository, the index entries under the skills roots, and each skill folder's SKILL.md path."""
    repo = require_repository(workspace, "--staged")
    index = repo.index
    index.read()
    roots = relative_roots(workspace, skills_dirs)
    entries = {entry.path: entry for entry in index if _under(entry.path, roots)
               and not any(is_staging_name(part) for part in entry.path.split("/"))}
    skill_files: dict[str, str] = {}
    for path in entries:
        folder, name = posixpath.split(path)
        if name in SKILL_FILE_NAMES and (folder not in skill_files or name == "SKILL.md"):
            skill_files[folder] = path
    copies = {posixpath.dirname(path) for path in entries if posixpath.basename(path) == COPY_MARKER}
    for folder in copies:  # an agent's copy (git skill link --copy) is its source skill again: checked once
        skill_files.pop(folder, None)
    return repo, entries, skill_files


def all_staged_skills(workspace: Workspace, skills_dirs: tuple[str, ...] = ()) -> list[StagedSkill]:
    """Every skill the next commit will hold, as staged (untracked skills are not part of it)."""
    repo, entries, skill_files = _staged_entries(workspace, skills_dirs)
    return [StagedSkill(path, posixpath.basename(folder), read_blob(repo, entries[path].id, path))
            for folder, path in sorted(skill_files.items(), key=lambda item: item[1])]


def staged_file(workspace: Workspace, relative: str) -> bytes | None:
    """The staged bytes of one repository-relative file, None when the index has no such file."""
    repo = require_repository(workspace, "--staged")
    index = repo.index
    index.read()
    entry = index[relative] if relative in index else None
    return read_blob(repo, entry.id, relative) if entry is not None else None


def staged_skills(workspace: Workspace, skills_dirs: tuple[str, ...] = ()) -> tuple[list[StagedSkill], list[Finding]]:
    """The staged skills touched by the next commit, and escaping symlinks among the staged files."""
    repo, entries, skill_files = _staged_entries(workspace, skills_dirs)
    changed = _changed_paths(repo)
    touched: set[str] = set()
    findings: list[Finding] = []
    staged_links: dict[str, str] = {}
    for path in sorted(changed & set(entries)):
        entry = entries[path]
        if entry.mode == _SYMLINK_MODE:
            target = read_blob(repo, entry.id, path).decode("utf-8", "replace")
            staged_links[path] = target
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                findings.append(Finding(path, "symlink-escape", RULES["symlink-escape"].severity,
                                        f"symbolic link points outside the repository ({target})"))
        folder = posixpath.dirname(path)
        while True:
            if folder in skill_files:
                touched.add(folder)
                break
            if not folder:
                break
            folder = posixpath.dirname(folder)
    if staged_links:  # a loop may run through links the commit does not change
        every_link = {path: read_blob(repo, entry.id, path).decode("utf-8", "replace") if path not in staged_links
                      else staged_links[path] for path, entry in entries.items() if entry.mode == _SYMLINK_MODE}
        findings += [loop_finding(path) for path in looping_links(every_link) if path in staged_links]
    skills = [
        StagedSkill(skill_files[folder], posixpath.basename(folder),
                    read_blob(repo, entries[skill_files[folder]].id, skill_files[folder]))
        for folder in sorted(touched)
    ]
    return skills, findings


def export_staged_skills(workspace: Workspace, destination: Path, skills_dirs: tuple[str, ...] = ()) -> dict[Path, str]:
    """Write the staged content of every skill folder the next commit touches under `destination`.

    Returns exported path -> repository-relative path, for both the folders and their SKILL.md,
    so findings can name what the user will commit. Symbolic links are not exported.
    """
    repo = require_repository(workspace, "--staged")
    staged, _ = staged_skills(workspace, skills_dirs)
    index = repo.index
    mapping: dict[Path, str] = {}
    for skill in staged:
        folder = posixpath.dirname(skill.path)
        target = destination / folder
        mapping[target] = folder
        mapping[target / posixpath.basename(skill.path)] = skill.path
        for entry in index:
            if not entry.path.startswith(folder + "/") or entry.mode == _SYMLINK_MODE:
                continue
            relative = entry.path[len(folder) + 1:]
            if relative.startswith("../") or "/../" in relative:
                continue
            path = target / relative
            make_folders(path.parent)
            path.write_bytes(read_blob(repo, entry.id, entry.path))
            os.chmod(path, 0o755 if entry.mode == 0o100755 else 0o644)
    _export_collections(repo, [posixpath.dirname(skill.path) for skill in staged], destination)
    return mapping


def _export_collections(repo: Any, folders: list[str], destination: Path) -> None:
    """A touched skill that points into a sibling skill (`../other/file.md`) is checked against the sibling's
    staged files, as lint of the work tree checks it: export its collection too (looked at, never linted)."""
    collections = set()
    for folder in folders:
        files = (path for base, _, names in walk(destination / folder) for path in (Path(base) / n for n in names)
                 if path.is_file())  # walk: rglob recurses per level before Python 3.12
        if any(b"../" in path.read_bytes() for path in files):
            collections.add(posixpath.dirname(folder))
    for entry in repo.index if collections else ():
        if entry.mode == _SYMLINK_MODE or "/../" in f"/{entry.path}" or not any(
                entry.path.startswith(collection + "/") for collection in collections):
            continue
        path = destination / entry.path
        if not path.exists():
            make_folders(path.parent)
            path.write_bytes(repo[entry.id].data)
