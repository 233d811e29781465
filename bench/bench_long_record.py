"""Benchmark: one huge record (a big paste in the first prompt, a tool output of hundreds of MB on one line).

    python bench/bench_long_record.py [--sizes 50,200] [--repeat 1]

Writes two Claude Code sessions per size: one whose *first* record holds the paste (format
sniffing must still recognise it), one whose second record is a tool result of that size. Each is
digested in a fresh process; peak memory is the process's maximum resident set size. Memory must
stay bounded by the cap per text (jsonl.STRING_KEEP_BYTES), not by the line's length.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from git_skill.transcripts import open_transcript
from git_skill.transcripts.digest import collect, fit
start = time.perf_counter()
text, _, _ = fit(collect(open_transcript(Path(sys.argv[1]))), 24000)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BASE = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/dev/project",
        "sessionId": "6f1c2a9e-long", "version": "2.0.14"}


def generate(path: Path, megabytes: int, first: bool) -> None:
    line = 'pasted log line 0123456789 with "quotes", a tab\tand é ' * 20 + "\n"
    paste = line * (megabytes * 1024 * 1024 // len(line.encode()))
    with path.open("w") as handle:
        if first:
            handle.write(json.dumps({**BASE, "type": "user", "uuid": "u0",
                                     "message": {"role": "user", "content": "Fix this:\n" + paste}}) + "\n")
        else:
            handle.write(json.dumps({**BASE, "type": "user", "uuid": "u0",
                                     "message": {"role": "user", "content": "Fix the build"}}) + "\n")
            handle.write(json.dumps({**BASE, "type": "user", "uuid": "u1", "message": {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": paste}]}}) + "\n")
        for i in range(20):
            handle.write(json.dumps({**BASE, "type": "assistant", "uuid": f"a{i}", "message": {
                "id": f"m{i}", "role": "assistant", "content": [{"type": "text", "text": f"step {i}"}]}}) + "\n")


def measure(path: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True)
        if out.returncode:
            return {"error": out.stderr.strip().splitlines()[-1]}
        runs.append(json.loads(out.stdout))
    return {"seconds": min(r["seconds"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,200")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--generate", nargs=3, metavar=("PATH", "MB", "FIRST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:  # in its own process: a child inherits its parent's peak memory, which would count
        generate(Path(args.generate[0]), int(args.generate[1]), args.generate[2] == "first")
        return
    with tempfile.TemporaryDirectory(prefix="git-skill-bench-") as folder:
        print("| record | where | digest | peak memory |")
        print("|---:|---|---:|---:|")
        for megabytes in (int(s) for s in args.sizes.split(",")):
            for first in (True, False):
                path = Path(folder) / f"long-{megabytes}.jsonl"
                subprocess.run([sys.executable, __file__, "--generate", str(path), str(megabytes),
                                "first" if first else "later"], check=True)
                result = measure(path, args.repeat)
                where = "first record" if first else "a tool result"
                if "error" in result:
                    print(f"| {megabytes} MB | {where} | {result['error']} | |")
                else:
                    print(f"| {megabytes} MB | {where} | {result['seconds']:.2f} s | {result['peak_mb']:.0f} MB |")
                path.unlink()


if __name__ == "__main__":
    main()
