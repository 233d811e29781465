"""What a bundled archive holds, read without unpacking it.

A reviewer reads a skill in a diff; an archive shows there as one opaque blob, so whatever
it holds reaches agents unreviewed. Published skills do ship archives, usually a zipped
copy of their own files (one collection's `Archive.zip` holds its SKILL.md and scripts).
The decision (docs/lint.md): lint opens zip and tar archives itself (in memory, bounded)
and scans every text member with the same rules as the folder. An archive whose members
are all text files the skill also ships, unpacked, is a `bundled-archive` warning: stale
copies that say nothing the reviewer cannot read elsewhere, and that lint has read. Any
member the folder lacks, any binary or nested archive, an unsafe member name, or an
archive lint cannot read stays a `binary-file` error: there a reviewer must act.
"""

from __future__ import annotations

import lzma
import posixpath
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

_MAX_MEMBERS = 2000
_MAX_TOTAL = 32 * 1024 * 1024
READABLE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".tbz2", ".txz")


@dataclass
class Contents:
    texts: list[tuple[str, str]] = field(default_factory=list)  # (member name, text) of each text member
    problems: list[str] = field(default_factory=list)  # why a reviewer must open it


def _is_metadata(name: str) -> bool:
    """macOS Finder's resource forks (`__MACOSX/`, `._name`): written by the zip tool, not by the author."""
    base = posixpath.basename(name)
    return name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store"


def _members(path: Path, limit: int) -> Iterator[tuple[str, bytes | None]]:
    """(name, content or None for a non-regular member) of each member, reading at most `limit` + 1 bytes of each."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise ValueError(f"more than {_MAX_MEMBERS} members")
            for info in infos:
                if info.is_dir():
                    continue
                if info.flag_bits & 0x1:
                    raise ValueError("encrypted members")
                with archive.open(info) as handle:
                    yield info.filename, handle.read(limit + 1)
        return
    with tarfile.open(path) as archive:
        declared = 0
        for count, member in enumerate(archive):
            declared += member.size
            if count >= _MAX_MEMBERS:
                raise ValueError(f"more than {_MAX_MEMBERS} members")
            if declared > _MAX_TOTAL:  # reaching the next member would decompress all of this one
                raise ValueError("more content than lint reads")
            if member.isdir():
                continue
            handle = archive.extractfile(member) if member.isreg() else None
            yield member.name, handle.read(limit + 1) if handle else None


def inspect(path: Path, folder: Path, max_bytes: int) -> Contents:
    """Read an archive inside skill `folder`: its text members, and every reason a reviewer must open it."""
    contents = Contents()
    total = 0
    try:
        for name, data in _members(path, max_bytes):
            if _is_metadata(name):
                continue
            normalized = posixpath.normpath(name)
            if name.startswith("/") or normalized == ".." or normalized.startswith("../"):
                contents.problems.append(f"the member '{name}' would unpack outside the folder")
                continue
            if data is None:
                contents.problems.append(f"'{name}' is a link or device, not a file")
                continue
            total += len(data)
            if total > _MAX_TOTAL:
                contents.problems.append("more content than lint reads")
                break
            if len(data) > max_bytes or b"\0" in data[:8192]:
                contents.problems.append(f"'{name}' is binary or too large to review")
                continue
            if not (folder / normalized).is_file():
                contents.problems.append(f"'{name}' is not among the skill's files")
            contents.texts.append((name, data.decode("utf-8", "replace")))
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, tarfile.TarError, RuntimeError, NotImplementedError,
            zlib.error, lzma.LZMAError) as error:  # a damaged stream raises the decompressor's own error
        contents.problems.append(f"lint cannot read it ({error})")
    return contents
