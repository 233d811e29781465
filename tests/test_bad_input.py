"""Bad input and corrupt state: every command gives a documented exit code and one clear line, never
exit 70 or a hang (issue 11, defects 7, 8, 10, 11 and the smaller ones of 15)."""

from __future__ import annotations

import json
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


# --- defect 10: missing merge inputs are usage errors, nothing created

@pytest.mark.parametrize("missing", [0, 1, 2])
def test_merge_with_a_missing_input_is_a_usage_error(tmp_path: Path, missing: int) -> None:
    names = ["base.md", "ours.md", "theirs.md"]
    for index, name in enumerate(names):
        if index != missing:
            (tmp_path / name).write_text(skill_text("x"))
    result = run_cli("merge", *names, "-o", "out.md", cwd=tmp_path)
    assert result.code == 2, result.err
    assert not (tmp_path / "out.md").exists() and not (tmp_path / names[missing]).exists()


@pytest.mark.parametrize("missing", [0, 1, 2])
def test_merge_driver_with_a_missing_input_creates_nothing(tmp_path: Path, missing: int) -> None:
    names = ["O", "A", "B"]
    for index, name in enumerate(names):
        if index != missing:
            (tmp_path / name).write_text(skill_text("x"))
    result = run_cli("merge-driver", *names, "SKILL.md", cwd=tmp_path)
    assert result.code == 2, result.err
    assert not (tmp_path / names[missing]).exists()


def test_merge_output_naming_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text(skill_text("x"))
    (tmp_path / "out").mkdir()
    result = run_cli("merge", "s.md", "s.md", "s.md", "-o", "out", cwd=tmp_path)
    assert result.code == 2 and list((tmp_path / "out").iterdir()) == [], result.err


# --- defect 11: a relative cache, a cache that is a file, --skills-dir naming a file, hook stdin, lint config

