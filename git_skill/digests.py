"""Content digests: a file's SHA-256, and Harbor's folder digest (comparable with Harbor's records).

Harbor's folder digest: SHA-256 over the folder's files sorted by POSIX relative path,
feeding for each file its relative path, a NUL byte, the hex SHA-256 of its bytes and a
NUL byte; written `sha256:<hex>`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from git_skill.folders import walk

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _combine(hashed: list[tuple[str, str]]) -> str:
    total = hashlib.sha256()
    for relative, hex_digest in sorted(hashed):
        total.update(relative.encode("utf-8") + b"\0" + hex_digest.encode("ascii") + b"\0")
    return f"sha256:{total.hexdigest()}"


def files_digest(files: Mapping[str, bytes]) -> str:
    """The folder digest of files held in memory (relative POSIX path -> bytes)."""
    return _combine([(path, hashlib.sha256(data).hexdigest()) for path, data in files.items()])


def folder_digest(folder: Path, skip: frozenset[str] = frozenset()) -> str:
    """`skip`: top-level names left out (a copy's own marker file)."""
    files = []
    for root, dirs, names in walk(folder):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            if root == str(folder) and name in skip:
                continue
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                files.append((path.relative_to(folder).as_posix(), path))
    return _combine([(relative, file_sha256(path)) for relative, path in files])


def source_digest(path: Path) -> str:
    """The digest of a transcript file or a trial folder."""
    return folder_digest(path) if path.is_dir() else f"sha256:{file_sha256(path)}"
