"""What a model provider may learn about this machine: no more than a skill file would show.

Secrets are redacted when a transcript is read (text/redact.py). A request to a provider
also carries paths, and those say who and where the user is: the trial's absolute path,
`/Users/<name>/…` in a traceback, a container's hostname in every shell prompt. Every
message a request sends passes through `ProviderRedaction` last, so no caller can forget
it: folders of this machine (the repository, the sources, the home and temporary
folders) become names relative to them, other home folders lose their user names, and
container ids become a placeholder, as the distiller's output does (learning/generalize.py).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

from git_skill.learning.generalize import private_details


def _spellings(folder: Path) -> set[str]:
    """The folder as written and as resolved (a /tmp that is a link to /private/tmp has two)."""
    found = {str(folder)}
    try:
        found.add(str(folder.resolve()))
    except (OSError, RuntimeError):
        pass
    return {spelling.rstrip("/") for spelling in found if len(spelling.rstrip("/")) > 1}


class ProviderRedaction:
    """Rewrites a request's text so that it names no folder of this machine and no user."""

    def __init__(self, repository: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._add(Path.home(), "~")
        self._add(Path(tempfile.gettempdir()), "<tmp>")
        self._add(Path.cwd(), ".")
        if repository is not None:
            self._add(repository, ".")

    def _add(self, folder: Path, name: str) -> None:
        with self._lock:
            for spelling in _spellings(folder):
                self._names[spelling] = name
            self._pattern = None

    def add_source(self, source: Path) -> None:
        """A source is named by its own name: `/…/runs/fix-git.3-of-5/sessions/tests.log` -> `fix-git.3-of-5/…`."""
        self._add(Path(os.path.abspath(source)).parent, "")

    def __call__(self, text: str) -> str:
        with self._lock:
            if self._pattern is None:
                # longest first, so a source inside the temporary folder keeps its own short name
                spellings = sorted(self._names, key=len, reverse=True)
                self._pattern = re.compile("|".join(f"{re.escape(s)}(?![\\w.-])/?" for s in spellings))
            pattern, names = self._pattern, dict(self._names)

        def relative(match: re.Match[str]) -> str:
            found = match.group(0)
            name = names[found.rstrip("/")]
            if found.endswith("/"):
                return f"{name}/" if name else ""
            return name or "."

        return private_details(pattern.sub(relative, text) if names else text)
