"""Stopping signals end in the documented 130, through `git skill` too, and a signal after the commit point
lets the run finish what it recorded (issue 25). Real processes, real signals, real git; every wait is on
state the test can see (a process holding the lock file open), never a sleep that guesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Upstream, env_with_git_skill, git, run_cli, write_skill
from tests.lock_holder import lock_held_elsewhere
from tests.support.processes import children

SHARED = ".agents/skills"
needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


def has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def finished(process: subprocess.Popen) -> str:
    """Its stderr once it ends; a run that never ends is killed and reported with what its processes were doing."""
    try:
        return process.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        states = {pid: Path(f"/proc/{pid}/stat").read_text().split()[2] for pid in [process.pid, *children(process.pid)]
                  if Path(f"/proc/{pid}/stat").exists()}
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"the run never ended; process states {states}") from None


def wait_until(condition, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, (what, process.communicate())
        time.sleep(0.02)
    raise AssertionError(f"never: {what}")


@needs_proc
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
@pytest.mark.parametrize("target", ["group", "git"])
def test_a_stop_signal_through_git_skill_ends_in_130(repo: Path, signal_name: str, target: str) -> None:
    """`git skill index` waiting for the lock, stopped by a signal to its process group (Ctrl-C, timeout, a CI
    runner) or to git alone: git reports what Ctrl-C gives, 130 to a shell (death by SIGINT), never 143 or 129."""
    write_skill(repo / SHARED, "pdf-forms")
    lock = repo / ".git" / "git-skill.lock"
    with lock_held_elsewhere(repo):
        process = subprocess.Popen(["git", "skill", "index"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env_with_git_skill(), start_new_session=True)
        wait_until(lambda: any(has_open(child, lock) for child in children(process.pid)), "git-skill waits for the lock",
                   process)
        number = getattr(signal, signal_name)
        os.killpg(process.pid, number) if target == "group" else os.kill(process.pid, number)
        err = finished(process)
    assert process.returncode in (130, -signal.SIGINT), (process.returncode, err)
    assert "interrupted" in err and "Traceback" not in err, err
    assert not (repo / "AGENTS.md").exists()


@needs_proc
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_stop_signal_to_git_skill_itself_ends_in_130(repo: Path, signal_name: str) -> None:
    write_skill(repo / SHARED, "pdf-forms")
    lock = repo / ".git" / "git-skill.lock"
    with lock_held_elsewhere(repo):
        process = subprocess.Popen(["git", "skill", "index"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env_with_git_skill(), start_new_session=True)
        wait_until(lambda: any(has_open(child, lock) for child in children(process.pid)), "git-skill waits for the lock",
                   process)
        [child] = children(process.pid)
        os.kill(child, getattr(signal, signal_name))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130, (process.returncode, err)


_SIGNALLED_AFTER_THE_LOCK_WRITE = """
import os, signal, sys
from git_skill.agents import links

real_apply = links.apply

def signalled(*args, **kwargs):
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # skills.lock is written: only agents' copies are left
    return real_apply(*args, **kwargs)

links.apply = signalled
from git_skill.cli import main
main(["update"])
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_after_the_lock_write_lets_the_run_finish(repo: Path, upstream: Upstream, signal_name: str) -> None:
    assert run_cli("add", upstream.url + "//skills", cwd=repo).code == 0
    assert run_cli("link", "claude-code", "--copy", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shared")
    path = upstream.path / "skills/pdf-forms/SKILL.md"
    path.write_text(path.read_text().replace("None recorded.", "Flatten first."))
    upstream.commit("upstream edit")
    done = subprocess.run([sys.executable, "-c", _SIGNALLED_AFTER_THE_LOCK_WRITE, signal_name], cwd=repo,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "interrupted" not in done.stderr and "after the work was recorded" in done.stderr, done.stderr
    assert "Flatten first." in (repo / SHARED / "pdf-forms" / "SKILL.md").read_text()
    assert "Flatten first." in (repo / ".claude" / "skills" / "pdf-forms" / "SKILL.md").read_text()
    check = run_cli("link", "--check", cwd=repo)
    assert check.code == 0, check.out
    assert not [p for p in (repo / SHARED).iterdir() if p.name.startswith(".")]
    assert not (repo / ".git" / "git-skill-swap.json").exists()
