"""Run a command on a real terminal (a pseudo-terminal), as a person at a keyboard would."""

from __future__ import annotations

import os
import pty
import select
import subprocess
from pathlib import Path


def on_terminal(command: list[str], cwd: Path, env: dict[str, str] | None = None, until: bytes | None = None,
                answer: bytes = b"", timeout: float = 60) -> tuple[int, bytes]:
    """(exit code, everything shown): stdin, stdout and stderr are one terminal; once `until` has been
    shown, `answer` is typed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=cwd, stdin=follower, stdout=follower, stderr=follower,
                               env={**os.environ, **(env or {})})
    os.close(follower)
    shown = b""
    try:
        typed = until is None
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            assert ready, f"nothing shown for {timeout} s: {shown!r}"
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not typed and until in shown:
                os.write(leader, answer)
                typed = True
        return process.wait(timeout=timeout), shown
    finally:
        process.kill()
        os.close(leader)
