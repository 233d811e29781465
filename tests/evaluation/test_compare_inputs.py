"""compare's inputs, round three (issue 25): a trial copied under another name counts once, results written
as text count as what they say, every skipped result file is said, NaN is no threshold, a FIFO hangs nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git_skill_executable, run_cli
from tests.support.runs import write_harbor_job, write_harbor_trial, write_tb_run


def compared(tmp_path: Path, *args: str) -> dict:
    done = run_cli("compare", "--format", "json", *args, cwd=tmp_path)
    assert done.code == 0, done.err
    return json.loads(done.out)


def condition(report: dict, index: int) -> dict:
    return report["conditions"][index]


def test_a_trial_copied_under_another_name_counts_once_and_is_said(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"alpha": True, "beta": False})
    job = write_harbor_job(tmp_path / "job", {"alpha": [1.0], "beta": [0.0]})
    shutil.copytree(job / "beta__a1", job / "beta__a1 copy")
    report = compared(tmp_path, "base", "job")
    assert condition(report, 1)["trials"] == 2
    assert any("a copy of the trial" in item for item in condition(report, 1)["unreadable"])
    text = run_cli("compare", "base", "job", cwd=tmp_path).out
    assert "1 result files were skipped" in text and "a copy of the trial" in text


def test_results_written_as_text_count_as_what_they_say(tmp_path: Path) -> None:
    run = write_tb_run(tmp_path / "base", {"alpha": True, "beta": True, "gamma": True})
    data = json.loads((run / "results.json").read_text())
    data["results"][0]["is_resolved"] = "yes"
    data["results"][1]["is_resolved"] = "false"
    data["results"][2]["is_resolved"] = "maybe"  # no verdict: no reward, and said
    (run / "results.json").write_text(json.dumps(data))
    job = write_harbor_job(tmp_path / "job", {"alpha": [1.0], "beta": [1.0], "gamma": [1.0]})
    result = json.loads((job / "alpha__a1" / "result.json").read_text())
    result["verifier_result"] = {"rewards": {"reward": "1"}}
    (job / "alpha__a1" / "result.json").write_text(json.dumps(result))
    report = compared(tmp_path, "base", "job")
    base, candidate = condition(report, 0), condition(report, 1)
    assert base["pass_rate"] == pytest.approx(1 / 3) and base["no_reward"] == 1, base
    assert candidate["pass_rate"] == 1.0, candidate


def test_nan_array_and_fifo_result_files_are_said_not_dropped(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"alpha": True, "beta": True, "gamma": True, "delta": True})
    job = write_harbor_job(tmp_path / "job", {"alpha": [1.0], "beta": [1.0], "gamma": [1.0], "delta": [1.0]})
    (job / "beta__a1" / "result.json").write_text("[1, 2, 3]")
    (job / "gamma__a1" / "result.json").unlink()
    os.mkfifo(job / "gamma__a1" / "result.json")
    result = json.loads((job / "delta__a1" / "result.json").read_text())
    result["verifier_result"] = None  # the reward comes from verifier/reward.txt, which says nan
    (job / "delta__a1" / "result.json").write_text(json.dumps(result))
    (job / "delta__a1" / "verifier" / "reward.txt").write_text("NaN\n")
    done = subprocess.run([git_skill_executable(), "compare", "--format", "json", "base", "job"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    candidate = json.loads(done.stdout)["conditions"][1]
    skipped = " ".join(candidate["unreadable"])
    assert "beta__a1" in skipped and "gamma__a1" in skipped, skipped
    assert candidate["no_reward"] == 1  # the NaN reward: a trial without a verdict, counted and said


@pytest.mark.parametrize("threshold", ["nan", "NaN"])
def test_a_nan_pass_threshold_is_a_usage_error(tmp_path: Path, threshold: str) -> None:
    write_tb_run(tmp_path / "base", {"alpha": True})
    write_tb_run(tmp_path / "cand", {"alpha": True})
    done = run_cli("compare", "base", "cand", "--pass-threshold", threshold, cwd=tmp_path)
    assert done.code == 2 and "nan" in done.err.lower(), done.err


def test_a_fifo_as_the_task_list_is_refused_not_waited_on(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"alpha": True})
    write_tb_run(tmp_path / "cand", {"alpha": True})
    os.mkfifo(tmp_path / "tasks.txt")
    done = subprocess.run([git_skill_executable(), "compare", "base", "cand", "--tasks", "tasks.txt"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 3 and "not a regular file" in done.stderr, done.stderr


def test_an_agent_log_too_large_to_parse_is_not_read(tmp_path: Path) -> None:
    """A log over the cap is not read (its tool calls stay unknown). The file is sparse: the cap is checked on
    its size before a byte is read."""
    from git_skill.evaluation import results

    job = tmp_path / "job"
    write_harbor_trial(job, "alpha", 1, 1.0, tool_calls=[("bash", {"keystrokes": "ls\n"})])
    with open(job / "alpha__a1" / "agent" / "trajectory.json", "r+b") as log:
        log.truncate(results.MAX_LOG_BYTES + 1)
    [trial] = results.load_condition(job, 1.0).trials
    assert trial.tool_calls is None and trial.passed
