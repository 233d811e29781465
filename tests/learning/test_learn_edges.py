"""learn's edges (issue 25): --jobs capped by the work and the machine, no worker left running when a run is
stopped, random bytes are nothing to learn. Real processes and real signals; waits are on what /proc shows."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from git_skill.learning.batch import workers_for
from tests.conftest import env_with_git_skill, git_skill_executable, run_cli
from tests.support.processes import children
from tests.support.transcripts import write_harbor_trial


def job_of(folder: Path, trials: int, padding: int = 0) -> Path:
    """A Harbor job folder of `trials` trials of distinct tasks (each `padding` extra steps long)."""
    for number in range(trials):
        trial = write_harbor_trial(folder / f"task-{number}__x1")
        (trial / "result.json").write_text(json.dumps({"task_name": f"task-{number}", "trial_name": f"task-{number}__x1"}))
        if padding:
            path = trial / "agent" / "trajectory.json"
            atif = json.loads(path.read_text())
            step = atif["steps"][1]
            atif["steps"] += [{**step, "step_id": 10 + i} for i in range(padding)]
            path.write_text(json.dumps(atif))
    return folder


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_are_capped_by_the_work_and_the_machine() -> None:
    cores = os.cpu_count() or 1
    assert workers_for(100000, 30) == min(30, cores)
    assert workers_for(100000, 30, waiting=True) == min(30, cores * 8)
    assert workers_for(4, 1) == 1 and workers_for(1, 30) == 1


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_many_jobs_on_a_few_trials_fork_no_more_than_the_work_and_the_cores(repo: Path, tmp_path: Path) -> None:
    job = job_of(tmp_path / "job", 6, padding=400)
    process = subprocess.Popen([git_skill_executable(), "learn", str(job), "--jobs", "64", "--dry-run"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_with_git_skill(),
                               start_new_session=True)
    most, deadline = 0, time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        most = max(most, len(children(process.pid)))
        time.sleep(0.005)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert most <= min(6, os.cpu_count() or 1) + 1, most  # the pool's workers (and nothing else forked per job)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_stopped_batch_leaves_no_worker_running(repo: Path, tmp_path: Path, signal_name: str) -> None:
    job = job_of(tmp_path / "job", 40, padding=2000)
    process = subprocess.Popen([git_skill_executable(), "learn", str(job), "--jobs", "2", "--dry-run"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_with_git_skill(),
                               start_new_session=True)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        assert process.poll() is None, process.communicate()
        workers = children(process.pid)
        time.sleep(0.01)
    assert len(workers) >= 2, workers
    os.killpg(process.pid, getattr(signal, signal_name))  # Ctrl-C or a CI runner's stop: the whole group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err, (process.returncode, err)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.02)
    assert not [pid for pid in workers if alive(pid)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_are_nothing_to_learn(repo: Path, tmp_path: Path, seed: int) -> None:
    noise = tmp_path / f"noise-{seed}.jsonl"
    noise.write_bytes(random.Random(seed).randbytes(20000))
    done = run_cli("learn", str(noise), cwd=repo)
    assert done.code == 3, (done.code, done.out, done.err)
    assert not list(repo.glob("**/SKILL.md"))


_HOOK_SIGNALLING_THE_RUN = """#!/bin/sh
# Signal the process group of the git-skill run that is committing (git's parent), as Ctrl-C, `timeout`
# or a CI runner does, while its git commit is under way; then let the commit go on.
run=$(cut -d' ' -f4 /proc/$PPID/stat)
group=$(cut -d' ' -f5 /proc/$run/stat)
kill -{signal} -$group
exit 0
"""


@pytest.mark.skipif(not Path("/proc/self/stat").is_dir() and not Path("/proc/self/stat").is_file(), reason="needs /proc")
@pytest.mark.parametrize("signal_name", ["TERM", "INT"])
def test_learn_commit_stopped_mid_commit_by_a_group_signal_commits_whole(repo: Path, tmp_path: Path,
                                                                         signal_name: str) -> None:
    """The signal reaches the whole group while git commit runs: the commit is made, the skill is not left
    written and uncommitted, and the learned-source cache says so (the next hook run learns nothing again)."""
    from tests.conftest import git

    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(_HOOK_SIGNALLING_THE_RUN.replace("{signal}", signal_name))
    hook.chmod(0o755)
    trial = write_harbor_trial(tmp_path / "trial")
    process = subprocess.Popen([git_skill_executable(), "learn", str(trial), "--commit"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_with_git_skill(),
                               start_new_session=True)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, (process.returncode, err)
    assert "after the work was recorded" in err, err
    assert "Learn skill build-hello" in git(repo, "log", "-1", "--format=%s").stdout
    assert git(repo, "status", "--porcelain").stdout == ""
    assert not (repo / ".git" / "index.lock").exists()
    hook.unlink()
    again = run_cli("learn", str(trial), "--commit", cwd=repo)
    assert again.code == 0 and git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2", again.err
