"""The SKILL.md model: frontmatter + body, read precisely and written back faithfully.

A `SkillFile` keeps the file's own text: the opening `---` line, the frontmatter lines,
the closing line and the body, each with its original line endings. Writing an
unchanged skill gives back identical bytes; `set_field` rewrites only the lines of
that one key, so comments, key order, quoting and line endings elsewhere survive.
Every way a file can be malformed becomes a `Finding`, never an exception.
(python-frontmatter silently returns empty metadata for several of these cases,
which is why the splitting is done here; see docs/security.md.)
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from git_skill.skills import yaml_reader
from git_skill.errors import GitSkillError
from git_skill.findings import Finding, Severity

SKILL_FILE_NAME = "SKILL.md"
MAX_SKILL_BYTES = 5 * 1024 * 1024
BOM = b"\xef\xbb\xbf"

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_FENCE = re.compile(r"---[ \t]*(?:\r\n|\r|\n)?\Z")
_DOCUMENT_END = re.compile(r"\.\.\.[ \t]*(?:\r\n|\r|\n)?\Z")


def split_lines(text: str) -> list[str]:
    """Split on \\n, \\r\\n and \\r only (str.splitlines also splits on \\x0c, \\u2028, ...)."""
    return _LINE.findall(text)


def line_ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


class _Dumper(yaml.SafeDumper):
    """Writes one key the way a person would: block style, literal blocks for multi-line text."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_field(key: str, value: Any, newline: str) -> list[str]:
    """The lines of one top-level `key: value`, ending with `newline`."""
    text = yaml.dump(
        {key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096
    )
    return [line.rstrip("\n") + newline for line in text.splitlines(keepends=True)]


@dataclass
class SkillFile:
    """One SKILL.md as written. `fields` is None when the frontmatter could not be read."""

    path: str
    folder_name: str
    raw: bytes
    bom: bool = False
    opening: str = ""
    frontmatter_lines: list[str] = field(default_factory=list)
    closing: str = ""
    body: str = ""
    newline: str = "\n"
    fields: dict[str, Any] | None = None
    spans: dict[str, yaml_reader.KeySpan] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    modified: bool = False

    # ----------------------------------------------------------------- reading
    @classmethod
    def from_bytes(cls, raw: bytes, path: str, folder_name: str) -> SkillFile:
        skill = cls(path=path, folder_name=folder_name, raw=raw)
        skill._parse()
        return skill

    @property
    def has_frontmatter(self) -> bool:
        return bool(self.opening)

    @property
    def body_start_line(self) -> int:
        """1-based line where the body starts."""
        if not self.has_frontmatter:
            return 1
        return 3 + len(self.frontmatter_lines)

    def field_line(self, key: str) -> int | None:
        """1-based file line of a top-level key, if present."""
        span = self.spans.get(key)
        return span.start_line + 2 if span else None

    def _finding(self, rule: str, message: str, line: int | None = None, column: int | None = None,
                 severity: Severity = Severity.ERROR) -> None:
        self.findings.append(Finding(self.path, rule, severity, message, line, column))

    def _parse(self) -> None:
        raw = self.raw
        if os.path.basename(self.path) == "skill.md":
            self._finding("file-name", "name the file SKILL.md; lowercase skill.md is not in the specification", 1,
                          severity=Severity.WARNING)
        if not raw:
            self._finding("file-empty", "SKILL.md is empty; it needs frontmatter with name and description", 1)
            return
        if len(raw) > MAX_SKILL_BYTES:
            self._finding(
                "file-too-large",
                f"SKILL.md is {len(raw):,} bytes; the limit is {MAX_SKILL_BYTES:,} (move material to references/)",
            )
            return
        if raw.startswith(BOM):
            self.bom = True
            self._finding("file-bom", "SKILL.md starts with a UTF-8 byte-order mark; many loaders then miss the frontmatter", 1, 1)
            raw = raw[len(BOM):]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self._finding("file-encoding", f"SKILL.md is not valid UTF-8 (byte 0x{raw[error.start]:02x})", line)
            return
        lines = split_lines(text)
        first = lines[0] if lines else ""
        if not _FENCE.match(first):
            self._finding("frontmatter-missing", "SKILL.md must start with YAML frontmatter opened by a '---' line", 1, 1)
            self.body = text
            self.fields = None
            return
        self.newline = line_ending(first) or "\n"
        if self.newline == "\r":
            self._finding(
                "file-line-endings", "SKILL.md uses old Mac (CR-only) line endings; several loaders then miss the frontmatter",
                1, severity=Severity.WARNING,
            )
        closing_index = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
        if closing_index is None or not line_ending(first):
            dots = next((i for i in range(1, len(lines)) if _DOCUMENT_END.match(lines[i])), None)
            hint = f"; line {dots + 1} has '...', but frontmatter must close with '---'" if dots is not None else ""
            self._finding("frontmatter-unterminated", f"the frontmatter opened on line 1 is never closed by a '---' line{hint}", 1, 1)
            self.body = text
            return
        self.opening = first
        self.frontmatter_lines = lines[1:closing_index]
        self.closing = lines[closing_index]
        self.body = "".join(lines[closing_index + 1:])
        self._read_frontmatter()

    def _read_frontmatter(self) -> None:
        loaded = yaml_reader.load("".join(self.frontmatter_lines), line_offset=1)
        for problem in loaded.problems:
            self._finding(problem.rule, problem.message, problem.line + 2, problem.column + 1)
        if any(p.rule in ("frontmatter-yaml-syntax", "frontmatter-tab") for p in loaded.problems):
            return
        value = {} if loaded.value is None else loaded.value
        if not isinstance(value, dict):
            kind = "a list" if isinstance(value, list) else f"a {type(value).__name__} value"
            self._finding("frontmatter-not-mapping", f"frontmatter must be a YAML mapping of fields, not {kind}", 2, 1)
            return
        self.fields = value
        self.spans = loaded.spans

    # ----------------------------------------------------------------- writing
    def to_bytes(self) -> bytes:
        """The file's bytes: identical to the input unless something was changed."""
        if not self.modified:
            return self.raw
        text = self.opening + "".join(self.frontmatter_lines) + self.closing + self.body
        return (BOM if self.bom else b"") + text.encode("utf-8")

    def _require_fields(self) -> dict[str, Any]:
        if self.fields is None:
            raise GitSkillError(f"{self.path}: cannot edit a skill whose frontmatter is unreadable; fix it first")
        return self.fields

    def set_field(self, key: str, value: Any) -> None:
        """Set one top-level field, rewriting only its own lines."""
        self._require_fields()
        new_lines = dump_field(key, value, self.newline)
        span = self.spans.get(key)
        if span is None:
            self.frontmatter_lines = self.frontmatter_lines + new_lines
        else:
            self.frontmatter_lines = (
                self.frontmatter_lines[: span.start_line] + new_lines + self.frontmatter_lines[span.end_line:]
            )
        self._reparse()

    def remove_field(self, key: str) -> None:
        """Remove one top-level field and only its lines."""
        self._require_fields()
        span = self.spans.get(key)
        if span is None:
            return
        self.frontmatter_lines = self.frontmatter_lines[: span.start_line] + self.frontmatter_lines[span.end_line:]
        self._reparse()

    def set_body(self, body: str) -> None:
        """Replace the Markdown body (line endings converted to the file's own)."""
        self._require_fields()
        if self.newline != "\n":
            body = body.replace("\r\n", "\n").replace("\n", self.newline)
        self.body = body
        self.modified = True

    def _reparse(self) -> None:
        self.modified = True
        self.findings = [f for f in self.findings if not f.rule.startswith("frontmatter-")]
        self._read_frontmatter()


_HEADING = re.compile(r"^#{1,6}\s+\S")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")


def body_sections(body: str) -> list[tuple[tuple[str, int], str]]:
    """((heading line, occurrence), text) for the preamble and each heading's section."""
    out: list[tuple[tuple[str, int], str]] = []
    seen: dict[str, int] = {}
    current_key, current = ("", 0), []
    in_fence = False
    for line in split_lines(body):
        if _CODE_FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _HEADING.match(line):
            out.append((current_key, "".join(current)))
            heading = line.strip()
            seen[heading] = seen.get(heading, 0) + 1
            current_key, current = (heading, seen[heading]), []
        current.append(line)
    out.append((current_key, "".join(current)))
    return [item for item in out if item[0] != ("", 0) or item[1]]


def new_skill_text(name: str, description: str, body: str, extra: dict[str, Any] | None = None) -> str:
    """The text of a fresh SKILL.md (used by learn and by tests)."""
    lines = dump_field("name", name, "\n") + dump_field("description", description, "\n")
    for key, value in (extra or {}).items():
        lines += dump_field(key, value, "\n")
    return "---\n" + "".join(lines) + "---\n\n" + body.lstrip("\n")


def read_skill_file(path: Path, display_path: str | None = None) -> SkillFile:
    """Read a SKILL.md from disk; size is checked before reading and I/O errors become findings."""
    shown = display_path or str(path)
    folder = path.parent.name
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):  # a FIFO or device would block the read forever
            skill = SkillFile(path=shown, folder_name=folder, raw=b"")
            skill._finding("file-not-regular", "SKILL.md is not a regular file (a FIFO, socket, device or folder); "
                           "not opened")
            return skill
        size = status.st_size
        if size > MAX_SKILL_BYTES:
            skill = SkillFile(path=shown, folder_name=folder, raw=b"")
            skill._finding(
                "file-too-large",
                f"SKILL.md is {size:,} bytes; the limit is {MAX_SKILL_BYTES:,} (move material to references/)",
            )
            return skill
        raw = path.read_bytes()
    except OSError as error:
        skill = SkillFile(path=shown, folder_name=folder, raw=b"")
        skill._finding("file-unreadable", f"cannot read SKILL.md: {error.strerror or error}")
        return skill
    return SkillFile.from_bytes(raw, shown, folder)
