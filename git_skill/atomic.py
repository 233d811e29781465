"""Write files and swap folders so that a crash or a concurrent reader never sees half of anything.

Files: git's own pattern, a temporary file in the same folder, fsynced, then `os.replace`d
over the target (atomic on POSIX within one filesystem), with the permissions a plain
`open()` would give (the umask applies).

Folders: new content is staged beside its destination (same filesystem, so the renames are
atomic) under a name discovery never reads as a skill, and a journal beside the repository
lock records every step. An interrupted run (SIGKILL, a power cut) leaves the journal
behind; the next run that takes the lock rolls it back (or, past the commit point, finishes
it) before doing anything else.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from git_skill import folders
from git_skill.folders import make_folders

STAGING_MARK = ".git-skill-new-"
SET_ASIDE_MARK = ".git-skill-old-"


# `.NAME.git-skill-PID`: the staging name agents' links and copies had before they took the marks above.
_EARLIER_STAGING = re.compile(r"\..+\.git-skill-\d+\Z")


def is_staging_name(name: str) -> bool:
    """A folder a swap is building or setting aside: never a skill of its own."""
    return name.startswith(".") and (STAGING_MARK in name or SET_ASIDE_MARK in name
                                     or _EARLIER_STAGING.match(name) is not None)


def set_aside(path: Path) -> Path:
    """Rename a folder (or link) out of the way under a name discovery skips, to delete it after: a run cut
    short mid-delete leaves a leftover the next run clears, never a half-deleted folder read as a skill."""
    aside = path.with_name(f".{path.name}{SET_ASIDE_MARK}{os.getpid()}")
    remove_tree(aside)
    os.rename(path, aside)
    return aside


def clear_leftovers(folders_to_scan: list[Path]) -> list[Path]:
    """Delete the staging and set-aside folders runs killed before their clean-up left in these folders.

    Called by the repository lock's first holder, after any journal was replayed: every run that stages
    holds that lock, so what carries a staging name then belongs to no live run."""
    cleared = []
    for folder in folders_to_scan:
        try:
            with os.scandir(folder) as scan:
                leftovers = [Path(entry.path) for entry in scan if is_staging_name(entry.name)]
        except OSError:
            continue
        for leftover in leftovers:
            remove_tree(leftover)
            cleared.append(leftover)
    return cleared


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` in one step; `mode` None means 0666 less the umask, as `open()` does."""
    make_folders(path.parent)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode if mode is not None else 0o666 & ~current_umask())
        os.replace(temp_name, path)
    except BaseException as error:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError) and error.filename is None:
            error.filename = str(path)  # a full disk fails the write, not the open: name the file it was for
        raise


def remove_tree(path: Path, ignore_errors: bool = True) -> None:
    """Remove a folder (never following links), or the link or file standing in its place."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        folders.remove_tree(path, ignore_errors=ignore_errors)


def write_journal(journal: Path, record: dict) -> None:
    write_atomic(journal, json.dumps(record, indent=1).encode("utf-8"), mode=0o644)


def recover_interrupted(journal: Path) -> list[str]:
    """Undo (or, past its commit point, finish) the swap an interrupted run left in `journal`.

    Called with the repository lock held, so no live run owns the journal. Returns what it did.
    """
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        moves = [(m["staging"], m["destination"], m["old"]) for m in record["moves"]]
        guarded: dict[str, str | None] = dict(record.get("files") or {})
        state = record["state"]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # unreadable: nothing can be replayed from it
        return []
    done: list[str] = []
    if state == "done":  # everything is in place and recorded: only the old copies remain
        for _, _, old in moves:
            if old and os.path.lexists(old):
                remove_tree(Path(old))
        done.append("finished an interrupted run's cleanup")
    else:
        for staging, destination, old in reversed(moves):
            moved_in = staging is not None and not os.path.lexists(staging) and os.path.lexists(destination)
            if state == "swapping" and moved_in:
                remove_tree(Path(destination))
            if staging is not None and os.path.lexists(staging):
                remove_tree(Path(staging))
            if old and os.path.lexists(old) and not os.path.lexists(destination):
                os.rename(old, destination)
        if state == "swapping":
            for name, text in guarded.items():
                if text is None:
                    Path(name).unlink(missing_ok=True)
                else:
                    write_atomic(Path(name), text.encode("utf-8"))
        done.append("rolled back an interrupted run")
    for name in guarded:  # a write_atomic of a guarded file cut short leaves its temporary file
        for leftover in Path(name).parent.glob(f".{Path(name).name}.*.tmp"):
            leftover.unlink(missing_ok=True)
    journal.unlink(missing_ok=True)
    return done
