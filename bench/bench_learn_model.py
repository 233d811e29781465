"""Benchmark: batch learning with a model, 40 tasks against a local OpenAI-compatible server that
takes 300 ms per call (the fake server of the tests), `--jobs 8` against `--jobs 1`.

Each run is the real command (`git-skill learn RUN --model … --api-base …`) in a fresh
repository, writing 40 skills (two calls per task: reflection, then creation). Reported: the
whole command, start-up included (litellm's import alone takes seconds), and the model phase
as the server saw it (first request to last reply).

    python bench/bench_learn_model.py [--tasks 40] [--latency 0.3] [--jobs 1 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_llm import FakeLLM  # noqa: E402 - the repository root must be importable first

REFLECTION = {"solved": "no", "evidence": "", "soundness": "fixed the build after the first failure",
              "error_fixes": [{"error": "make: *** missing rule", "fix": "add the Makefile rule", "step": 2}],
              "unjustified_steps": [], "missed_edge_cases": [], "repeated_patterns": [],
              "pitfalls": ["make fails without its rule"], "verification_gaps": ["never ran the tests"],
              "lessons": ["add the missing rule, then rerun make"]}


def creation(task: str) -> dict[str, Any]:
    return {"operation": "create", "name": f"make-{task}",
            "description": f"Fix make targets for the {task} build. Use when make reports a missing rule.",
            "when_to_use": "make stops with a missing rule.", "approaches": ["Add the rule, then rerun `make`."],
            "pitfalls": ["A target without its rule fails at once."], "verification": ["Rerun `make` and the tests."]}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """Each task's calls answered by what they hold, so concurrent tasks get their own replies."""
    content = body["messages"][0]["content"]
    if "The digest:" in content:
        task = re.search(r"Make the (\S+) job pass", content)
        return {"content": json.dumps({**REFLECTION, "evidence": f"task {task.group(1) if task else '?'}"})}
    task = re.search(r"task (task-\d+)", content)
    return {"content": json.dumps(creation(task.group(1) if task else "unknown"))}


def make_run(root: Path, tasks: int) -> Path:
    """A Terminal-Bench run folder: one trial per task, a failed make and its fix."""
    run = root / "run"
    for index in range(tasks):
        task = f"task-{index:02d}"
        trial = run / task / f"{task}.1-of-1"
        (trial / "sessions").mkdir(parents=True)
        (trial / "results.json").write_text(json.dumps({
            "task_id": task, "instruction": f"Make the {task} job pass.", "is_resolved": False,
            "failure_mode": "unset", "parser_results": {"test_main": "failed"}}))
        (trial / "sessions" / "agent.log").write_text(
            f"root@box:/app# make {task}\nmake: *** missing rule\nroot@box:/app# touch Makefile.{task}\n"
            f"root@box:/app# make {task} && echo OK\nOK\nroot@box:/app# exit\n")
        (trial / "sessions" / "tests.log").write_text("FAILED tests/test_outputs.py::test_main - AssertionError\n")
    return run


def learn(run: Path, root: Path, jobs: int, latency: float) -> tuple[float, float, int]:
    repo = root / f"repo-{jobs}"
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    executable = Path(sys.executable).with_name("git-skill")
    env = {**os.environ, "OPENAI_API_KEY": "bench-not-secret", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with FakeLLM() as server:
        server.latency = latency
        server.responder = answer
        start = time.perf_counter()
        done = subprocess.run([str(executable), "learn", str(run), "--model", "openai/bench-model", "--api-base",
                               server.url, "--jobs", str(jobs), "--context-window", "32768"],
                              cwd=repo, env=env, capture_output=True, text=True)
        total = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"learn --jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]}")
        phase = (server.last_reply_at or 0) - (server.first_request_at or 0)
        written = len(list((repo / ".agents" / "skills").glob("*/SKILL.md")))
        return total, phase, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-learn-"))
    try:
        run = make_run(root, args.tasks)
        print(f"{args.tasks} tasks, {args.latency * 1000:.0f} ms per call, 2 calls per task\n")
        print("| --jobs | whole command | model phase (server) | skills written |\n|---:|---:|---:|---:|")
        results = {}
        for jobs in args.jobs:
            total, phase, written = learn(run, root, jobs, args.latency)
            results[jobs] = (total, phase)
            print(f"| {jobs} | {total:.1f} s | {phase:.1f} s | {written} |", flush=True)
        if len(results) >= 2:
            low, high = min(results), max(results)
            print(f"\n--jobs {high} vs --jobs {low}: {results[low][0] / results[high][0]:.1f}x faster overall, "
                  f"{results[low][1] / results[high][1]:.1f}x in the model phase")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
