"""`skills.lock`: which skills came from where, at which commit, with which content.

TOML, one `[[skill]]` table per shared skill, sorted by path, one key per line, so a
change to one skill is a small diff. Paths come from a file anyone can commit, so they are
checked like user input: a lock entry cannot point outside the repository.

    version = 1

    [[skill]]
    path = ".agents/skills/pdf"          # the local folder, relative to the repository root
    source = "https://github.com/acme/skills.git"
    subpath = "skills/pdf"               # the folder inside the source ("" for its root)
    ref = "main"                         # as requested; "" means the source's HEAD
    commit = "3f1c…"                     # the commit it resolved to ("" for a plain folder)
    digest = "sha256:…"                  # Harbor's folder digest of the upstream content
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.sharing.source import Source, check_relative_path
from git_skill.folders import require_readable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_NAME = "skills.lock"
VERSION = 1
_KEYS = ("path", "source", "subpath", "ref", "commit", "digest")
_HEADER = ("# Skills shared from other repositories: written by `git skill add` and `git skill update`.\n"
           "# One [[skill]] per shared skill; see `git skill status`.\n")


@dataclass(frozen=True)
class LockEntry:
    path: str
    source: str
    subpath: str
    ref: str
    commit: str
    digest: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def origin(self) -> Source:
        return Source(self.source, self.subpath, self.ref)

    def moved_to(self, commit: str, digest: str, ref: str | None = None) -> LockEntry:
        return replace(self, commit=commit, digest=digest, ref=self.ref if ref is None else ref)


def lock_path(root: Path) -> Path:
    return root / LOCK_NAME


def read_lock(root: Path) -> dict[str, LockEntry]:
    """The lock's entries by path; empty when there is no lock file."""
    path = lock_path(root)
    require_readable(path)  # a FIFO named skills.lock would block every command, the hooks included
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise GitSkillError(f"cannot read {LOCK_NAME}: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GitSkillError(f"{LOCK_NAME} is not valid TOML: {error}") from None
    if data.get("version") != VERSION:
        raise GitSkillError(f"{LOCK_NAME} has version {data.get('version')!r}; this git-skill reads version {VERSION}")
    entries: dict[str, LockEntry] = {}
    skills = data.get("skill", [])
    if not isinstance(skills, list):
        raise GitSkillError(f"{LOCK_NAME}: 'skill' must be an array of tables ([[skill]])")
    for index, table in enumerate(skills, 1):
        if not isinstance(table, dict) or any(not isinstance(table.get(k, ""), str) for k in _KEYS) or not table.get("path") \
                or not table.get("source"):
            raise GitSkillError(f"{LOCK_NAME}: skill entry {index} needs string values for {', '.join(_KEYS)}")
        try:
            local = check_relative_path(table["path"], "path")
        except GitSkillError as error:  # a folder outside the skills roots: refused, as require_in_roots does
            raise GitSkillError(f"{LOCK_NAME}: skill entry {index}: {error.message}", exit_codes.REFUSED) from None
        try:
            subpath = check_relative_path(table.get("subpath", ""), "subpath") if table.get("subpath") else ""
        except GitSkillError as error:
            raise GitSkillError(f"{LOCK_NAME}: skill entry {index}: {error.message}", exit_codes.BAD_INPUT) from None
        missing = [key for key in ("commit", "digest") if key not in table]
        if missing or not table["digest"].startswith("sha256:"):
            # every command needs both: status and remove compare the digest, update merges from the commit
            raise GitSkillError(f"{LOCK_NAME}: skill entry {index} ({local}) "
                                + (f"has no {' or '.join(missing)}" if missing else "has a digest that is not sha256:…")
                                + "; restore it from git history, or remove and add the skill again")
        if not local or local in entries:
            raise GitSkillError(f"{LOCK_NAME}: skill entry {index}: path {local!r} is empty or listed twice")
        entries[local] = LockEntry(local, table["source"], subpath, table.get("ref", ""), table["commit"],
                                   table["digest"])
    return entries


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes, plus DEL, which TOML also wants escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_lock(entries: dict[str, LockEntry]) -> str:
    blocks = [_HEADER + f"version = {VERSION}\n"]
    for path in sorted(entries):
        entry = entries[path]
        lines = ["[[skill]]"] + [f"{key} = {toml_string(getattr(entry, key))}" for key in _KEYS]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def write_lock(root: Path, entries: dict[str, LockEntry]) -> None:
    """Replace the lock atomically; with no entries left, delete it (no shared skills, no lock)."""
    if not entries:
        lock_path(root).unlink(missing_ok=True)
        return
    write_atomic(lock_path(root), render_lock(entries).encode("utf-8"))
