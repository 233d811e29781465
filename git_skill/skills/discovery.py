"""Find skills: the skills roots of a workspace, the skills under a folder, the skill around a file.

A skill is any folder holding `SKILL.md` (or `skill.md`, which skills-ref accepts);
skills may nest. Symbolic links are followed only while they stay inside the
boundary (the repository); one that leaves it is reported, never followed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from git_skill import exit_codes
from git_skill.atomic import is_staging_name
from git_skill.errors import GitSkillError
from git_skill.findings import Finding, Severity
from git_skill.skills.rules import RULES
from git_skill.workspace import Workspace, display_path

DEFAULT_ROOTS = (".agents/skills", ".claude/skills", ".skills", ".codex/skills", "skills")
SKILL_FILE_NAMES = ("SKILL.md", "skill.md")
SKIPPED_FOLDERS = frozenset({".git", "node_modules", "__pycache__", ".venv", ".tox"})
# Inside a copy `git skill link --copy` made for an agent: JSON naming the source folder. A copy is
# the same skill again, so it is never counted, validated or listed; one that drifted is reported.
COPY_MARKER = ".git-skill-copy"


@dataclass(frozen=True)
class SkillLocation:
    folder: Path
    skill_file: Path

    @property
    def display(self) -> str:
        return display_path(self.skill_file)


@dataclass
class Discovery:
    skills: list[SkillLocation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    copies: list[Path] = field(default_factory=list)  # agents' copies of skills (see COPY_MARKER)
    visited: dict[tuple[int, int], bool] = field(default_factory=dict)  # (device, inode) walked -> through a link
    _seen: dict[str, int] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """The skills found, as a stat fingerprint: what a plan read, to compare before writing."""
        return stat_fingerprint([location.skill_file for location in self.skills])

    def add_skill(self, location: SkillLocation, real_file: str | None = None) -> None:
        """Each skill once: a symbolic link to a skill (an agent's link) is the skill itself.

        A skill is known by its folder's (device, inode) and its file's name (`skill_key`)."""
        key = real_file or skill_key(location)
        if key not in self._seen:
            self._seen[key] = len(self.skills)
            self.skills.append(location)
        elif os.path.islink(self.skills[self._seen[key]].folder) and not os.path.islink(location.folder):
            self.skills[self._seen[key]] = location  # name the skill by its real folder, not a link to it


def skill_key(location: SkillLocation) -> str:
    """What names a skill whatever path leads to it: its folder's (device, inode), as realpath would
    but with one stat instead of one per level; the real path when the folder cannot be stat'ed."""
    try:
        status = os.stat(location.folder)
    except OSError:
        return os.path.realpath(location.skill_file)
    return f"{status.st_dev}:{status.st_ino}/{location.skill_file.name}"


def stat_fingerprint(skill_files: list[Path] | tuple[Path, ...]) -> str:
    """A digest of the skill files as the file system reports them (path, inode, size, modification
    time), as git's index keeps them: every write of a skill replaces its file (a new inode) and an
    edit in place changes the size or the time, so a stat tells as much as the content would,
    without reading every skill again."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(set(skill_files)):
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        key = stat_key(path)
        digest.update(f"{key[0]}:{key[1]}:{key[2]}\0".encode() if key else b"\1missing\0")
    return digest.hexdigest()


def relative_roots(workspace: Workspace, skills_dirs: tuple[str, ...] = ()) -> list[str]:
    """The skills roots inside the repository, relative to its root (POSIX), as index paths are."""
    roots = []
    for root in configured_roots(workspace, skills_dirs):
        try:
            roots.append(root.relative_to(workspace.root).as_posix())
        except ValueError:
            continue
    return roots


def stat_key(path: Path | str) -> tuple[int, int, int] | None:
    """(inode, size, modification time in ns): what tells a file changed without reading it; None when gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


def configured_roots(workspace: Workspace, skills_dirs: tuple[str, ...] | list[str] = ()) -> list[Path]:
    """The skills roots: `--skills-dir`, else `git config skill.dir` (multi-valued), else the defaults."""
    chosen = list(skills_dirs) or workspace.config_all("skill.dir")
    if chosen:
        roots = [(workspace.root / d).resolve() if not os.path.isabs(d) else Path(d).resolve() for d in chosen]
        for given, root in zip(chosen, roots):
            if root.exists() and not root.is_dir():
                where = "--skills-dir" if skills_dirs else "git config skill.dir"
                raise GitSkillError(f"{where} {given} is not a folder", exit_codes.USAGE)
        return roots
    return [workspace.root / d for d in DEFAULT_ROOTS]


def target_root(workspace: Workspace, skills_dirs: tuple[str, ...], agent_root: str | None = None) -> Path:
    """Where new skills go: `--skills-dir` or `skill.dir` when given; else `agent_root`, the folder
    the agent a session came from reads (so a skill learned from Claude Code reaches Claude Code);
    else the first skills root that exists, else `.agents/skills` (read by most agents)."""
    roots = configured_roots(workspace, skills_dirs)
    if agent_root is not None and not skills_dirs and not workspace.config_all("skill.dir"):
        return workspace.root / agent_root
    existing = [r for r in roots if r.is_dir()]
    if existing:
        return existing[0]
    return roots[0] if skills_dirs or workspace.config_all("skill.dir") else workspace.root / DEFAULT_ROOTS[0]


def is_inside(path: str | Path, boundary: Path) -> bool:
    try:
        return os.path.commonpath([os.path.realpath(path), str(boundary)]) == str(boundary)
    except ValueError:
        return False


def _escape_finding(path: str, target: str) -> Finding:
    return Finding(display_path(path), "symlink-escape", RULES["symlink-escape"].severity,
                   f"symbolic link points outside the repository ({target}); not followed")


def _loop_finding(path: str, error: OSError) -> Finding:
    return Finding(display_path(path), "symlink-loop", RULES["symlink-loop"].severity,
                   f"symbolic link cannot be followed ({error.strerror or error}); not followed")


def looping_links(links: dict[str, str]) -> list[str]:
    """Of `links` (POSIX path -> target, as a tree or the index records them), those that can never be
    followed: their chain of targets comes back to a link already passed, or runs past 40 hops as the
    kernel's ELOOP does. For trees not on disk (the index, a fetched skill), where no stat can tell."""
    import posixpath

    looping = []
    for start in sorted(links):
        seen, current = set(), start
        while current in links and current not in seen and len(seen) <= 40:
            seen.add(current)
            current = posixpath.normpath(posixpath.join(posixpath.dirname(current), links[current]))
        if current in links:
            looping.append(start)
    return looping


def loop_finding(path: str) -> Finding:
    return Finding(path, "symlink-loop", RULES["symlink-loop"].severity,
                   "symbolic link loops back on itself (directly or through others); it cannot be followed")


def not_regular_finding(path: str) -> Finding:
    return Finding(display_path(path), "file-not-regular", RULES["file-not-regular"].severity,
                   "SKILL.md is not a regular file (a FIFO, socket, device or folder); not opened")


def _skill_file_in(names: set[str]) -> str | None:
    return next((n for n in SKILL_FILE_NAMES if n in names), None)


def walk_skills(start: Path, boundary: Path, discovery: Discovery) -> None:
    """Add every skill under `start` (itself included) to `discovery`; iterative, cycle-safe."""
    visited = discovery.visited  # shared by every root: a folder reached again through a link is not walked again
    stack = [str(start)]
    while stack:
        folder = stack.pop()
        via_link = os.path.islink(folder)
        try:
            status = os.stat(folder)  # (device, inode): one stat a folder, where realpath costs one per level
            key = (status.st_dev, status.st_ino)
            if key in visited and (via_link or not visited[key]):
                continue  # walked already (a real folder first reached through a link is walked again, to name it)
            visited[key] = via_link
            with os.scandir(folder) as scan:
                # a swap in progress, or one a killed run left: never a skill
                entries = sorted((e for e in scan if not is_staging_name(e.name)), key=lambda e: e.name)
        except OSError as error:
            discovery.findings.append(Finding(display_path(folder), "file-unreadable", Severity.ERROR,
                                              f"cannot list folder: {error.strerror or error}"))
            continue
        names = {e.name for e in entries}
        if COPY_MARKER in names and folder != str(start):
            discovery.copies.append(Path(folder))
            drift = copy_drift(Path(folder), boundary)
            if drift:
                discovery.findings.append(Finding(display_path(folder), "agent-copy-drift",
                                                  RULES["agent-copy-drift"].severity, drift))
            continue
        subfolders = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not is_inside(target, boundary):
                        discovery.findings.append(_escape_finding(entry.path, os.readlink(entry.path)))
                        names.discard(entry.name)
                        continue
                is_folder = entry.is_dir()
                is_file = entry.is_file()
            except OSError as error:  # a cycle of links (ELOOP) or a name that vanished
                discovery.findings.append(_loop_finding(entry.path, error))
                names.discard(entry.name)
                continue
            if entry.name in SKILL_FILE_NAMES and not is_file:
                discovery.findings.append(not_regular_finding(entry.path))  # a FIFO would hang every read
                names.discard(entry.name)
            if entry.name not in SKIPPED_FOLDERS and is_folder:
                subfolders.append(entry.path)
        skill_name = _skill_file_in(names)
        if skill_name:
            # the folder's (device, inode) names it as realpath would, without one lstat per level
            discovery.add_skill(SkillLocation(Path(folder), Path(folder) / skill_name),
                                f"{key[0]}:{key[1]}/{skill_name}")
        stack.extend(reversed(subfolders))


def copy_source(copy: Path, boundary: Path) -> Path | None:
    """The source folder a copy's marker names (relative to the repository), or None when unreadable."""
    import json

    try:
        recorded = json.loads((copy / COPY_MARKER).read_text(encoding="utf-8"))
        source = boundary / str(recorded["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return source if is_inside(source, boundary) else None


def copy_drift(copy: Path, boundary: Path) -> str | None:
    """Why an agent's copy no longer matches its source, or None when it does."""
    from git_skill.digests import folder_digest

    source = copy_source(copy, boundary)
    if source is None or not (source / "SKILL.md").is_file():
        return "an agent's copy whose source skill is gone; 'git skill link' removes it"
    if folder_digest(copy, frozenset({COPY_MARKER})) != folder_digest(source):
        return (f"an agent's copy that differs from its source {display_path(source)}; "
                "'git skill link --check' says how")
    return None


def enclosing_skill(path: Path, boundary: Path) -> SkillLocation | None:
    """The skill folder a file belongs to: the nearest ancestor holding SKILL.md, within the boundary."""
    folder = path if path.is_dir() else path.parent
    while True:
        for name in SKILL_FILE_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return SkillLocation(folder, candidate)
        if folder == boundary or folder.parent == folder or not is_inside(folder.parent, boundary):
            return None
        folder = folder.parent


def discover(workspace: Workspace, paths: tuple[str, ...] = (), skills_dirs: tuple[str, ...] = ()) -> Discovery:
    """Skills named by `paths` (folders walked, files mapped to their skill) or, with none, in the roots."""
    discovery = Discovery()
    boundary = workspace.root
    if not paths:
        seen: set[str] = set()
        for root in configured_roots(workspace, skills_dirs):
            if not os.path.lexists(root):
                continue
            if root.is_symlink() and not is_inside(root, boundary):
                discovery.findings.append(_escape_finding(str(root), os.readlink(root)))
                continue
            real = os.path.realpath(root)
            if real in seen or not os.path.isdir(root):
                continue
            seen.add(real)
            discovery.roots.append(root)
            walk_skills(root, boundary, discovery)
        return discovery
    for raw in paths:
        path = Path(raw).absolute()
        if not os.path.lexists(path):
            raise GitSkillError(f"no such file or folder: {raw}", exit_codes.USAGE)
        limit = boundary if is_inside(path, boundary) else (path if path.is_dir() else path.parent).resolve()
        try:
            path.stat()
        except OSError as error:  # a dangling link or a cycle of links
            discovery.findings.append(_loop_finding(str(path), error))
            continue
        if path.is_symlink() and not is_inside(path, limit):
            discovery.findings.append(_escape_finding(str(path), os.readlink(path)))
        elif path.is_dir():
            discovery.roots.append(path)
            walk_skills(path, limit, discovery)
        elif path.name in SKILL_FILE_NAMES and not path.is_file():
            discovery.findings.append(not_regular_finding(str(path)))
        elif path.name in SKILL_FILE_NAMES:
            discovery.add_skill(SkillLocation(path.parent, path))
        else:
            found = enclosing_skill(path, limit)
            if found:
                discovery.add_skill(found)
    return discovery
