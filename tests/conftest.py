"""Shared helpers: real git repositories in temporary folders, skills on disk, the CLI in-process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pygit2
import pytest

from git_skill.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"

GOOD_DESCRIPTION = "Format Python files with the project's settings. Use when code style checks fail."


def skill_text(name: str, description: str = GOOD_DESCRIPTION, body: str = "# Steps\n\nRun the formatter.\n",
               extra: str = "") -> str:
    return f"---\nname: {name}\ndescription: {description}\n{extra}---\n\n{body}"


def write_skill(root: Path, name: str, text: str | None = None, folder: str | None = None) -> Path:
    """Write `<root>/<folder or name>/SKILL.md` and return the skill folder."""
    skill_dir = root / (folder or name)
    skill_dir.mkdir(parents=True, exist_ok=True)
    (skill_dir / "SKILL.md").write_text(text if text is not None else skill_text(name), encoding="utf-8")
    return skill_dir


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository (made with pygit2) with an identity configured."""
    path = tmp_path / "repo"
    repository = pygit2.init_repository(str(path), initial_head="main")
    repository.config["user.name"] = "Test"
    repository.config["user.email"] = "test@example.invalid"
    repository.config["commit.gpgsign"] = "false"
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path) -> Run:
    """Run `git skill ARGS` in-process from `cwd`, as the installed entry point would."""
    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 0
    finally:
        os.chdir(previous)
    return Run(code, out.getvalue(), err.getvalue())


def git_skill_executable() -> str:
    """The installed console script, next to the running interpreter."""
    candidate = Path(sys.executable).with_name("git-skill")
    return str(candidate) if candidate.exists() else "git-skill"


def env_with_git_skill() -> dict[str, str]:
    """An environment in which `git skill` and `git-skill` resolve to this installation."""
    env = dict(os.environ)
    env["PATH"] = str(Path(git_skill_executable()).parent) + os.pathsep + env.get("PATH", "")
    return env


requires_shared = pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="../shared/fixtures is absent")
