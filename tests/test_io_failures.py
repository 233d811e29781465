"""A full disk, a full or closed stdout and a closed stdin: exit 3 with one clear line, never exit 70 or a
traceback, and the repository left as it was (issue 25). The disk is a real small tmpfs, filled to the last
block; stdout is the real `/dev/full`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import env_with_git_skill, git, git_skill_executable, skill_text, write_skill
from tests.support.transcripts import write_harbor_trial

SHARED = ".agents/skills"


def committed_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "T")
    git(path, "config", "user.email", "t@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    write_skill(path / SHARED, "alpha")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "alpha")
    return path


def run_into(args: list[str], cwd: Path, stdout: object = subprocess.PIPE, stdin: object = subprocess.DEVNULL
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([git_skill_executable(), *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          stdin=stdin, text=True, timeout=60, env=env_with_git_skill())


def assert_clean_failure(done: subprocess.CompletedProcess[str], *wanted: str) -> None:
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert any(words in done.stderr for words in wanted), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def tree_state(repo: Path) -> dict[str, bytes]:
    """Every file under the work tree and .git (bar git's index stat cache), with its bytes."""
    state = {}
    for folder, _, names in os.walk(repo):
        for name in names:
            path = Path(folder) / name
            if path.name not in ("index", "filler") and not path.is_symlink():
                state[str(path.relative_to(repo))] = path.read_bytes()
            elif path.is_symlink():
                state[str(path.relative_to(repo))] = os.readlink(path).encode()
    return state


# --- a full stdout ------------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["list"], ["validate", "--format", "json"], ["validate"], ["lint"],
                                  ["digest", "TRIAL"], ["learn", "--dry-run", "TRIAL"],
                                  ["index"], ["diff"], ["link", "--list"], ["add", "SOURCE"], ["install"]])
def test_a_full_stdout_is_exit_3_with_the_work_kept_whole(tmp_path: Path, args: list[str]) -> None:
    repo = committed_repo(tmp_path / "repo")
    source = write_skill(tmp_path / "source", "beta", skill_text(
        "beta", "Handle beta files for the team. Use when beta input arrives."))
    trial = write_harbor_trial(tmp_path / "trial")
    args = [str(trial) if a == "TRIAL" else str(source) if a == "SOURCE" else a for a in args]
    for _ in range(60):  # enough skills that the output outgrows any buffer
        write_skill(repo / SHARED, f"skill-{_:02d}")
    with open("/dev/full", "w") as full:
        done = run_into(args, repo, stdout=full)
    assert_clean_failure(done, "No space left on device")
    assert run_into(["validate"], repo).returncode == 0
    assert not [p for p in (repo / SHARED).iterdir() if p.name.startswith(".")]


def test_a_closed_stdin_for_a_hook_is_exit_3(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo")
    done = subprocess.run(f"exec '{git_skill_executable()}' learn --from-hook claude-code <&-", shell=True, cwd=repo,
                          capture_output=True, text=True, timeout=60, env=env_with_git_skill())
    assert_clean_failure(done, "cannot read the hook JSON on stdin")


# --- a full disk ----------------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path: Path):
    """A 2 MB tmpfs holding a committed repository, then filled to its last block (root only: skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        repo = committed_repo(mount / "repo")
        (repo / ".git" / "info").mkdir(exist_ok=True)
        (repo / ".git" / "info" / "exclude").write_text("filler\n")
        yield repo
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(repo: Path) -> None:
    """Write until the disk refuses: 4 KB blocks, then single bytes for the last partial block."""
    descriptor = os.open(repo / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (4096, 1):
            while True:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("args", [["add", "SOURCE"], ["index"], ["install"], ["learn", "TRIAL"],
                                  ["link", "claude-code", "--copy"], ["remove", "alpha"], ["update"],
                                  ["merge", "A", "A", "A"]])
def test_a_full_disk_is_exit_3_and_the_repository_is_as_it_was(full_disk: Path, tmp_path: Path,
                                                              args: list[str]) -> None:
    repo = full_disk
    source = write_skill(tmp_path / "source", "beta", skill_text(
        "beta", "Handle beta files for the team. Use when beta input arrives."))
    trial = write_harbor_trial(tmp_path / "trial")
    if args[0] in ("remove", "update"):  # a shared skill to remove, or to update from its changed source
        assert run_into(["add", str(source)], repo).returncode == 0
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "share beta")
        (source / "SKILL.md").write_text((source / "SKILL.md").read_text() + "\n## Pitfalls\n\nA new one.\n")
        args = ["remove", "beta"] if args[0] == "remove" else ["update"]
    merged = repo / SHARED / "alpha" / "SKILL.md"
    args = [str(trial) if a == "TRIAL" else str(source) if a == "SOURCE" else str(merged) if a == "A" else a
            for a in args]
    if args[0] == "merge":
        args = ["merge", "--output", str(repo / "merged.md"), *args[1:]]
    before = tree_state(repo)
    fill(repo)
    done = run_into(args, repo)
    assert_clean_failure(done, "No space left on device", "failed to write")  # ours, or git's own words
    (repo / "filler").unlink()
    assert tree_state(repo) == before
    assert run_into(["validate"], repo).returncode == 0


@pytest.mark.parametrize("named", ["root", "folder", "fifo"])
def test_a_hook_names_one_transcript_file_never_a_folder(tmp_path: Path, named: str) -> None:
    """`"transcript_path": "/"` once scanned the machine: a hook names one session's file."""
    import json

    repo = committed_repo(tmp_path / "repo")
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    (sessions / "other.jsonl").write_text(json.dumps({"type": "user", "message": {"role": "user", "content": "x"}}))
    target = {"root": Path("/"), "folder": sessions, "fifo": tmp_path / "pipe"}[named]
    if named == "fifo":
        os.mkfifo(target)
    payload = json.dumps({"session_id": "s", "transcript_path": str(target), "cwd": str(repo)})
    done = subprocess.run([git_skill_executable(), "learn", "--from-hook", "claude-code"], cwd=repo, input=payload,
                          capture_output=True, text=True, timeout=60, env=env_with_git_skill())
    assert_clean_failure(done, "a hook names one transcript file")
    assert git(repo, "status", "--porcelain").stdout == ""


def test_status_is_not_up_to_date_when_no_upstream_can_be_read(tmp_path: Path) -> None:
    """Every upstream unreadable because of a local setting (a cache path that is a file): exit 3, not 0."""
    repo = committed_repo(tmp_path / "repo")
    upstream = tmp_path / "upstream"
    write_skill(upstream / "skills", "beta", skill_text("beta", "Handle beta files for the team. Use when beta input arrives."))
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "-c", "user.name=U", "-c", "user.email=u@example.invalid", "commit", "-qm", "beta")
    assert run_into(["add", f"{upstream.as_uri()}//skills/beta"], repo).returncode == 0
    (tmp_path / "not-a-folder").write_text("a file where the cache should be\n")
    done = subprocess.run([git_skill_executable(), "status"], cwd=repo, capture_output=True, text=True, timeout=60,
                          env={**env_with_git_skill(), "GIT_SKILL_CACHE_DIR": str(tmp_path / "not-a-folder")})
    assert done.returncode == 3, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "beta" in done.stdout
