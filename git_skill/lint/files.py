"""Integrity of a skill folder: links and referenced files exist and stay inside, scripts run, no blobs."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Iterator

from git_skill.folders import walk
from git_skill.lint.text_rules import Hit
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
            if not inside:
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
        if re.search(r"(?:\]\(|\s|^)\.\./", line):
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


def text_files(folder: Path) -> Iterator[Path]:
    """Files whose text is scanned for leaks and safety: SKILL.md is scanned separately."""
    for path in skill_files(folder):
        if path.name in ("SKILL.md", "skill.md") and path.parent == folder:
            continue
        if path.suffix.lower() in ARCHIVES | MEDIA:
            continue
        yield path
