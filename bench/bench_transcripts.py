"""Benchmark: reading and digesting large transcripts (throughput and peak memory).

    python bench/bench_transcripts.py [--sizes 10,100,500] [--repeat 3] [--formats claude-code,mini-log,...]

Formats: claude-code (session JSONL, the default), and the agents' own logs: mini-log and
openhands-log (an installed agent's console inside a raw terminal log, with ANSI colour and
spinner redraws), claude-stream (`--output-format stream-json`), codex-exec (`exec --json`)
and gemini (a Gemini CLI recording, one JSON document), each with the same steps and outputs.

Generates Claude Code JSONL sessions of the given sizes in MB, shaped like real ones:
each record carries Claude Code's metadata (uuid, parentUuid, requestId, gitBranch,
usage); tool outputs are 60% short (0.2-2 KB), 35% medium (2-10 KB) and 5% large
(20-100 KB, file reads and test logs); one command in 17 fails and one output in
101 holds a secret. Then it measures in a
fresh process each: reading every event (redaction included) and building the
digest, each the fastest of --repeat runs. Peak memory is the process's maximum resident
set size (the largest of the runs).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from git_skill.transcripts import open_transcript
from git_skill.transcripts.digest import collect, fit
path, mode = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if mode == "read":
    count = sum(1 for _ in open_transcript(path).events)
else:
    text, _, _ = fit(collect(open_transcript(path)), 24000)
    count = len(text)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "count": count, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, megabytes: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    words = "build test lint deploy parse fetch index render compile migrate".split()
    base = {"sessionId": "6f1c2a9e-bench", "cwd": "/home/dev/project", "version": "2.0.14", "isSidechain": False,
            "userType": "external", "gitBranch": "feature/parser", "parentUuid": "0b3e4c1d-6c55-4f5e-9d0e-2b9f3c7a1e42"}
    target = megabytes * 1024 * 1024
    size = 0
    i = 0
    with path.open("w") as handle:
        def write(record: dict) -> None:
            nonlocal size
            line = json.dumps(record) + "\n"
            handle.write(line)
            size += len(line)

        write({**base, "type": "user", "uuid": "u0", "message": {"role": "user", "content": "Make CI green"}})
        while size < target:
            i += 1
            command = f"make {rng.choice(words)} TARGET={rng.randint(1, 99)}"
            write({**base, "type": "assistant", "uuid": f"a{i:08d}-5e1f-4c2b-9a7d-3f0e2d1c4b5a",
                   "requestId": f"req_011CV{i:012d}", "timestamp": "2026-01-01T00:00:00.000Z",
                   "message": {"id": f"msg_01{i:022d}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                               "content": [{"type": "text", "text": f"Running {command} next."},
                                           {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": command}}],
                               "stop_reason": "tool_use", "stop_sequence": None,
                               "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 2000,
                                         "cache_read_input_tokens": 40000, "output_tokens": 50,
                                         "service_tier": "standard"}}})
            roll = rng.random()
            count = rng.randint(4, 40) if roll < 0.6 else rng.randint(40, 200) if roll < 0.95 else rng.randint(400, 2000)
            lines = [f"[{j:04d}] {rng.choice(words)}ing src/{rng.choice(words)}/module_{rng.randint(0, 999)}.py ... ok"
                     for j in range(count)]
            failing = i % 17 == 0
            if failing:
                lines.append(f"error: {rng.choice(words)} failed with status 2")
            if i % 101 == 0:
                lines.append("export API_TOKEN=tok_" + "".join(rng.choice("abcdef0123456789") for _ in range(32)))
            write({**base, "type": "user", "uuid": f"r{i:08d}-7a2b-4d3c-8e9f-1a2b3c4d5e6f", "timestamp": "2026-01-01T00:00:01.000Z",
                   "toolUseResult": {"stdout": "", "stderr": "", "interrupted": False, "isImage": False},
                   "message": {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": f"t{i}", "is_error": failing, "content": "\n".join(lines)}]}})


def steps(megabytes: int, seed: int = 3):  # type: ignore[no-untyped-def]
    """The same agent steps for every format: (index, command, output, failing), outputs sized as above."""
    rng = random.Random(seed)
    words = "build test lint deploy parse fetch index render compile migrate".split()
    target, size, i = megabytes * 1024 * 1024, 0, 0
    while size < target:
        i += 1
        command = f"make {rng.choice(words)} TARGET={rng.randint(1, 99)}"
        roll = rng.random()
        count = rng.randint(4, 40) if roll < 0.6 else rng.randint(40, 200) if roll < 0.95 else rng.randint(400, 2000)
        lines = [f"[{j:04d}] {rng.choice(words)}ing src/{rng.choice(words)}/module_{rng.randint(0, 999)}.py ... ok"
                 for j in range(count)]
        failing = i % 17 == 0
        if failing:
            lines.append(f"error: {rng.choice(words)} failed with status 2")
        if i % 101 == 0:
            lines.append("export API_TOKEN=tok_" + "".join(rng.choice("abcdef0123456789") for _ in range(32)))
        output = "\n".join(lines)
        size += len(output) + 200
        yield i, command, output, failing


def generate_agent_log(path: Path, megabytes: int, fmt: str) -> None:
    prompt = "root@4f2a9c1e7b3d:/app# "
    with path.open("w") as handle:
        if fmt in ("mini-log", "openhands-log"):
            agent = "mini -m m -t 'Make CI green' -y" if fmt == "mini-log" else "openhands --task 'Make CI green'"
            handle.write(f"{prompt}{agent}; tmux wait -S done\r\n")
        if fmt == "mini-log":
            handle.write("\U0001f44b This is mini-swe-agent version 1.9.0.\r\nSystem:\r\nRules.\r\nUser:\r\n"
                         "Please solve this issue: Make CI green\r\n" + "\u2500" * 80 + "\r\n")
        if fmt == "claude-stream":
            handle.write(json.dumps({"type": "system", "subtype": "init", "session_id": "s", "model": "m"}) + "\n")
        if fmt == "codex-exec":
            handle.write(json.dumps({"type": "thread.started", "thread_id": "t"}) + "\n")
        if fmt == "gemini":  # one JSON document, written message by message (the parent's memory stays small)
            handle.write(json.dumps({"sessionId": "s", "projectHash": "h", "startTime": "2026-01-01T00:00:00Z",
                                     "lastUpdated": "2026-01-01T00:00:00Z"})[:-1] + ', "messages": [' + json.dumps(
                {"id": "u", "timestamp": "2026-01-01T00:00:00Z", "type": "user", "content": "Make CI green"}))
        for i, command, output, failing in steps(megabytes):
            code = 2 if failing else 0
            if fmt == "mini-log":
                handle.write("\r\x1b[2K\u280b Waiting for the LM to respond...\r\x1b[2K\r\n"
                             f"\x1b[1mmini-swe-agent (step {i}, ${i / 100:.2f}):\x1b[0m\r\nTHOUGHT: Running {command} next."
                             f"\r\n\r\n```bash\r\n{command}\r\n```\r\n\r\nUser:\r\n<returncode>{code}</returncode>\r\n"
                             f"<output>\r\n{output.replace(chr(10), chr(13) + chr(10))}\r\n</output>\r\n"
                             + "\u2500" * 80 + "\r\n")
            elif fmt == "openhands-log":
                handle.write(f"\x1b[92m12:00:00 - ACTION\x1b[0m\r\n**CmdRunAction (source=EventSource.AGENT, "
                             f"is_input=False)**\r\nTHOUGHT: Running {command} next.\r\nCOMMAND:\r\n{command}\r\n"
                             f"\x1b[33m12:00:01 - OBSERVATION\x1b[0m\r\n**CmdOutputObservation (source=EventSource.AGENT, "
                             f"exit code={code}, metadata={{}})**\r\n--BEGIN AGENT OBSERVATION--\r\n"
                             f"{output.replace(chr(10), chr(13) + chr(10))}\r\n--END AGENT OBSERVATION--\r\n")
            elif fmt == "claude-stream":
                handle.write(json.dumps({"type": "assistant", "session_id": "s", "parent_tool_use_id": None, "message": {
                    "id": f"msg_{i}", "role": "assistant", "content": [
                        {"type": "text", "text": f"Running {command} next."},
                        {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": command}}]}}) + "\n")
                handle.write(json.dumps({"type": "user", "session_id": "s", "parent_tool_use_id": None, "message": {
                    "role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "is_error": failing,
                                                 "content": output}]}}) + "\n")
            elif fmt == "codex-exec":
                handle.write(json.dumps({"type": "item.completed", "item": {"id": f"r{i}", "type": "agent_message",
                                                                            "text": f"Running {command} next."}}) + "\n")
                handle.write(json.dumps({"type": "item.completed", "item": {
                    "id": f"c{i}", "type": "command_execution", "command": f"bash -lc '{command}'",
                    "aggregated_output": output, "exit_code": code, "status": "failed" if failing else "completed"}}) + "\n")
            elif fmt == "gemini":
                handle.write(", " + json.dumps({"id": f"m{i}", "timestamp": "2026-01-01T00:00:00Z", "type": "gemini",
                                 "content": f"Running {command} next.", "toolCalls": [{
                                     "id": f"c{i}", "name": "run_shell_command", "args": {"command": command},
                                     "status": "error" if failing else "success", "result": [{"functionResponse": {
                                         "id": f"c{i}", "name": "run_shell_command",
                                         "response": {"output": f"Output: {output}\nExit Code: {code}"}}}]}]}))
        if fmt in ("mini-log", "openhands-log"):
            handle.write(f"{prompt}\r\n")
        if fmt == "gemini":
            handle.write("]}")


FORMATS = ("claude-code", "mini-log", "openhands-log", "claude-stream", "codex-exec", "gemini")


def run_once(path: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure_all(paths: dict[str, Path], repeat: int) -> dict[str, dict[str, dict]]:
    """Per format and mode, the fastest of `repeat` fresh processes. The formats take turns within each
    round, so a busy or slow spell of this shared machine weighs on all of them alike."""
    best: dict[str, dict[str, dict]] = {fmt: {} for fmt in paths}
    for _ in range(repeat):
        for fmt, path in paths.items():
            for mode in ("read", "digest"):
                run = run_once(path, mode)
                known = best[fmt].get(mode)
                best[fmt][mode] = {"seconds": min(run["seconds"], known["seconds"]) if known else run["seconds"],
                                   "peak_mb": max(run["peak_mb"], known["peak_mb"]) if known else run["peak_mb"]}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per measurement; the fastest counts")
    parser.add_argument("--formats", default="claude-code", help=f"comma-separated, of: {', '.join(FORMATS)}")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = [f for f in args.formats.split(",") if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        parser.error(f"unknown format(s): {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="git-skill-bench-") as folder:
        print("| format | transcript | read all events | read throughput | peak memory (read) | digest | peak memory (digest) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for megabytes in sizes:
            paths = {}
            for fmt in formats:
                paths[fmt] = Path(folder) / f"session-{fmt}-{megabytes}mb.log"
                if fmt == "claude-code":
                    generate(paths[fmt], megabytes)
                else:
                    generate_agent_log(paths[fmt], megabytes, fmt)
            for fmt, result in measure_all(paths, args.repeat).items():
                actual = paths[fmt].stat().st_size / 1024 / 1024
                read, digest = result["read"], result["digest"]
                print(f"| {fmt} | {actual:.0f} MB | {read['seconds']:.2f} s | {actual / read['seconds']:.0f} MB/s | "
                      f"{read['peak_mb']:.0f} MB | {digest['seconds']:.2f} s | {digest['peak_mb']:.0f} MB |", flush=True)
            for path in paths.values():
                path.unlink()


if __name__ == "__main__":
    main()