def test_relative_cache_dir_is_resolved_against_the_start_folder(tmp_path: Path, upstream: object,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = committed_repo(tmp_path / "repo")
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", "relative-cache")
    result = run_cli("add", f"{upstream.url}//skills/csv-cleaning", cwd=repo)  # type: ignore[attr-defined]
    assert result.code == 0, result.err
    repositories = list((repo / "relative-cache" / "repos").iterdir())
    assert len(repositories) == 1 and (repositories[0] / "HEAD").is_file()
    assert [p for p in repo.rglob("relative-cache") if p != repo / "relative-cache"] == []
    assert run_cli("status", cwd=repo).code == 0


def test_cache_dir_that_is_a_file_is_a_usage_error(tmp_path: Path, upstream: object,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = committed_repo(tmp_path / "repo")
    (tmp_path / "cache-file").write_text("not a folder")
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", str(tmp_path / "cache-file"))
    result = run_cli("add", f"{upstream.url}//skills/csv-cleaning", cwd=repo)  # type: ignore[attr-defined]
    assert result.code == 2 and "not a folder" in result.err, result.err
    assert not (repo / ".agents" / "skills" / "csv-cleaning").exists()


@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf"])
def test_bad_fetch_timeout_is_a_usage_error(tmp_path: Path, upstream: object, monkeypatch: pytest.MonkeyPatch,
                                            value: str) -> None:
    repo = committed_repo(tmp_path / "repo")
    monkeypatch.setenv("GIT_SKILL_FETCH_TIMEOUT", value)
    result = run_cli("add", f"{upstream.url}//skills/csv-cleaning", cwd=repo)  # type: ignore[attr-defined]
    assert result.code == 2 and "GIT_SKILL_FETCH_TIMEOUT" in result.err, result.err


@pytest.mark.parametrize("args", [["validate"], ["lint"], ["list"], ["diff"], ["add", "../source/beta"]])
def test_skills_dir_naming_a_file_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    write_skill(tmp_path / "source", "beta")
    (repo / "a-file").write_text("x")
    result = run_cli(*args, "--skills-dir", "a-file", cwd=repo)
    assert result.code == 2 and "not a folder" in result.err, result.err


def test_non_utf8_hook_stdin_is_bad_input(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    result = run_process("learn", "--from-hook", "claude-code", cwd=repo, stdin=b'\xff\xfe{"cwd": "\xff"}')
    assert result.returncode == 3 and b"not JSON" in result.stderr, result.stderr


@pytest.mark.parametrize("file_name, text", [
    (".git-skill.toml", "[lint]\nseverity = 5\n"),
    (".git-skill.toml", "lint = 5\n"),
    (".git-skill.toml", "[lint]\ndisable = 'description-generic'\n"),
    (".git-skill.toml", "[lint]\ndisable = [5]\n"),
    (".git-skill.toml", "[lint]\nseverity = {description-generic = [1]}\n"),
    (".git-skill.toml", "[lint]\nmax-body-lines = true\n"),
    ("pyproject.toml", "[tool]\ngit-skill = 5\n"),
    ("pyproject.toml", "[tool.git-skill]\nlint = 5\n"),
])
def test_lint_configuration_with_wrong_types_is_a_usage_error(tmp_path: Path, file_name: str, text: str) -> None:
    repo = committed_repo(tmp_path / "repo")
    (repo / file_name).write_text(text)
    for args in (["lint"], ["lint", "--staged"]):
        result = run_cli(*args, cwd=repo)
        assert result.code == 2 and file_name in result.err, (args, result.err)


# --- defect 15, the smaller ones: deep nesting, unreadable SKILL.md in lint

@pytest.fixture
def deep_tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Removed with rm -rf: pytest's own clean-up (shutil.rmtree, recursive before Python 3.12) of a later
    session would hit RecursionError on it, in every session sharing the temporary folder."""
    yield tmp_path
    for folder in (tmp_path / "repo", tmp_path / "repo" / "other"):
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_a_skill_nested_1500_folders_deep(deep_tree: Path) -> None:
    repo = committed_repo(deep_tree / "repo")
    deep = repo / ".agents" / "skills" / "deep"
    deep.mkdir(parents=True)
    for _ in range(1500):  # one level at a time: Path.mkdir(parents=True) itself recurses per level
        deep = deep / "d"
        deep.mkdir()
    (deep / "SKILL.md").write_text(skill_text("d"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "deep")
    (deep / "SKILL.md").write_text(skill_text("d", body="# Steps\n\nRun it twice.\n"))
    git(repo, "add", "-A")
    for args in (["diff"], ["diff", "HEAD", "."], ["validate"], ["lint"], ["list"], ["validate", "--staged"],
                 ["lint", "--staged"], ["add", str(deep.parent), "--skills-dir", "other"]):
        result = run_cli(*args, cwd=repo)
        assert result.code in (0, 1) and "internal error" not in result.err, (args, result.err)
    assert "Run it twice." in run_cli("diff", cwd=repo).out


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe binary", b"\xff\xfe\xfa not utf-8", b"# no frontmatter\n"])
def test_lint_reports_a_skill_md_it_cannot_read(tmp_path: Path, content: bytes) -> None:
    repo = committed_repo(tmp_path / "repo")
    (repo / ".agents" / "skills" / "alpha" / "SKILL.md").write_bytes(content)
    for args in (["lint"], ["lint", "--format", "json"]):
        result = run_cli(*args, cwd=repo)
        assert result.code == 1 and "skill-unreadable" in result.out and "all valid" not in result.out, result.out
    git(repo, "add", "-A")
    staged = run_cli("lint", "--staged", cwd=repo)
    assert staged.code == 1 and "skill-unreadable" in staged.out


@pytest.mark.parametrize("args", [["digest", "pipe"], ["learn", "pipe", "--dry-run"],
                                  ["learn", "session.jsonl", "--feedback", "pipe", "--dry-run"],
                                  ["digest", "session.jsonl", "--feedback", "pipe"]])
def test_a_fifo_as_a_transcript_or_feedback_never_hangs(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    os.mkfifo(repo / "pipe")
    (repo / "session.jsonl").write_text('{"type": "user", "sessionId": "s", "message": {"content": "Fix it"}}\n')
    result = run_process(*args, cwd=repo)
    assert result.returncode == 3 and b"not a regular file" in result.stderr, result.stderr


def test_a_fifo_as_the_hook_transcript_never_hangs(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    os.mkfifo(repo / "pipe")
    payload = json.dumps({"cwd": str(repo), "transcript_path": str(repo / "pipe")}).encode()
    result = run_process("learn", "--from-hook", "claude-code", cwd=repo, stdin=payload)
    assert result.returncode == 3 and b"not a regular file" in result.stderr, result.stderr


@pytest.mark.parametrize("args", [["install"], ["install", "--uninstall"]])
def test_install_never_opens_a_fifo(tmp_path: Path, args: list[str]) -> None:
    for name in (".gitattributes", ".git/hooks/pre-commit"):
        repo = committed_repo(tmp_path / name.replace("/", "-"))
        (repo / ".git" / "hooks").mkdir(exist_ok=True)
        os.mkfifo(repo / name)
        result = run_process(*args, cwd=repo)
        assert result.returncode == 3 and b"not a regular file" in result.stderr, result.stderr


def test_install_keeps_gitattributes_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    original = b"*.bin binary \xff\xfe\n"
    (repo / ".gitattributes").write_bytes(original)
    assert run_cli("install", "--merge-driver", cwd=repo).code == 0
    assert (repo / ".gitattributes").read_bytes() == original + b"SKILL.md merge=git-skill\n"
    assert run_cli("install", "--uninstall", cwd=repo).code == 0
    assert (repo / ".gitattributes").read_bytes() == original


def test_compare_never_opens_a_fifo_named_results_json(tmp_path: Path) -> None:
    good = tmp_path / "good" / "t.1-of-1"
    good.mkdir(parents=True)
    (good / "results.json").write_text(json.dumps({"task_id": "t", "instruction": "x", "is_resolved": True}))
    (tmp_path / "fifo").mkdir()
    os.mkfifo(tmp_path / "fifo" / "results.json")
    for argument in ("fifo", "fifo/results.json"):
        result = run_process("compare", "good", argument, cwd=tmp_path)
        assert result.returncode == 3 and b"Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("args", [["learn", "a\0b", "--dry-run"], ["validate", "a\0b"], ["digest", "a\0b"],
                                  ["merge", "a\0b", "a", "b"], ["diff", "a\0b"]])
def test_a_path_holding_a_nul_byte_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    result = run_cli(*args, cwd=repo)
    assert result.code == 2 and "internal error" not in result.err, result.err


@pytest.mark.parametrize("args", [["lint"], ["lint", "--staged"], ["status"], ["remove", "alpha"]])
def test_a_fifo_named_skills_lock_never_hangs(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    os.mkfifo(repo / "skills.lock")
    result = run_process(*args, cwd=repo)
    assert result.returncode in (0, 1, 3) and b"Traceback" not in result.stderr, result.stderr
    if args[0] != "lint":
        assert result.returncode == 3 and b"not a regular file" in result.stderr


@pytest.mark.parametrize("given", ["run", "run/results.json"])
def test_learn_on_a_run_holding_only_its_results_points_to_compare(repo: Path, given: str) -> None:
    """A Terminal-Bench run's results.json has every trial's verdict but no session: compare reads it, learn cannot."""
    from tests.support.runs import write_tb_run

    write_tb_run(repo / "run", {"fix-git": True, "hello-world": False})
    result = run_cli("learn", given, cwd=repo)
    assert result.code == 3, result.err
    assert result.err.count("\n") == 1 and "nothing to learn from" in result.err
    assert f"'git skill compare {given} OTHER_RUN'" in result.err and "Supported formats" not in result.err
    assert not (repo / ".agents").exists()
