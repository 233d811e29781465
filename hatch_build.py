"""Build hook: generate the man page `git-skill.1` from the commands' click help, at build time.

It goes into the wheel as shared data (`share/man/man1/git-skill.1`), so after `pip install`
`man git-skill` finds it beside the environment's `bin/` and `git skill --help` shows it. It is
rendered on every build, never committed, so it cannot go stale.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ManPageHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        sys.path.insert(0, self.root)
        try:
            from git_skill.manual.manpage import render

            page = render()
        finally:
            sys.path.remove(self.root)
        self._folder = Path(tempfile.mkdtemp(prefix="git-skill-man-"))
        target = self._folder / "git-skill.1"
        target.write_text(page, encoding="utf-8")
        build_data.setdefault("shared_data", {})[str(target)] = "share/man/man1/git-skill.1"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)
