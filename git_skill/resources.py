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


def install_hint(extra: str) -> str:
    """How to install an optional extra for this copy of git-skill: into the source checkout it runs from
    (an editable install, or PYTHONPATH), else from the package index."""
    checkout = _PACKAGE.parent
    pyproject = checkout / "pyproject.toml"
    try:
        ours = pyproject.is_file() and 'name = "git-skill"' in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        ours = False
    if ours:
        return f"pip install -e '{checkout}[{extra}]'"
    return f"pip install 'git-skill[{extra}]'"
