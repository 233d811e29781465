"""Parse a SOURCE argument: `LOCATION[//SUBPATH][@REF]`.

LOCATION is a local folder, a git URL (`https://`, `ssh://`, `file://`, `git@host:path`), or
`owner/repo` shorthand for GitHub. A local folder wins over the shorthand when both could
apply. SUBPATH picks a folder inside the repository; REF a branch, tag or full commit id.
Subpaths are checked here, before anything is fetched: no absolute paths, no `..`, no `.git`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit, urlunsplit

from git_skill import exit_codes
from git_skill.errors import GitSkillError

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)")
_SHORTHAND = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\\]")


@dataclass(frozen=True)
class Source:
    """Where shared skills come from. `location` is what the lock file records."""

    location: str  # a URL, or a local path as the user gave it
    subpath: str = ""  # POSIX, relative to the repository root; "" for the root
    ref: str = ""  # requested ref; "" means the upstream's HEAD

    @property
    def is_url(self) -> bool:
        return bool(_SCHEME.match(self.location) or _SCP_LIKE.match(self.location))

    def local_path(self, root: Path) -> Path | None:
        """The folder a local source names (relative locations are relative to the repository root)."""
        return None if self.is_url else (root / self.location).resolve()

    def describe(self) -> str:
        text = display_url(self.location)
        if self.subpath:
            text += f"//{self.subpath}"
        return text + (f"@{self.ref}" if self.ref else "")


def display_url(location: str) -> str:
    """A location safe to print: any password in a URL is hidden."""
    if not _SCHEME.match(location):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host))


def check_relative_path(path: str, what: str) -> str:
    """A normalized POSIX relative path, or a refusal: absolute paths, `..`, `.git` and control characters."""
    if _UNSAFE_NAME.search(path):
        raise GitSkillError(f"{what} {path!r} contains a backslash or a control character", exit_codes.USAGE)
    pure = PurePosixPath(path)
    if pure.is_absolute():
        raise GitSkillError(f"{what} {path!r} is absolute; give a path inside the repository", exit_codes.USAGE)
    parts = [p for p in pure.parts if p != "."]
    for part in parts:
        if part == "..":
            raise GitSkillError(f"{what} {path!r} climbs out of the repository with '..'; refused", exit_codes.USAGE)
        if part.lower() == ".git":
            raise GitSkillError(f"{what} {path!r} points into a .git folder; refused", exit_codes.USAGE)
    return "/".join(parts)


def _split_ref(text: str, after: int) -> tuple[str, str]:
    """Split a trailing `@REF` whose `@` comes after position `after` (so `git@host` stays whole)."""
    at = text.rfind("@")
    if at <= after:
        return text, ""
    return text[:at], text[at + 1:]


def parse_source(spec: str, cwd: Path, root: Path) -> Source:
    """Parse `LOCATION[//SUBPATH][@REF]`. A relative local path is read from `cwd` and recorded
    relative to the repository `root`, so the lock file works in every clone."""
    text = spec.strip()
    if not text:
        raise GitSkillError("empty SOURCE", exit_codes.USAGE)
    scheme = _SCHEME.match(text)
    start = scheme.end() if scheme else 0
    if scheme:  # the authority (user@host) ends at the first slash after the scheme
        slash = text.find("/", start)
        authority_end = slash if slash >= 0 else len(text)
    else:
        scp = _SCP_LIKE.match(text)
        authority_end = scp.end() if scp else 0
    separator = text.find("//", max(authority_end, start) + (1 if scheme else 0))
    if separator >= 0:
        location, subpath = text[:separator], text[separator + 2:]
        location, ref = _split_ref(location, authority_end)
        subpath, subpath_ref = _split_ref(subpath, -1)
        if ref and subpath_ref:
            raise GitSkillError(f"{spec}: give @REF once", exit_codes.USAGE)
        ref = ref or subpath_ref
    else:
        location, ref = _split_ref(text, authority_end)
        subpath = ""
    if "@" in spec and not ref and spec.rstrip().endswith("@"):
        raise GitSkillError(f"{spec}: empty @REF", exit_codes.USAGE)
    if ref and (ref.startswith("-") or _UNSAFE_NAME.search(ref) or " " in ref or ".." in ref):
        raise GitSkillError(f"{spec}: {ref!r} is not a valid ref", exit_codes.USAGE)
    subpath = check_relative_path(subpath, "subpath") if subpath else ""
    if scheme or _SCP_LIKE.match(location):
        if scheme and urlsplit(location).password is not None:
            raise GitSkillError(
                f"{display_url(location)}: the URL holds a password, and SOURCE is written to skills.lock; "
                "use a git credential helper instead", exit_codes.USAGE)
        return Source(location.rstrip("/"), subpath, ref)
    local = (cwd / location).resolve() if not Path(location).is_absolute() else Path(location)
    if local.exists():
        if not local.is_dir():
            raise GitSkillError(f"{location} is a file; SOURCE must be a folder or a repository", exit_codes.USAGE)
        recorded = str(local) if Path(location).is_absolute() else os.path.relpath(local, root.resolve())
        return Source(Path(recorded).as_posix(), subpath, ref)
    if _SHORTHAND.match(location):
        return Source(f"https://github.com/{location.removesuffix('.git')}.git", subpath, ref)
    raise GitSkillError(f"{location}: no such folder, and not a git URL or owner/repo shorthand", exit_codes.USAGE)
