"""Fault injection with real processes and real signals: concurrent runs on one repository, SIGTERM and
SIGKILL at seeded random moments, and the temp folder before and after every command.

After every fault the repository must be consistent: no staging folder is discovered as a skill,
the next run is not blocked, `skills.lock` names exactly the shared folders that exist, and
`validate` is clean.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from git_skill.sharing.lockfile import read_lock
from git_skill.workspace import RepositoryLock, open_workspace
from tests.conftest import Upstream, env_with_git_skill, git, git_skill_executable, skill_text, write_skill
from tests.support.runs import write_tb_run
from tests.support.transcripts import write_harbor_trial

SHARED = ".agents/skills"


def start(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`git-skill ARGS` as its own process (what parallel agent hooks and CI jobs are)."""
    return subprocess.Popen([git_skill_executable(), *args], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600", **(env or {})})


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    return finish(start(repo, *args, env=env))


def plain_source(folder: Path, name: str) -> Path:
    """A folder outside any repository holding one skill."""
    write_skill(folder, name, skill_text(name, f"Handle {name} files for the team. Use when {name} input arrives."))
    return folder / name


def assert_consistent(repo: Path) -> None:
    """What every run, finished or interrupted, must leave: the next run unblocked, no staging folder
    taken for a skill, the lock naming exactly the shared folders there are, every skill valid."""
    os.environ["GIT_SKILL_LOCK_TIMEOUT"] = "0"  # not blocked; taking it undoes an interrupted run's leftovers
    try:
        with RepositoryLock(open_workspace(repo)):
            pass
    finally:
        del os.environ["GIT_SKILL_LOCK_TIMEOUT"]
    assert not (repo / ".git" / "git-skill-swap.json").exists()
    code, output = run(repo, "validate")
    assert code == 0, output
    skills_root = repo / SHARED
    for root in (skills_root, repo / ".claude" / "skills"):  # staging and set-aside folders are all gone
        assert not [p for p in root.iterdir() if p.name.startswith(".")] if root.is_dir() else True
    assert not (repo / ".git" / "index.lock").exists()  # git itself was never killed mid-commit
    if not (repo / "skills.lock").exists():
        return
    code, output = run(repo, "status", "--no-fetch")
    assert code in (0, 1), output
    entries = read_lock(repo)
    folders = {f"{SHARED}/{p.name}" for p in skills_root.iterdir()} if skills_root.is_dir() else set()
    assert folders == set(entries), (folders, set(entries))
    for path in entries:
        assert (repo / path / "SKILL.md").is_file()


# --- concurrency -------------------------------------------------------------------------------


def test_parallel_adds_each_keep_their_entry(repo: Path, tmp_path: Path) -> None:
    sources = [plain_source(tmp_path / f"source{i}", f"tool-{i}") for i in range(4)]
    runs = [start(repo, "add", str(source)) for source in sources]
    results = [finish(process) for process in runs]
    assert all(code == 0 for code, _ in results), results
    assert sorted(read_lock(repo)) == [f"{SHARED}/tool-{i}" for i in range(4)]
    assert_consistent(repo)


def test_parallel_extends_keep_every_variant(repo: Path, tmp_path: Path) -> None:
    first = write_harbor_trial(tmp_path / "trial0")
    assert run(repo, "learn", str(first), "--commit")[0] == 0
    trials = []
    for i in range(1, 4):
        trial = write_harbor_trial(tmp_path / f"trial{i}")
        (trial / "verifier" / "test-stdout.txt").write_text(f"FAILED tests/t.py::test_case_{i} - assert {i} == 0\n")
        trials.append(trial)
    runs = [start(repo, "learn", str(trial), "--commit", "--operation", "extend") for trial in trials]
    results = [finish(process) for process in runs]
    assert all(code == 0 for code, _ in results), results
    [skill] = (repo / SHARED).glob("*/SKILL.md")
    text = skill.read_text()
    assert [f"test_case_{i}" in text for i in range(1, 4)] == [True, True, True], text
    assert text.count("## Variant: ") == 3
    assert git(repo, "status", "--porcelain").stdout == ""  # each run committed its own extension
    cache = json.loads((repo / ".git" / "git-skill" / "learned.json").read_text())
    assert len(cache) == 4  # every run's source is remembered
    assert_consistent(repo)


def test_parallel_update_remove_and_add_lose_nothing(repo: Path, upstream: Upstream, tmp_path: Path) -> None:
    assert run(repo, "add", upstream.url + "//skills")[0] == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shared")
    path = upstream.path / "skills/pdf-forms/SKILL.md"
    path.write_text(path.read_text().replace("None recorded.", "Flatten first."))
    upstream.commit("upstream edit")
    extra = plain_source(tmp_path / "extra", "extra-tool")
    runs = [start(repo, "update"), start(repo, "remove", "csv-cleaning"), start(repo, "add", str(extra))]
    results = [finish(process) for process in runs]
    assert [code for code, _ in results] == [0, 0, 0], results
    assert sorted(read_lock(repo)) == [f"{SHARED}/extra-tool", f"{SHARED}/pdf-forms"]
    assert "Flatten first." in (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    assert_consistent(repo)


def test_a_held_lock_makes_parallel_runs_queue_not_fail(repo: Path, tmp_path: Path) -> None:
    """Agent SessionEnd hooks fire together: with the default wait, every one of them gets its turn."""
    trials = [write_harbor_trial(tmp_path / f"trial{i}") for i in range(3)]
    for i, trial in enumerate(trials):
        (trial / "result.json").write_text(json.dumps({"task_name": f"task-{i}", "trial_name": f"task-{i}__1"}))
        (trial / "agent" / "trajectory.json").write_text(
            (trial / "agent" / "trajectory.json").read_text().replace("hello.c", f"prog{i}.c"))
    runs = [start(repo, "learn", str(trial), "--name", f"build-prog-{i}", "--operation", "create")
            for i, trial in enumerate(trials)]
    results = [finish(process) for process in runs]
    assert all(code == 0 for code, _ in results), results
    assert len(list((repo / SHARED).glob("*/SKILL.md"))) == 3
    assert len(json.loads((repo / ".git" / "git-skill" / "learned.json").read_text())) == 3


# --- interruptions -------------------------------------------------------------------------------


def _shared_repo(repo: Path, upstream: Upstream) -> None:
    assert run(repo, "add", upstream.url + "//skills")[0] == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shared")


def _next_upstream_change(upstream: Upstream, round_: int) -> None:
    upstream.write("skills/pdf-forms/references/notes.md", f"Round {round_}.\n")
    upstream.write(f"skills/round-{round_}/SKILL.md", skill_text(f"round-{round_}"))
    upstream.commit(f"round {round_}")


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_runs_interrupted_at_random_moments_leave_a_consistent_repository(
        repo: Path, upstream: Upstream, tmp_path: Path, signal_number: int) -> None:
    _shared_repo(repo, upstream)
    chance = random.Random(20261201 + signal_number)
    for round_ in range(5):
        _next_upstream_change(upstream, round_)
        trial = write_harbor_trial(tmp_path / f"trial{round_}")
        command = chance.choice([("update",), ("add", upstream.url + f"//skills/round-{round_}"),
                                 ("learn", str(trial), "--skills-dir", ".claude/skills", "--name",
                                  f"learned-{round_}", "--operation", "create", "--commit")])
        process = start(repo, *command)
        time.sleep(chance.uniform(0.05, 0.9))
        process.send_signal(signal_number)
        code, output = finish(process)
        if signal_number == signal.SIGTERM:
            # finished before the signal, rolled back (130), or stopped during Python's start-up, before any write
            assert code in (0, 1, 130, -signal.SIGTERM), output
            assert "internal error" not in output and "Traceback" not in output
        assert_consistent(repo)


_KILLED_MID_SWAP = """
import os, signal, sys
from git_skill.sharing import lockfile

def interrupted(*args, **kwargs):
    # the folders are swapped in, the lock not yet written. raise_signal, not os.kill(getpid()): kill may hand
    # the signal to another thread, so the handler could run only after the line below (exit 70 under load);
    # raise_signal delivers it to this thread and runs the handler before it returns.
    signal.raise_signal(getattr(signal, sys.argv[1]))
    raise AssertionError("not reached: the signal stops the run first")

lockfile.write_lock = interrupted  # update imports it from the module when it runs
from git_skill.cli import main
main(["update"])
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_run_stopped_between_the_swap_and_the_lock_write_is_rolled_back(
        repo: Path, upstream: Upstream, signal_name: str) -> None:
    _shared_repo(repo, upstream)
    before = (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    path = upstream.path / "skills/pdf-forms/SKILL.md"
    path.write_text(path.read_text().replace("None recorded.", "Flatten first."))
    upstream.commit("upstream edit")
    stopped = subprocess.run([sys.executable, "-c", _KILLED_MID_SWAP, signal_name], cwd=repo, capture_output=True,
                             text=True, timeout=120)
    if signal_name != "SIGKILL":
        assert stopped.returncode == 130 and "interrupted" in stopped.stderr, stopped.stderr
    else:
        assert stopped.returncode == -signal.SIGKILL
        assert (repo / ".git" / "git-skill-swap.json").exists()  # what the next run replays
        staged = [p.name for p in (repo / SHARED).iterdir() if p.name.startswith(".")]
        assert staged, "the kill left the set-aside copy behind"
        code, output = run(repo, "validate")
        assert code == 0, output  # the leftovers are never taken for skills
        (repo / ".skills.lock.k1ll3d.tmp").write_text("half a lock file")  # as a kill inside write_atomic leaves
    code, output = run(repo, "status", "--no-fetch")  # read-only: it does not need the lock
    assert code in (0, 1), output
    code, output = run(repo, "update")  # the next writer rolls the interrupted run back first, then updates
    assert code == 0, output
    assert ("rolled back an interrupted run" in output) == (signal_name == "SIGKILL")
    assert not list(repo.glob(".skills.lock.*.tmp"))
    assert not (repo / ".git" / "git-skill-swap.json").exists()
    assert not [p.name for p in (repo / SHARED).iterdir() if p.name.startswith(".")]
    assert "Flatten first." in (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    assert before != (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    assert_consistent(repo)


_KILLED_AFTER_THE_LOCK_WRITE = """
import os, signal
from git_skill.sharing import apply

def interrupted(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # everything is in place and recorded; the old copy is not deleted yet

apply.remove_tree = interrupted
from git_skill.cli import main
main(["update"])
"""


def test_a_run_killed_after_its_lock_write_is_finished_not_undone(repo: Path, upstream: Upstream) -> None:
    _shared_repo(repo, upstream)
    path = upstream.path / "skills/pdf-forms/SKILL.md"
    path.write_text(path.read_text().replace("None recorded.", "Flatten first."))
    head = upstream.commit("upstream edit")
    killed = subprocess.run([sys.executable, "-c", _KILLED_AFTER_THE_LOCK_WRITE], cwd=repo, capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert [p.name for p in (repo / SHARED).iterdir() if ".git-skill-old-" in p.name]  # the set-aside copy
    assert_consistent(repo)  # the next lock holder deletes it and keeps the update
    assert "Flatten first." in (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    assert read_lock(repo)[f"{SHARED}/pdf-forms"].commit == head


def test_a_leftover_staging_folder_is_not_a_skill(repo: Path) -> None:
    write_skill(repo / SHARED, "good-skill")
    write_skill(repo / SHARED, "x", skill_text("Not Valid"), folder=".good-skill.git-skill-new-abc123")
    write_skill(repo / SHARED, "y", skill_text("Not Valid"), folder=".good-skill.git-skill-old-4242")
    git(repo, "add", "-A")  # even staged by mistake, they are not skills for the hooks
    for command in (("validate",), ("lint",), ("list",), ("validate", "--staged"), ("lint", "--staged")):
        code, output = run(repo, *command)
        assert code == 0 and "Not Valid" not in output, (command, output)


# --- the temp folder -----------------------------------------------------------------------------

MERGE_BASE = skill_text("tidy", body="# Steps\n\nOne.\n\n## Pitfalls\n\nNone.\n")


def test_no_command_leaves_anything_in_the_temp_folder(repo: Path, upstream: Upstream, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    trial = write_harbor_trial(tmp_path / "trial")
    (tmp_path / "base.md").write_text(MERGE_BASE)
    (tmp_path / "ours.md").write_text(MERGE_BASE.replace("One.", "One, ours."))
    (tmp_path / "theirs.md").write_text(MERGE_BASE.replace("One.", "One, theirs."))
    (tmp_path / "a.md").write_text(MERGE_BASE.replace("One.", "One, ours."))
    commands: list[tuple[str, ...]] = [
        ("install",), ("learn", str(trial)), ("validate",), ("lint",), ("list",), ("digest", str(trial)),
        ("add", upstream.url + "//skills"), ("status",),
        ("merge", str(tmp_path / "base.md"), str(tmp_path / "ours.md"), str(tmp_path / "theirs.md")),
        ("merge-driver", str(tmp_path / "base.md"), str(tmp_path / "a.md"), str(tmp_path / "theirs.md"), "SKILL.md"),
        ("compare", str(write_tb_run(tmp_path / "baseline", {"a": True, "b": False})),
         str(write_tb_run(tmp_path / "candidate", {"a": True, "b": True}))),
    ]
    for command in commands:
        code, output = run(repo, *command, env={"TMPDIR": str(temp)})
        assert code in (0, 1), (command, output)
        assert sorted(os.listdir(temp)) == [], command
    git(repo, "add", "-A")
    committed = subprocess.run(["git", "commit", "-qm", "everything"], cwd=repo, capture_output=True, text=True,
                               env={**env_with_git_skill(), "TMPDIR": str(temp)})  # the installed hook runs too
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert sorted(os.listdir(temp)) == []
    edited = repo / SHARED / "pdf-forms" / "SKILL.md"
    edited.write_text(edited.read_text().replace("None recorded.", "Mine."))
    path = upstream.path / "skills/pdf-forms/SKILL.md"
    path.write_text(path.read_text().replace("Run scripts/fill.sh on the form.", "Run scripts/fill.sh twice."))
    upstream.commit("upstream edit")
    git(repo, "add", "-A")
    for command in [("validate", "--staged"), ("lint", "--staged"), ("diff",), ("update",), ("remove", "csv-cleaning")]:
        code, output = run(repo, *command, env={"TMPDIR": str(temp)})
        assert code in (0, 1), (command, output)
        assert sorted(os.listdir(temp)) == [], command
    assert "Mine." in edited.read_text() and "twice" in edited.read_text()  # a merging update ran


# --- bare repositories, permissions ----------------------------------------------------------------


def test_add_and_learn_refuse_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    before = sorted(p.relative_to(bare).as_posix() for p in bare.rglob("*"))
    trial = write_harbor_trial(tmp_path / "trial")
    source = plain_source(tmp_path / "source", "tool")
    for command in (("add", str(source)), ("learn", str(trial)), ("install",)):
        code, output = run(bare, *command)
        assert code == 2 and "work tree" in output, (command, output)
    assert sorted(p.relative_to(bare).as_posix() for p in bare.rglob("*")) == before


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_written_atomically_respect_the_umask(repo: Path, tmp_path: Path, umask: int) -> None:
    source = plain_source(tmp_path / "source", "tool")
    (tmp_path / "base.md").write_text(MERGE_BASE)
    (tmp_path / "ours.md").write_text(MERGE_BASE.replace("One.", "One, ours."))
    code, output = _with_umask(repo, umask, "add", str(source))
    assert code == 0, output
    code, output = _with_umask(repo, umask, "merge", "-o", str(repo / "merged.md"), str(tmp_path / "base.md"),
                               str(tmp_path / "ours.md"), str(tmp_path / "base.md"))
    assert code == 0, output
    for written in (repo / "skills.lock", repo / "merged.md", repo / SHARED / "tool" / "SKILL.md"):
        assert written.stat().st_mode & 0o777 == 0o666 & ~umask, written


def _with_umask(repo: Path, umask: int, *args: str) -> tuple[int, str]:
    process = subprocess.Popen([git_skill_executable(), *args], cwd=repo, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.umask(umask))
    return finish(process)
