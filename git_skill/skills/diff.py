"""Semantic diff of two sets of skills: added, removed, renamed and changed skills, and for a changed
skill its frontmatter field by field, its body section by section (a line diff inside a changed
section), and its supporting files.

A side is a `SkillSet`: skill folder (relative to its root) -> {file: bytes}, read from the work
tree, a folder, or a git revision (through pygit2, without checking anything out).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git_skill.folders import walk
from git_skill.digests import files_digest
from git_skill.skills.discovery import DEFAULT_ROOTS, SKILL_FILE_NAMES, Discovery, walk_skills
from git_skill.skills.skill import SkillFile, body_sections

SkillSet = dict[str, dict[str, bytes]]
MAX_FILE_BYTES = 5 * 1024 * 1024
RENAME_THRESHOLD = 0.6


def from_folder(root: Path, skills_roots: list[Path] | None = None) -> SkillSet:
    """Skills under `root` (or under the given roots), keyed by their folder relative to `root`."""
    found = Discovery()
    for start in skills_roots or [root]:
        if start.is_dir():
            walk_skills(start, root.resolve(), found)
    skills: SkillSet = {}
    for location in found.skills:
        key = location.folder.resolve().relative_to(root.resolve()).as_posix()
        files: dict[str, bytes] = {}
        for base, dirs, names in walk(location.folder):
            dirs[:] = [d for d in dirs if d != ".git" and not any((Path(base) / d / n).exists() for n in SKILL_FILE_NAMES)]
            for name in names:
                path = Path(base) / name
                if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
                    files[path.relative_to(location.folder).as_posix()] = path.read_bytes()
        skills[key] = files
    return skills


def from_revision(repo: Any, revision: str, roots: list[str]) -> SkillSet:
    """Skills in the skills roots of a commit's tree."""
    import pygit2

    try:
        tree = repo.revparse_single(revision).peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError):
        from git_skill import exit_codes
        from git_skill.errors import GitSkillError

        raise GitSkillError(f"unknown revision {revision!r}", exit_codes.USAGE) from None
    blobs: dict[str, bytes] = {}
    stack: list[tuple[Any, str]] = []  # iterative: a skill nested 1,500 folders deep is no RecursionError
    for root in roots:
        try:
            node = tree[root]
        except KeyError:
            continue
        if node.type_str == "tree":
            stack.append((repo[node.id], root.rstrip("/") + "/"))
    while stack:
        node, prefix = stack.pop()
        for entry in node:
            path = f"{prefix}{entry.name}"
            if entry.type_str == "tree":
                stack.append((repo[entry.id], path + "/"))
            elif entry.type_str == "blob" and entry.filemode != pygit2.GIT_FILEMODE_LINK:
                blobs[path] = repo[entry.id].data
    return group_skills(blobs)


def group_skills(blobs: dict[str, bytes]) -> SkillSet:
    """Files (repository-relative path -> bytes) grouped into the skills that hold them."""
    folders = sorted({path.rsplit("/", 1)[0] if "/" in path else "" for path in blobs
                      if path.rsplit("/", 1)[-1] in SKILL_FILE_NAMES}, key=len, reverse=True)
    skills: SkillSet = {folder: {} for folder in folders}
    for path, data in blobs.items():
        owner = next((f for f in folders if not f or path.startswith(f + "/")), None)  # the deepest skill holding it
        if owner is not None:
            skills[owner][path[len(owner) + 1:] if owner else path] = data
    return skills


def strip_roots(skills: SkillSet, roots: list[str]) -> SkillSet:
    """Key skills by their path inside their skills root (`.claude/skills/pdf` -> `pdf`), so that
    skills from repositories with different layouts line up; unchanged when names would collide."""
    ordered = sorted((r.strip("/") for r in roots if r.strip("/")), key=len, reverse=True)
    renamed: SkillSet = {}
    for key, files in skills.items():
        root = next((r for r in ordered if key.startswith(r + "/")), None)
        new_key = key[len(root) + 1:] if root else key
        if new_key in renamed:
            return skills
        renamed[new_key] = files
    return renamed


