"""Benchmark: batch learning with a model, 40 tasks in two task families (`crack-7z-hash.v01` …,
`migrate-tables.v01` …) against a local OpenAI-compatible server that takes 300 ms per call (the
fake server of the tests), `--jobs 8` against `--jobs 1`.

Each run is the real command (`git-skill learn RUN --model … --api-base …`) in a fresh
repository. Reported: the whole command, start-up included (litellm's import alone takes
seconds), the model phase as the server saw it (first request to last reply), the calls made
(reflections and creations) and the skills written. `--code DIR` runs another checkout's code
(say, main before a change) for a before-and-after table.

    python bench/bench_learn_model.py [--tasks 40] [--latency 0.3] [--jobs 1 8] [--code DIR]
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


FAMILIES = {  # two task families: what their trials ran, and the skill a model would propose for them
    "crack-7z-hash": ("root@box:/app# 7z x archive.7z\nERROR: Wrong password\nroot@box:/app# 7z2john archive.7z > h\n"
                      "root@box:/app# john --wordlist=words.txt h\n1 password hash cracked\nroot@box:/app# exit\n",
                      "Recover a 7z archive's password with john. Use when an archive asks for a password."),
    "migrate-tables": ("root@box:/app# sqlite3 app.db < migrate.sql\nError: no such table: users\n"
                       "root@box:/app# sqlite3 app.db < create.sql\nroot@box:/app# exit\n",
                       "Migrate SQLite tables in order. Use when a migration fails on a missing table."),
}


def creation(task: str) -> dict[str, Any]:
    """The model names each creation after its task (as strong models do), describing the family's lesson."""
    family = task.split(".")[0]
    return {"operation": "create", "name": task.replace(".", "-"), "description": FAMILIES[family][1],
            "when_to_use": FAMILIES[family][1].split(". ")[1], "approaches": [FAMILIES[family][1].split(". ")[0]],
            "pitfalls": ["The first error names what is missing: read it."], "verification": ["Rerun the tests."]}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """Each task's calls answered by what they hold, so concurrent tasks get their own replies."""
    content = body["messages"][0]["content"]
    if "The digest:" in content:
        task = re.search(r"Make the (\S+) job pass", content)
        return {"content": json.dumps({**REFLECTION, "evidence": f"task {task.group(1) if task else '?'}"})}
    task = re.search(r"task ((?:crack-7z-hash|migrate-tables)\.v\d+)", content)
    return {"content": json.dumps(creation(task.group(1) if task else "crack-7z-hash.v00"))}


def make_run(root: Path, tasks: int) -> Path:
    """A Terminal-Bench run folder: one trial per task, half the tasks variants of each family."""
    run = root / "run"
    for index in range(tasks):
        family = list(FAMILIES)[index % 2]
        task = f"{family}.v{index // 2:02d}"
        trial = run / task / f"{task}.1-of-1"
        (trial / "sessions").mkdir(parents=True)
        (trial / "results.json").write_text(json.dumps({
            "task_id": task, "instruction": f"Make the {task} job pass.", "is_resolved": False,
            "failure_mode": "unset", "parser_results": {"test_main": "failed"}}))
        (trial / "sessions" / "agent.log").write_text(FAMILIES[family][0])
        (trial / "sessions" / "tests.log").write_text("FAILED tests/test_outputs.py::test_main - AssertionError\n")
    return run


def learn(run: Path, root: Path, jobs: int, latency: float, code: Path) -> tuple[float, float, int, int, int]:
    """Whole command and model phase in seconds, reflections, creations, skills written."""
    repo = root / f"repo-{jobs}"
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    env = {**os.environ, "OPENAI_API_KEY": "bench-not-secret", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "PYTHONPATH": str(code)}
    with FakeLLM() as server:
        server.latency = latency
        server.responder = answer
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "git_skill", "learn", str(run), "--model", "openai/bench-model",
                               "--api-base", server.url, "--jobs", str(jobs), "--context-window", "32768"],
                              cwd=repo, env=env, capture_output=True, text=True)
        total = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"learn --jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]}")
        phase = (server.last_reply_at or 0) - (server.first_request_at or 0)
        reflections = sum(1 for r in server.requests if "The digest:" in r["messages"][0]["content"])
        written = len(list((repo / ".agents" / "skills").glob("*/SKILL.md")))
        return total, phase, reflections, len(server.requests) - reflections, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose git_skill runs (default: this one)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-learn-"))
    try:
        run = make_run(root, args.tasks)
        print(f"{args.tasks} tasks in {len(FAMILIES)} families, {args.latency * 1000:.0f} ms per call, "
              f"code from {args.code}\n")
        print("| --jobs | whole command | model phase (server) | reflections | creations | skills written |\n"
              "|---:|---:|---:|---:|---:|---:|")
        results = {}
        for jobs in args.jobs:
            total, phase, reflections, creations, written = learn(run, root, jobs, args.latency, args.code)
            results[jobs] = (total, phase)
            print(f"| {jobs} | {total:.1f} s | {phase:.1f} s | {reflections} | {creations} | {written} |", flush=True)
        if len(results) >= 2:
            low, high = min(results), max(results)
            print(f"\n--jobs {high} vs --jobs {low}: {results[low][0] / results[high][0]:.1f}x faster overall, "
                  f"{results[low][1] / results[high][1]:.1f}x in the model phase")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
