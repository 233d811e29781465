"""Walking folder trees without recursion, and refusing files that cannot be read safely.

`os.walk` recurses once per level before Python 3.12, so a skill nested 1,500 folders deep
raised RecursionError. `walk` is its top-down, iterative twin: the same (folder, dirs, names)
triples in the same order, pruning by assigning to `dirs`, links to folders listed in `dirs`
but not followed, unreadable folders skipped.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def walk(top: Path | str) -> Iterator[tuple[str, list[str], list[str]]]:
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:
            continue
        dirs: list[str] = []
        names: list[str] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link that loops: listed as a file, as os.walk does
                is_dir = False
            (dirs if is_dir else names).append(entry.name)
        yield folder, dirs, names
        stack.extend(path for path in (os.path.join(folder, name) for name in reversed(dirs))
                     if not os.path.islink(path))


def require_readable(path: Path, folder_ok: bool = False) -> None:
    """Refuse a FIFO, socket or device (and a folder unless `folder_ok`): opening one can wait forever."""
    from git_skill import exit_codes
    from git_skill.errors import GitSkillError

    if path.exists() and not (path.is_file() or (folder_ok and path.is_dir())):
        kind = "a folder" if path.is_dir() else "not a regular file (a FIFO, socket or device)"
        raise GitSkillError(f"{path}: {kind}; not read", exit_codes.BAD_INPUT)


def make_folders(path: Path) -> None:
    """`path.mkdir(parents=True, exist_ok=True)` without its recursion per missing level."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)


def remove_tree(path: Path | str, ignore_errors: bool = False) -> None:
    """`shutil.rmtree` without its recursion per level (before Python 3.12): children first, links
    removed and never followed; what is already gone is no error, nor is anything with `ignore_errors`."""
    quiet = OSError if ignore_errors else FileNotFoundError
    for folder, dirs, names in reversed(list(walk(path))):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            with contextlib.suppress(quiet):
                os.unlink(os.path.join(folder, name))
        with contextlib.suppress(quiet):
            os.rmdir(folder)


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder removed with `remove_tree` (TemporaryDirectory's clean-up recurses per level)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        remove_tree(path)
