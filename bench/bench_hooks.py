"""Benchmark: the pre-commit hook path, checking one changed skill in a repository of 300 skills.

Both hooks run as `git skill install` runs them (`git-skill validate --staged`, then
`git-skill lint --staged`), each a fresh process, start-up included. Goal: under 0.6 s together.

    python bench/bench_hooks.py [--skills 300] [--repeat 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def timed_runs(command: list[str], cwd: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed: {result.stderr}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skills", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_validate import generate

    executable = str(Path(sys.executable).with_name("git-skill"))
    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-hooks-"))
    try:
        git(root, "init", "-q", "-b", "main")
        folders = generate(root / ".agents" / "skills", args.skills)
        git(root, "add", "-A")
        git(root, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "skills")
        changed = folders[0] / "SKILL.md"
        changed.write_text(changed.read_text() + "\n## Pitfalls\n\nRun the tests twice.\n")
        git(root, "add", "-A")
        validate = timed_runs([executable, "validate", "--staged"], root, args.repeat)
        lint = timed_runs([executable, "lint", "--staged"], root, args.repeat)
        both = [a + b for a, b in zip(validate, lint)]
        version = timed_runs([executable, "--version"], root, args.repeat)  # this machine's speed today
        print(f"one changed skill staged in a repository of {args.skills} skills; median of {args.repeat} "
              "(fresh processes, start-up included)\n")
        print("| hook | median | fastest |\n|---|---:|---:|")
        for label, times in (("validate --staged", validate), ("lint --staged", lint), ("both", both),
                             ("--version (start-up alone, for scale)", version)):
            print(f"| {label} | {statistics.median(times):.3f} s | {min(times):.3f} s |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
