"""Benchmark: three-way merge of one realistic skill (clean and conflicting), and `git skill diff` of two
folders of 500 skills with 50 changed.

    python bench/bench_merge.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from git_skill.skills.merge import merge_skill


def skill(sections: int, marker: str = "") -> str:
    body = "".join(f"## Section {i}\n\n" + "".join(f"- Step {i}.{j}: run `make target-{j}` and check it.\n"
                                                   for j in range(12)) + "\n" for i in range(sections))
    return (f"---\nname: big-skill\ndescription: A long skill. Use when benchmarking merges.{marker}\n"
            f"metadata:\n  owner: bench\n  version: '1'\n---\n\n# Big skill\n\n{body}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    base = skill(40)
    ours = base.replace("- Step 3.4:", "- Step 3.4 (ours):").replace("version: '1'", "version: '2'")
    theirs = base.replace("- Step 30.4:", "- Step 30.4 (theirs):").replace("owner: bench", "owner: team")
    conflicting = base.replace("- Step 3.4:", "- Step 3.4 (theirs):")
    merge_skill(base, ours, theirs)  # warm-up: imports, the scratch repository
    print(f"skill of {len(base.splitlines())} lines, 40 sections; median of {args.repeat}\n")
    print("| merge | median | p95 |\n|---|---:|---:|")
    for label, other in (("clean (different sections and fields)", theirs), ("conflicting (same line)", conflicting)):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            merge_skill(base, ours, other)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"| {label} | {statistics.median(times):.2f} ms | {times[int(len(times) * 0.95)]:.2f} ms |")
    diff_benchmark()


def diff_benchmark(count: int = 500, changed: int = 50) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_validate import generate

    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-diff-"))
    try:
        folders = generate(root / "a", count)
        shutil.copytree(root / "a", root / "b")
        for folder in folders[:changed]:
            path = root / "b" / folder.name / "SKILL.md"
            path.write_text(path.read_text().replace("## Step 1\n", "## Step 1 (revised)\n", 1))
        git_skill = shutil.which("git-skill", path=str(Path(sys.executable).parent)) or "git-skill"
        times = []
        for _ in range(3):
            start = time.perf_counter()
            out = subprocess.run([git_skill, "diff", str(root / "a"), str(root / "b"), "--format", "json"],
                                 capture_output=True, text=True, check=True).stdout
            times.append(time.perf_counter() - start)
        found = len(json.loads(out)["changes"])
        print(f"\n`git skill diff` of two folders of {count} skills, {changed} changed ({found} reported): "
              f"{min(times):.2f} s (best of 3, one process, start-up included)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
