"""Benchmark: `git skill link` on a repository of 1,000 skills (links and copies), the re-sync every
writer runs afterwards, `link --check`, and `validate` with an agent's links in a skills root;
`cp -r` of the same skills is the floor for copies.

    python bench/bench_link.py [--skills 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import generate  # noqa: E402

CLI = [sys.executable, "-m", "git_skill"]


def timed(args: list[str], cwd: Path, repeat: int, reset: list[str] | None = None) -> float:
    """The fastest of `repeat` runs (seconds); `reset` runs untimed before each one."""
    best = float("inf")
    for _ in range(repeat):
        if reset:
            subprocess.run(reset, cwd=cwd, check=True, capture_output=True)
        start = time.perf_counter()
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skills", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    repo = Path(tempfile.mkdtemp(prefix="git-skill-bench-link-"))
    try:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        generate(repo / ".agents" / "skills", args.skills)  # about one in ten invalid: validate still reads all
        n, r = args.skills, args.repeat
        unlink = CLI + ["link", "--uninstall", "claude-code", "--force"]
        rows = [
            ("`git skill validate`, no agent linked (the baseline)", timed(CLI + ["validate"], repo, r)),
            ("`git skill link claude-code` (a relative link per skill)",
             timed(CLI + ["link", "claude-code"], repo, r, reset=unlink)),
            ("`git skill link` again: the re-sync after every write, nothing to change",
             timed(CLI + ["link"], repo, r)),
            ("`git skill link --check` (links)", timed(CLI + ["link", "--check"], repo, r)),
            ("`git skill validate` with the links in `.claude/skills` (each skill once)",
             timed(CLI + ["validate"], repo, r)),
            ("`git skill link claude-code --copy` (a copy per skill, digests recorded)",
             timed(CLI + ["link", "claude-code", "--copy"], repo, r, reset=unlink)),
            ("`git skill link --check` (copies: every copy's digest and its source's)",
             timed(CLI + ["link", "--check"], repo, r)),
            ("`git skill validate` with the copies in `.claude/skills` (each skill once)",
             timed(CLI + ["validate"], repo, r)),
            ("`cp -r` of the same skills (the floor for copies)",
             timed(["cp", "-r", ".agents/skills", "copy-floor"], repo, r, reset=["rm", "-rf", "copy-floor"])),
        ]
        print(f"{n} skills, fastest of {r}, start-up included\n")
        print("| what | total | per skill |\n|---|---:|---:|")
        for label, seconds in rows:
            print(f"| {label} | {seconds:.2f} s | {seconds / n * 1000:.2f} ms |")
    finally:
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    main()
