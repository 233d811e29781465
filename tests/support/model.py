"""Replies a model might give, and learn run against a fake server, for the model-path tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.fake_llm import FakeLLM


REFLECTION = {
    "solved": "no", "evidence": "test_output failed", "soundness": "installed the compiler after the first failure",
    "error_fixes": [{"error": "gcc: command not found", "fix": "apt-get install -y gcc", "step": 4}],
    "unjustified_steps": [], "missed_edge_cases": ["empty output"], "repeated_patterns": [],
    "pitfalls": ["the binary printed nothing"], "verification_gaps": ["never ran ./hello"],
    "lessons": ["install the toolchain first", "run the binary and compare its output"],
}


CREATION = {
    "operation": "create", "name": "build-c-programs",
    "description": "Build and check small C programs. Use when a task asks to compile C code and check its output.",
    "when_to_use": "A task needs a C file compiled into a working binary.",
    "approaches": ["Install the compiler if `gcc` is missing: `apt-get install -y gcc`.",
                   "Compile with warnings on: `gcc -Wall hello.c -o hello`."],
    "pitfalls": ["A binary that builds can still print nothing: run it before finishing."],
    "verification": ["Run `./hello` and compare its output with the task's requirement."],
    "scripts": [{"path": "build.sh", "content": "#!/bin/sh\nset -e\ngcc -Wall \"$1\" -o \"${1%.c}\"\n"}],
}


def learn(repo: Path, source: Path, server: FakeLLM, *extra: str) -> object:
    return run_cli("learn", str(source), "--model", "openai/fake-model", "--api-base", server.url, "--timeout", "5",
                   *extra, cwd=repo)


def reply(value: object) -> dict:
    return {"content": value if isinstance(value, str) else json.dumps(value)}
