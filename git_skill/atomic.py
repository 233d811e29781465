"""Write files so that a crash or a concurrent reader never sees half a file.

git's own pattern: write a temporary file in the same folder, fsync it, then
`os.replace` it over the target (atomic on POSIX within one filesystem).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from git_skill.folders import make_folders


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    make_folders(path.parent)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