@dataclass
class FieldChange:
    key: str
    old: Any
    new: Any


@dataclass
class SectionChange:
    heading: str
    status: str  # added, removed, changed
    diff: list[str] = field(default_factory=list)


@dataclass
class SkillChange:
    status: str  # added, removed, renamed, changed
    path: str
    old_path: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> added/removed/changed

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "path": self.path, "old_path": self.old_path,
                "fields": [{"key": f.key, "old": f.old, "new": f.new} for f in self.fields],
                "sections": [{"heading": s.heading, "status": s.status, "diff": s.diff} for s in self.sections],
                "files": self.files}


def _skill_md(files: dict[str, bytes]) -> bytes:
    return next((files[n] for n in SKILL_FILE_NAMES if n in files), b"")


def _similar(a: dict[str, bytes], b: dict[str, bytes]) -> float:
    """Share of SKILL.md lines the two have in common (only added x removed pairs are compared)."""
    return difflib.SequenceMatcher(None, _skill_md(a).decode("utf-8", "replace").splitlines(),
                                   _skill_md(b).decode("utf-8", "replace").splitlines()).ratio()


def compare_skill(path: str, old: dict[str, bytes], new: dict[str, bytes], status: str = "changed",
                  old_path: str | None = None) -> SkillChange | None:
    change = SkillChange(status, path, old_path)
    before = SkillFile.from_bytes(_skill_md(old), "SKILL.md", "skill")
    after = SkillFile.from_bytes(_skill_md(new), "SKILL.md", "skill")
    old_fields, new_fields = before.fields or {}, after.fields or {}
    for key in list(old_fields) + [k for k in new_fields if k not in old_fields]:
        if old_fields.get(key) != new_fields.get(key):
            change.fields.append(FieldChange(key, old_fields.get(key), new_fields.get(key)))
    old_sections, new_sections = dict(body_sections(before.body)), dict(body_sections(after.body))
    for key in list(old_sections) + [k for k in new_sections if k not in old_sections]:
        heading = key[0] or "(before the first heading)"
        if key not in new_sections:
            change.sections.append(SectionChange(heading, "removed"))
        elif key not in old_sections:
            change.sections.append(SectionChange(heading, "added"))
        elif old_sections[key].rstrip() != new_sections[key].rstrip():  # blank lines between sections do not count
            lines = difflib.unified_diff(old_sections[key].splitlines(), new_sections[key].splitlines(), lineterm="", n=1)
            change.sections.append(SectionChange(heading, "changed", [line for line in lines if not line.startswith(("---", "+++"))]))
    for name in sorted(set(old) | set(new)):
        if name in SKILL_FILE_NAMES:
            continue
        if name not in new:
            change.files[name] = "removed"
        elif name not in old:
            change.files[name] = "added"
        elif old[name] != new[name]:
            change.files[name] = "changed"
    if status == "changed" and not (change.fields or change.sections or change.files) and old == new:
        return None
    return change


def compare(old: SkillSet, new: SkillSet) -> list[SkillChange]:
    """Every difference between two sets of skills, renames detected by content."""
    changes: list[SkillChange] = []
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    for path in sorted(set(old) & set(new)):
        change = compare_skill(path, old[path], new[path])
        if change:
            changes.append(change)
    for path in list(added):
        best = max(removed, key=lambda r: _similar(old[r], new[path]), default=None)
        if best is not None and (files_digest(old[best]) == files_digest(new[path])
                                 or _similar(old[best], new[path]) >= RENAME_THRESHOLD):
            removed.remove(best)
            added.remove(path)
            changes.append(compare_skill(path, old[best], new[path], "renamed", best) or SkillChange("renamed", path, best))
    changes += [SkillChange("added", path, files={n: "added" for n in sorted(new[path]) if n not in SKILL_FILE_NAMES})
                for path in added]
    changes += [SkillChange("removed", path) for path in removed]
    return sorted(changes, key=lambda c: c.path)


def default_roots() -> list[str]:
    return list(DEFAULT_ROOTS)
