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

# litellm fetches a price map over the network when imported without this, and test modules
# import it at collection (pytest.importorskip): tests never reach the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from git_skill.cli import main  # noqa: E402 - after the variable above

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


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources fetched by sharing commands go to a per-session cache, never the user's."""
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "git-skill-cache"))


@dataclass
class Upstream:
    """A git repository of skills that tests publish to, reached through a file:// URL."""

    path: Path

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def write(self, relative: str, text: str | bytes) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str = "publish") -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-qm", message)
        return git(self.path, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    """A repository with two skills under `skills/` (pdf-forms with a script, csv-cleaning), committed."""
    path = tmp_path / "upstream"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Upstream")
    git(path, "config", "user.email", "upstream@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    published = Upstream(path)
    published.write("skills/pdf-forms/SKILL.md", skill_text(
        "pdf-forms", "Fill PDF forms with the project's filler. Use when a PDF form must be filled.",
        "# Steps\n\nRun scripts/fill.sh on the form.\n\n## Pitfalls\n\nNone recorded.\n"))
    published.write("skills/pdf-forms/scripts/fill.sh", "#!/bin/sh\necho filling \"$1\"\n")
    (path / "skills/pdf-forms/scripts/fill.sh").chmod(0o755)
    published.write("skills/csv-cleaning/SKILL.md", skill_text(
        "csv-cleaning", "Clean CSV files before loading them. Use when CSV parsing fails on quotes or encodings."))
    published.write("README.md", "Team skills.\n")
    published.commit("first skills")
    return published
