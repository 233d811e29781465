"""A large trajectory is read a step at a time: peak memory of a real `git skill usage` process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

_PEAK = """
import resource, sys
from git_skill.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def write_trial(folder: Path, steps: int, output_bytes: int) -> Path:
    """A Harbor trial whose ATIF trajectory holds `steps` tool calls (one a Skill call), each with a large output."""
    (folder / "agent").mkdir(parents=True)
    (folder / "verifier").mkdir()
    (folder / "verifier" / "reward.txt").write_text("1\n", encoding="utf-8")
    (folder / "result.json").write_text(json.dumps({"task_name": "big", "trial_name": folder.name}), encoding="utf-8")
    line = "x" * 99 + "\n"
    output = line * (output_bytes // len(line))
    with (folder / "agent" / "trajectory.json").open("w", encoding="utf-8") as handle:
        handle.write('{"schema_version": "ATIF-v1.2", "session_id": "s", "agent": {"name": "claude-code"}, "steps": [')
        for number in range(steps):
            call = {"tool_call_id": f"c{number}", "function_name": "Skill" if number == 1 else "Bash",
                    "arguments": {"skill": "csv-report"} if number == 1 else {"command": "make"}}
            step = {"step_id": number, "source": "agent", "tool_calls": [call],
                    "observation": {"results": [{"source_call_id": f"c{number}", "content": output}]}}
            handle.write(("," if number else "") + json.dumps(step))
        handle.write('], "final_metrics": {"total_prompt_tokens": 5}}')
    return folder


def peak_kb(trial: Path, cwd: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-c", _PEAK, "usage", "--format", "json", str(trial)], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin",
                                                               "HOME": str(cwd)}, check=True)
    return int(done.stderr.strip().splitlines()[-1]), json.loads(done.stdout)


def test_a_large_atif_trajectory_costs_a_fraction_of_its_size(tmp_path: Path) -> None:
    small = write_trial(tmp_path / "small__1", 3, 1000)
    large = write_trial(tmp_path / "large__1", 800, 50_000)
    size_kb = (large / "agent" / "trajectory.json").stat().st_size // 1024
    assert size_kb > 38_000
    baseline, _ = peak_kb(small, tmp_path)
    peak, report = peak_kb(large, tmp_path)
    rows = {row["name"]: row for row in report["skills"]}
    assert rows["csv-report"]["loads"] == 1 and rows["csv-report"]["outcomes"]["loaded"] == {"trials": 1, "passed": 1}
    assert peak - baseline < size_kb // 4, f"reading a {size_kb} KB trajectory took {peak - baseline} KB more"


def test_a_large_trajectory_cut_short_keeps_the_steps_before_the_cut(tmp_path: Path) -> None:
    trial = write_trial(tmp_path / "cut__1", 360, 50_000)  # over 16 MB: streamed
    path = trial / "agent" / "trajectory.json"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30_000])  # killed mid-step, as a timed-out trial leaves it
    _, report = peak_kb(trial, tmp_path)
    rows = {row["name"]: row for row in report["skills"]}
    assert rows["csv-report"]["loads"] == 1
