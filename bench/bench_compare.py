"""Benchmark: `git skill compare` of 20 runs of 80 tasks (two conditions of 10 runs), start-up included.

Two layouts: Terminal-Bench 1 run files (one results.json per run) and Harbor job folders (one trial
folder per task with result.json and an ATIF trajectory of 40 tool calls, read for tool calls and
skill loads). Beside it: the interpreter's bare start-up, `git skill --version`, and
`import scipy.stats` alone (why the sign test is computed without scipy).

    python bench/bench_compare.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS_PER_CONDITION = 10
TASKS = [f"task-{i:02d}" + (".hard" if i % 9 == 0 else "") for i in range(80)]


def tb_run(folder: Path, rng: random.Random, skill: float) -> None:
    records = []
    for index, task in enumerate(TASKS):
        resolved = rng.random() < min(0.95, 0.2 + index / 120 + skill)
        records.append({"id": f"{task}-{rng.random()}", "trial_name": f"{task}.1-of-1.run", "task_id": task,
                        "instruction": "Fix the failing build. " * 40, "is_resolved": resolved,
                        "failure_mode": "unset",
                        "parser_results": {f"test_{n}": "passed" if resolved else "failed" for n in range(12)},
                        "total_input_tokens": rng.randrange(10_000, 90_000), "total_output_tokens": 2_000,
                        "trial_started_at": "2025-08-29T16:25:33.546105+00:00",
                        "agent_started_at": "2025-08-29T16:25:35.353950+00:00",
                        "agent_ended_at": f"2025-08-29T16:{26 + index % 30:02d}:06.334769+00:00"})
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"id": "run", "results": records, "accuracy": 0}),
                                         encoding="utf-8")


def harbor_job(folder: Path, rng: random.Random, skill: float) -> None:
    for index, task in enumerate(TASKS):
        trial = folder / f"{task}__{rng.randrange(10**6):06d}"
        (trial / "agent").mkdir(parents=True)
        reward = 1.0 if rng.random() < min(0.95, 0.2 + index / 120 + skill) else 0.0
        (trial / "result.json").write_text(json.dumps({
            "task_name": task, "trial_name": trial.name,
            "agent_result": {"n_input_tokens": rng.randrange(10_000, 90_000), "n_output_tokens": 2_000,
                             "cost_usd": rng.random()},
            "verifier_result": {"rewards": {"reward": reward}},
            "agent_execution": {"started_at": "2025-11-01T10:00:30Z", "finished_at": "2025-11-01T10:09:30Z"},
        }), encoding="utf-8")
        steps = [{"step_id": n, "source": "agent", "message": "Running the tests. " * 20,
                  "tool_calls": [{"tool_call_id": f"c{n}", "function_name": "Bash" if n % 7 else "Skill",
                                  "arguments": {"command": "make test && cat build.log | tail -50"}}],
                  "observation": {"results": [{"source_call_id": f"c{n}", "content": "ok\n" * 200}]}}
                 for n in range(40)]
        (trial / "agent" / "trajectory.json").write_text(json.dumps({"schema_version": "ATIF-v1.2", "steps": steps}),
                                                         encoding="utf-8")


def timed(command: list[str], repeat: int) -> tuple[float, float, str]:
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    git_skill = shutil.which("git-skill", path=str(Path(sys.executable).parent)) or "git-skill"
    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-compare-"))
    rng = random.Random(1)
    try:
        for layout, write in (("tb", tb_run), ("harbor", harbor_job)):
            for condition, skill in (("baseline", 0.0), ("with-skills", 0.08)):
                for run in range(RUNS_PER_CONDITION):
                    write(root / layout / condition / f"run-{run:02d}", rng, skill)
        print(f"2 conditions x {RUNS_PER_CONDITION} runs x {len(TASKS)} tasks; best and median of {args.repeat}, "
              "one process each, start-up included\n")
        print("| what | best | median |\n|---|---:|---:|")
        rows = [
            ("python -c pass (interpreter start-up)", [sys.executable, "-c", "pass"]),
            ("`git skill --version`", [git_skill, "--version"]),
            ("python -c 'import scipy.stats' (not used)", [sys.executable, "-c", "import scipy.stats"]),
        ]
        for layout, label in (("tb", "Terminal-Bench run files"), ("harbor", "Harbor job folders, 1,600 trials")):
            for form in ("text", "json"):
                rows.append((f"`git skill compare` {label}, --format {form}",
                             [git_skill, "compare", str(root / layout / "baseline"), str(root / layout / "with-skills"),
                              "--format", form]))
        for label, command in rows:
            try:
                best, median, out = timed(command, args.repeat)
            except subprocess.CalledProcessError:
                print(f"| {label} | unavailable | |")
                continue
            print(f"| {label} | {best:.2f} s | {median:.2f} s |")
            if command[-1] == "json":
                report = json.loads(out)
                assert report["conditions"][0]["trials"] == RUNS_PER_CONDITION * len(TASKS)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
