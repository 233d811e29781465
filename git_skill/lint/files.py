"""Integrity of a skill folder: links and referenced files exist and stay inside, scripts run, no blobs."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from git_skill.folders import walk
from git_skill.lint import archives
from git_skill.lint.text_rules import Hit, scan
from git_skill.skills.skill import SkillFile

ARCHIVES = frozenset({".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".war", ".exe", ".dll",
                      ".so", ".dylib", ".bin", ".whl", ".deb", ".rpm", ".dmg", ".iso", ".pyc", ".class", ".o", ".a"})
MEDIA = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".pdf", ".ttf", ".otf", ".woff", ".woff2"})
MARKDOWN = (".md", ".markdown", ".mdx")
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
            column = match.start() + 1
            sibling = None if inside else _sibling_skill(folder, relative)
            if sibling:
                if not (folder / relative).exists():
                    yield Hit("link-broken", start + index, f"the link '{target}' points to a missing file", column)
                yield Hit("cross-skill-link", start + index,
                          f"the link '{target}' reaches into the sibling skill '{sibling}'", column)
            elif not inside:
                yield Hit("path-escape", start + index, f"the link '{target}' leaves the skill folder", column)
            elif not (folder / relative).exists():
                yield Hit("link-broken", start + index, f"the link '{target}' points to a missing file", column)
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
                yield Hit("script-missing", start + index, f"'{reference}' is run but does not exist in the skill",
                          match.start() + 1)
            else:
                yield Hit("reference-missing", start + index, f"'{reference}' is mentioned but does not exist in the skill",
                          match.start() + 1)
        siblings: dict[str, int] = {}  # sibling -> column of its first path
        escape: int | None = None
        for parent_path in _PARENT_PATH.finditer(line):
            if parent_path.group(1) == "](" and not in_fence:
                continue  # a link: checked above
            sibling = _sibling_skill(folder, posixpath.normpath(parent_path.group(2)))
            if sibling:
                siblings.setdefault(sibling, parent_path.start(2) + 1)
            elif parent_path.group(1) != "`" and not in_fence and escape is None:  # code runs in the project
                escape = parent_path.start(2) + 1
        if siblings:
            yield Hit("cross-skill-link", start + index, f"a path into the sibling skill {', '.join(sorted(siblings))}",
                      min(siblings.values()))
        fenced_escape = in_fence and _SKILL_DIR_PARENT.search(line)
        if escape is not None or fenced_escape:
            yield Hit("path-escape", start + index, "a path with '../' leaves the skill folder",
                      escape if escape is not None else fenced_escape.start() + 1)


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


_SCRIPT_SUFFIXES = frozenset({"", ".sh", ".bash", ".zsh", ".fish", ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".rb",
                              ".pl", ".php", ".lua", ".r", ".ps1"})
# What may stand before a path the shell runs as a command: the start of a line (a code block's), a prompt, a
# separator, a command substitution, a word that runs its argument (`exec`, `sudo`, `timeout 5`), or inline code
# after a verb that runs it ("Run `scripts/x.sh`"; "configured via `scripts/x.py`" only names it).
_COMMAND_POSITION = re.compile(r"(?:^|[;&|(]|\$\(|^\s*\$|\b(?:exec|sudo|env|nohup|time|xargs|watch|timeout\s+\S+|then|do|"
                               r"else)|&&|\|\||\b(?:[Rr]un|[Ee]xecute|[Ii]nvoke|[Ll]aunch|[Cc]all)\w*:?\s+`|^\s*`)\s*$")
# An interpreter handed the file: it needs neither #! nor the executable bit.
_INTERPRETER = re.compile(r"(?:^|[\s;&|(`])(?:python[\d.]*|py|bash|sh|zsh|node|deno(?:\s+run)?|bun(?:\s+run)?|tsx|ts-node|"
                          r"npx\s+(?:tsx|ts-node)|ruby|perl|php|pwsh|Rscript|uv\s+run|poetry\s+run|source|\.)"
                          r"(?:\s+-[\w-]+(?:[ =][\w.-]+)?)*\s+$")
_PATH_PREFIX = re.compile(r"[^\s`'\"(=]*$")


def _runnable(path: Path) -> bool:
    """A file that can be a command at all: a script's suffix (or none), not a package's `__init__.py`."""
    return path.suffix.lower() in _SCRIPT_SUFFIXES and path.name != "__init__.py"


@dataclass(frozen=True)
class ScriptUse:
    """How a skill's text uses its files: run as commands (`scripts/x.sh`, `./x.sh`, `<SKILL_DIR>/scripts/x.sh`
    where a command starts), or handed to an interpreter (`python scripts/x.py`)."""

    commands: frozenset[str] = frozenset()
    interpreted: frozenset[str] = frozenset()


def script_use(texts: list[str], relatives: list[str]) -> ScriptUse:
    """Which of `relatives` (paths inside the skill) `texts` run as commands or through an interpreter."""
    commands: set[str] = set()
    interpreted: set[str] = set()
    for relative in relatives:
        if not _runnable(Path(relative)):
            continue
        pattern = re.compile(r"(?<![\w.-])" + re.escape(relative) + r"(?![\w/-]|\.\w)")
        for text in texts:
            if relative not in text:
                continue
            for match in pattern.finditer(text):
                before = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
                prefix = _PATH_PREFIX.search(before)
                spelled = before[prefix.start():] if prefix else ""
                if spelled and not spelled.endswith("/"):
                    continue  # part of another word
                rest = before[: len(before) - len(spelled)]
                if _INTERPRETER.search(rest):
                    interpreted.add(relative)
                elif (spelled or "/" in relative) and _COMMAND_POSITION.search(rest):
                    commands.add(relative)  # a bare name would be looked up on PATH: not this file
    # prose that says "run `x.py`" of a file a code block hands to `python` means that command
    return ScriptUse(frozenset(commands - interpreted), frozenset(interpreted))


def check_files(folder: Path, display: str, max_bytes: int, use: ScriptUse = ScriptUse(),
                paths: list[Path] | None = None) -> Iterator[tuple[str, Hit]]:
    """(display path, hit) for binaries, oversized files and scripts that will not run. Only a file the skill
    runs as a command (`use.commands`) needs the executable bit; it, and a script already executable that the
    skill never hands to an interpreter, need a #! line. A module imported or a file passed to `python`
    needs neither."""
    for path in skill_files(folder) if paths is None else paths:
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
        executable = bool(os.stat(path).st_mode & 0o111)
        named = relative in use.commands
        if named or (executable and relative not in use.interpreted and relative.startswith("scripts/")
                     and _runnable(path)):
            if not head.startswith(b"#!"):
                yield shown, Hit("script-no-shebang", 1, "the script is run as a command but has no #! line")
            if named and not executable:
                yield shown, Hit("script-not-executable", 1, "the skill runs the script as a command but it is not "
                                 "executable (chmod +x)")


def _check_archive(path: Path, folder: Path, shown: str, max_bytes: int) -> Iterator[tuple[str, Hit]]:
    """An archive of copies of the skill's own text files is a warning (lint reads it); anything else is an error."""
    contents = archives.inspect(path, folder, max_bytes)
    for name, text in contents.texts:
        yield from ((f"{shown}!/{name}", hit) for hit in scan(text, markdown=name.lower().endswith(MARKDOWN)))
    if contents.problems:
        shown_problems = "; ".join(contents.problems[:3]) + ("; …" if len(contents.problems) > 3 else "")
        yield shown, Hit("binary-file", 1, f"an archive a reviewer must open: {shown_problems}")
    else:
        yield shown, Hit("bundled-archive", 1, f"an archive of {len(contents.texts)} copies of the skill's own text files "
                         "(lint read them); delete it, the files ship unpacked")


def text_files(folder: Path, paths: list[Path] | None = None) -> Iterator[Path]:
    """Files whose text is scanned for leaks and safety (of `paths`, the skill's files when already listed):
    SKILL.md is scanned separately."""
    for path in skill_files(folder) if paths is None else paths:
        if path.name in ("SKILL.md", "skill.md") and path.parent == folder:
            continue
        if path.suffix.lower() in ARCHIVES | MEDIA:
            continue
        yield path
