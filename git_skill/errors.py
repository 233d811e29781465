"""One exception type that carries a user-facing message and its exit code."""

from __future__ import annotations

from git_skill import exit_codes


class GitSkillError(Exception):
    """An error meant for the user: printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = exit_codes.BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
