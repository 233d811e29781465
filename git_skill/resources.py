"""Find the files the package ships: schemas, hook scripts, prompts.

In a wheel they live under `git_skill/_data/`; in a source checkout (editable
install, tests) they are the repository's top-level `schemas/` and `hooks/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_file(folder: str, name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / folder / name, _PACKAGE.parent / folder / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"git-skill is missing its data file {folder}/{name}; reinstall it")
