"""Bad input and corrupt state: every command gives a documented exit code and one clear line, never
exit 70 or a hang (issue 11, defects 7, 8, 10, 11 and the smaller ones of 15)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import env_with_git_skill, git, git_skill_executable, run_cli, skill_text, write_skill

INTERNAL_ERROR = 70


def committed_repo(path: Path) -> Path:
    """A repository with one valid skill committed, made with the git binary."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "T")
    git(path, "config", "user.email", "t@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    write_skill(path / ".agents" / "skills", "alpha")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "alpha")
    return path


def run_process(*args: str, cwd: Path, timeout: float = 20, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The installed executable in a real process: a hang becomes a test failure, not a stuck suite."""
    return subprocess.run([git_skill_executable(), *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=timeout, env=env_with_git_skill())


def _garbage_head(repo: Path) -> None:
    (repo / ".git" / "HEAD").write_text("garbage\n")


def _missing_commit(repo: Path) -> None:
    (repo / ".git" / "refs" / "heads" / "main").write_text("1234567890123456789012345678901234567890\n")


def _missing_tree(repo: Path) -> None:
    tree = git(repo, "rev-parse", "HEAD^{tree}").stdout.strip()
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()


BROKEN_REPOSITORIES = {"garbage-head": _garbage_head, "missing-commit": _missing_commit, "missing-tree": _missing_tree}
EVERY_COMMAND = [["validate"], ["validate", "--staged"], ["lint"], ["lint", "--staged"], ["list"], ["diff"],
                 ["status"], ["update"], ["remove", "alpha"], ["install"], ["learn", "--dry-run"], ["add", "x"],
                 ["digest"]]


@pytest.mark.parametrize("damage", sorted(BROKEN_REPOSITORIES))
def test_broken_repository_is_exit_3_on_every_command(tmp_path: Path, damage: str) -> None:
    repo = committed_repo(tmp_path / "repo")
    BROKEN_REPOSITORIES[damage](repo)
    for args in EVERY_COMMAND:
        result = run_cli(*args, cwd=repo)
        assert result.code == 3, (args, result.err)
        assert "broken" in result.err and "internal error" not in result.err, (args, result.err)


def test_broken_repository_blocks_the_installed_hook_with_exit_3(tmp_path: Path) -> None:
    """The hook path in a real process, as git runs it."""
    repo = committed_repo(tmp_path / "repo")
    _missing_tree(repo)
    for args in (["validate", "--staged"], ["lint", "--staged"]):
        result = run_process(*args, cwd=repo)
        assert result.returncode == 3, result.stderr
        assert b"Traceback" not in result.stderr


def test_object_missing_from_the_index_is_exit_3(tmp_path: Path) -> None:
    """HEAD is fine but a staged blob is gone: the class of unreadable-repository errors is exit 3."""
    repo = committed_repo(tmp_path / "repo")
    skill = repo / ".agents" / "skills" / "alpha" / "SKILL.md"
    skill.write_text(skill_text("alpha", body="# Steps\n\nA new step.\n"))
    git(repo, "add", "-A")
    blob = git(repo, "rev-parse", ":.agents/skills/alpha/SKILL.md").stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for args in (["validate", "--staged"], ["lint", "--staged"]):
        result = run_cli(*args, cwd=repo)
        assert result.code == 3, (args, result.err)


@pytest.mark.parametrize("args", [["validate"], ["lint"], ["list"], ["diff"], ["validate", "skills/f/SKILL.md"],
                                  ["lint", "skills/f"], ["list", "skills/f"]])
def test_a_fifo_named_skill_md_never_hangs(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    (repo / "skills" / "f").mkdir(parents=True)
    os.mkfifo(repo / "skills" / "f" / "SKILL.md")
    result = run_process(*args, cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    if args[0] in ("validate", "lint"):
        assert result.returncode == 1 and b"file-not-regular" in result.stdout, result.stdout
    if args[0] == "list":
        assert b"file-not-regular" in result.stderr


def test_a_fifo_inside_a_skill_is_not_opened_by_lint(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    os.mkfifo(repo / ".agents" / "skills" / "alpha" / "notes.md")
    result = run_process("lint", cwd=repo)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [["validate"], ["lint"], ["list"], ["diff"], ["validate", ".agents/skills/loop1"]])
def test_a_symlink_cycle_is_a_finding(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    skills = repo / ".agents" / "skills"
    (skills / "loop1").symlink_to("loop2")
    (skills / "loop2").symlink_to("loop1")
    (skills / "alpha" / "self").symlink_to(".")
    result = run_cli(*args, cwd=repo)
    assert result.code in (0, 1) and "internal error" not in result.err, result.err
    if args[0] in ("validate", "lint"):
        assert result.code == 1 and "symlink-loop" in result.out
