"""Integrity of a skill folder: links and referenced files exist and stay inside, scripts run, no blobs."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Iterator

from git_skill.folders import walk
from git_skill.lint import archives
from git_skill.lint.text_rules import Hit, scan
from git_skill.skills.skill import SkillFile

ARCHIVES = frozenset({".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".war", ".exe", ".dll",
                      ".so", ".dylib", ".bin", ".whl", ".deb", ".rpm", ".dmg", ".iso", ".pyc", ".class", ".o", ".a"})
MEDIA = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".pdf", ".ttf", ".otf", ".woff", ".woff2"})
_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"(?<![\w/.-])((?:scripts|references|assets)/[\w.@+-]+(?:/[\w.@+-]+)*)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SKILL_DIR = re.compile(r"(?:<SKILL_DIR>|\$\{?(?:CLAUDE_)?SKILL_DIR\}?|\{baseDir\}|\$\{?SKILL_ROOT\}?)/$")


def _outside_fences(body: str) -> list[tuple[int, str]]:
    out, in_fence = [], False
    for index, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            out.append((index, line))
    return out


_SKILL_DIR_PARENT = re.compile(r"(?:<SKILL_DIR>|\$\{?(?:CLAUDE_)?SKILL_DIR\}?|\{baseDir\}|\$\{?SKILL_ROOT\}?)/\.\./")
_PARENT_PATH = re.compile(r"(\]\(|\s|^|`)(\.\./[^\s`'\")\]]*)")


def _sibling_skill(folder: Path, relative: str) -> str | None:
    """The sibling skill (another skill folder of the same collection) that a `../…` path lands in, if any:
    `../other/x.md`, or `../../skills/other/x.md` that climbs out and back in."""
    target = Path(os.path.normpath(folder / relative))
    try:
        parts = target.relative_to(folder.parent).parts
    except ValueError:
        return None
    if not parts or parts[0] in (folder.name, "..", "."):
        return None
    sibling = folder.parent / parts[0]
    return parts[0] if (sibling / "SKILL.md").is_file() or (sibling / "skill.md").is_file() else None


def _resolve(folder: Path, target: str) -> tuple[str, bool]:
    """(normalized relative path, stays inside the folder)."""
    if target.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", target):
        return target, False
    normalized = posixpath.normpath(target)
    return normalized, not (normalized == ".." or normalized.startswith("../"))


def check_links(skill: SkillFile, folder: Path) -> Iterator[Hit]:
    start = skill.body_start_line
    for index, line in _outside_fences(skill.body):
        for match in _LINK.finditer(line):
            target = match.group(1)
            if re.match(r"[a-zA-Z][\w+.-]*:", target) or target.startswith("#"):
                continue  # URLs, mailto:, anchors
            target = target.split("#", 1)[0].split("?", 1)[0]
            if not target:
                continue
            relative, inside = _resolve(folder, target)
            sibling = None if inside else _sibling_skill(folder, relative)
            if sibling:
                if not (folder / relative).exists():
                    yield Hit("link-broken", start + index, f"the link '{target}' points to a missing file")
                yield Hit("cross-skill-link", start + index,
                          f"the link '{target}' reaches into the sibling skill '{sibling}'")
            elif not inside:
                yield Hit("path-escape", start + index, f"the link '{target}' leaves the skill folder")
            elif not (folder / relative).exists():
                yield Hit("link-broken", start + index, f"the link '{target}' points to a missing file")
    in_fence = False
    for index, line in enumerate(skill.body.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        for match in _REFERENCE.finditer(line):
            reference = match.group(1).rstrip(".,:;")
            if any(c in reference for c in "*<>{}$") or reference.endswith("/") or (folder / reference).exists():
                continue
            if in_fence or _SKILL_DIR.search(line[: match.start()]):
                yield Hit("script-missing", start + index, f"'{reference}' is run but does not exist in the skill")
            else:
                yield Hit("reference-missing", start + index, f"'{reference}' is mentioned but does not exist in the skill")
        siblings: set[str] = set()
        escapes = False
        for parent_path in _PARENT_PATH.finditer(line):
            if parent_path.group(1) == "](" and not in_fence:
                continue  # a link: checked above
            sibling = _sibling_skill(folder, posixpath.normpath(parent_path.group(2)))
            if sibling:
                siblings.add(sibling)
            elif parent_path.group(1) != "`" and not in_fence:  # code runs in the project, not in the skill folder
                escapes = True
        if siblings:
            yield Hit("cross-skill-link", start + index, f"a path into the sibling skill {', '.join(sorted(siblings))}")
        if escapes or (in_fence and _SKILL_DIR_PARENT.search(line)):
            yield Hit("path-escape", start + index, "a path with '../' leaves the skill folder")


def skill_files(folder: Path) -> Iterator[Path]:
    """Files of this skill: its folder minus nested skills, symlinks not followed."""
    for root, dirs, names in walk(folder):
        base = Path(root)
        dirs[:] = sorted(d for d in dirs if d != ".git" and not (base / d / "SKILL.md").exists()
                         and not (base / d).is_symlink())
        for name in sorted(names):
            path = base / name
            if not path.is_symlink() and path.is_file():  # a FIFO or device would block the read
                yield path


def check_files(folder: Path, display: str, max_bytes: int) -> Iterator[tuple[str, Hit]]:
    """(display path, hit) for binaries, oversized files and scripts that will not run."""
    for path in skill_files(folder):
        relative = path.relative_to(folder).as_posix()
        shown = posixpath.join(display, relative)
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(8192)
        except OSError:
            continue
        suffix = path.suffix.lower()
        if path.name.lower().endswith(archives.READABLE_SUFFIXES):
            yield from _check_archive(path, folder, shown, max_bytes)
            continue
        if suffix in ARCHIVES or (b"\0" in head and suffix not in MEDIA):
            yield shown, Hit("binary-file", 1, "a binary or archive file cannot be reviewed")
            continue
        if size > max_bytes:
            yield shown, Hit("oversized-file", 1, f"{size:,} bytes; the limit is {max_bytes:,}")
        if relative.startswith("scripts/") and suffix not in MEDIA:
            if not head.startswith(b"#!"):
                yield shown, Hit("script-no-shebang", 1, "the script has no #! line")
            if not os.stat(path).st_mode & 0o111:
                yield shown, Hit("script-not-executable", 1, "the script is not executable (chmod +x)")


def _check_archive(path: Path, folder: Path, shown: str, max_bytes: int) -> Iterator[tuple[str, Hit]]:
    """An archive of copies of the skill's own text files is a warning (lint reads it); anything else is an error."""
    contents = archives.inspect(path, folder, max_bytes)
    for name, text in contents.texts:
        yield from ((f"{shown}!/{name}", hit) for hit in scan(text))
    if contents.problems:
        shown_problems = "; ".join(contents.problems[:3]) + ("; …" if len(contents.problems) > 3 else "")
        yield shown, Hit("binary-file", 1, f"an archive a reviewer must open: {shown_problems}")
    else:
        yield shown, Hit("bundled-archive", 1, f"an archive of {len(contents.texts)} copies of the skill's own text files "
                         "(lint read them); delete it, the files ship unpacked")


def text_files(folder: Path) -> Iterator[Path]:
    """Files whose text is scanned for leaks and safety: SKILL.md is scanned separately."""
    for path in skill_files(folder):
        if path.name in ("SKILL.md", "skill.md") and path.parent == folder:
            continue
        if path.suffix.lower() in ARCHIVES | MEDIA:
            continue
        yield path
