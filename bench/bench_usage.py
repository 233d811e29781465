"""Benchmark: peak memory and time of `usage`, `digest` and `compare` on a Harbor trial whose ATIF
trajectory is large (155 MB by default: 3,100 tool calls with 50 KB outputs, one a Skill call),
and on the same calls as a Claude Code stream-json log. Each command runs in its own process
(peak resident memory as the kernel counts it, the interpreter's own ~40 MB included).

    python bench/bench_usage.py [--megabytes 155]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURE = """
import resource, sys, time
from git_skill.cli import main
start = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(f"{time.perf_counter() - start:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}",
      file=sys.stderr)
"""


def trial(folder: Path, steps: int, stream: bool) -> Path:
    (folder / "agent").mkdir(parents=True)
    (folder / "verifier").mkdir()
    (folder / "verifier" / "reward.txt").write_text("1\n")
    (folder / "result.json").write_text(json.dumps({"task_name": "big", "trial_name": folder.name}))
    output = ("x" * 99 + "\n") * 500  # 50 KB
    if stream:
        with (folder / "agent" / "claude-code.txt").open("w") as handle:
            handle.write(json.dumps({"type": "system", "subtype": "init", "session_id": "s", "tools": ["Bash"]}) + "\n")
            for n in range(steps):
                use = {"type": "tool_use", "id": f"t{n}", "name": "Skill" if n == 5 else "Bash",
                       "input": {"skill": "csv-report"} if n == 5 else {"command": "make"}}
                handle.write(json.dumps({"type": "assistant", "message": {"id": f"m{n}", "content": [use]}}) + "\n")
                handle.write(json.dumps({"type": "user", "message": {"content": [
                    {"type": "tool_result", "tool_use_id": f"t{n}", "content": output}]}}) + "\n")
            handle.write(json.dumps({"type": "result", "subtype": "success"}) + "\n")
        return folder
    with (folder / "agent" / "trajectory.json").open("w") as handle:
        handle.write('{"schema_version": "ATIF-v1.2", "session_id": "s", "agent": {"name": "claude-code"}, "steps": [')
        for n in range(steps):
            call = {"tool_call_id": f"c{n}", "function_name": "Skill" if n == 5 else "Bash",
                    "arguments": {"skill": "csv-report"} if n == 5 else {"command": "make"}}
            step = {"step_id": n, "source": "agent", "timestamp": "2026-11-01T10:00:00Z", "tool_calls": [call],
                    "observation": {"results": [{"source_call_id": f"c{n}", "content": output}]}}
            handle.write(("," if n else "") + json.dumps(step))
        handle.write('], "final_metrics": {}}')
    return folder


def run(*args: str, cwd: Path) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], cwd=cwd, capture_output=True, text=True)
    seconds, peak = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=155)
    args = parser.parse_args()
    steps = args.megabytes * 1024 * 1024 // 51_300
    with tempfile.TemporaryDirectory(prefix="git-skill-bench-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        atif = trial(root / "atif" / "big__1", steps, stream=False)
        stream = trial(root / "stream" / "big__1", steps, stream=True)
        size = (atif / "agent" / "trajectory.json").stat().st_size / 1e6
        print(f"generated two trials of {size:.0f} MB in {time.perf_counter() - started:.1f} s")
        print("| command | log | time | peak memory |")
        print("|---|---|---:|---:|")
        for label, path in (("ATIF trajectory.json", atif), ("Claude Code stream", stream)):
            for command in (["usage", "--format", "json", str(path)], ["digest", str(path)]):
                seconds, peak = run(*command, cwd=root)
                print(f"| `git skill {command[0]}` | {label} | {seconds:.2f} s | {peak} MB |")
        seconds, peak = run("compare", str(atif.parent), str(stream.parent), cwd=root)
        print(f"| `git skill compare` | both | {seconds:.2f} s | {peak} MB |")


if __name__ == "__main__":
    main()
