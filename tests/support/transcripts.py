"""Transcripts and trials as agents write them, for the readers, learn and digest tests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any


FAKE_TOKEN = "ghp_" + "Q" * 36
IMAGE = base64.b64encode(b"\x89PNG" + bytes(range(256)) * 4).decode()


def jsonl(path: Path, records: list[object], tail: bytes = b"") -> Path:
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)
    return path


def claude_records() -> list[dict]:
    base = {"sessionId": "s1", "cwd": "/home/dev/project", "version": "2.0.1", "isSidechain": False}
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "pytest -x", "description": "run"}}
    return [
        {**base, "type": "user", "uuid": "u1", "timestamp": "2026-01-01T10:00:00Z",
         "message": {"role": "user", "content": "Fix the failing test in parser.py"}},
        {**base, "type": "user", "uuid": "u0", "isMeta": True, "message": {"role": "user", "content": "<system-reminder>skills</system-reminder>"}},
        {**base, "type": "assistant", "uuid": "a1", "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5",
         "content": [{"type": "thinking", "thinking": "Run the tests first."}], "usage": {"input_tokens": 10, "output_tokens": 5}}},
        {**base, "type": "assistant", "uuid": "a2", "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5",
         "content": [tool_use], "usage": {"input_tokens": 10, "output_tokens": 9}}},
        {**base, "type": "assistant", "uuid": "a2b", "message": {"id": "msg_1", "role": "assistant", "content": [tool_use]}},
        {**base, "type": "user", "uuid": "u2", "toolUseResult": {"stdout": ""}, "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True,
             "content": f"Exit code 1\nFAILED test_parser.py::test_dates - AssertionError: token={FAKE_TOKEN}"}]}},
        {**base, "type": "user", "uuid": "u3", "message": {"role": "user", "content": [
            {"type": "text", "text": "here is a screenshot"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": IMAGE}}]}},
        {**base, "type": "assistant", "uuid": "a3", "isSidechain": True, "agentId": "explore1",
         "message": {"id": "msg_2", "role": "assistant", "content": [{"type": "text", "text": "Subagent looked around."}]}},
        {"type": "summary", "summary": "Earlier: the user asked to fix parser tests.", "leafUuid": "u3"},
        {**base, "type": "assistant", "uuid": "a4", "timestamp": "2026-01-01T10:05:00Z",
         "message": {"id": "msg_3", "role": "assistant", "content": [{"type": "text", "text": "Fixed: dates now parse."}]}},
        {"type": "mystery-record"},
        [1, 2, 3],
    ]


def write_harbor_trial(folder: Path, reward: str = "0", steps: bool = False) -> Path:
    atif = {
        "schema_version": "ATIF-v1.2", "session_id": "h1",
        "agent": {"name": "terminus-2", "version": "2.0", "model_name": "openai/gpt-5"},
        "steps": [
            {"step_id": 1, "source": "user", "message": "Compile hello.c into ./hello"},
            {"step_id": 2, "source": "agent", "message": "Compiling.", "reasoning_content": "gcc should work",
             "tool_calls": [{"tool_call_id": "t1", "function_name": "bash_command", "arguments": {"keystrokes": "gcc hello.c -o hello\n"}}],
             "observation": {"results": [{"source_call_id": "t1", "content": "bash: gcc: command not found"}]}},
            {"step_id": 3, "source": "agent", "message": "Installing gcc.",
             "tool_calls": [{"tool_call_id": "t2", "function_name": "bash_command", "arguments": json.dumps({"keystrokes": "apt-get install -y gcc\n"})}],
             "observation": {"results": [{"source_call_id": "t2", "content": "Setting up gcc"}]}},
        ],
        "final_metrics": {"total_prompt_tokens": 900, "total_completion_tokens": 80, "total_cost_usd": 0.01},
    }
    targets = [folder / "steps" / "build", folder / "steps" / "run"] if steps else [folder]
    for target in targets:
        (target / "agent").mkdir(parents=True)
        (target / "agent" / "trajectory.json").write_text(json.dumps(atif))
        (target / "verifier").mkdir()
        (target / "verifier" / "reward.txt").write_text(reward)
        (target / "verifier" / "test-stdout.txt").write_text(
            "tests/test_outputs.py::test_binary_exists PASSED\n"
            "______ test_output ______\nE   AssertionError: expected 'hello' got ''\n"
            "FAILED tests/test_outputs.py::test_output - AssertionError: expected 'hello' got ''\n")
    (folder / "result.json").write_text(json.dumps({"task_name": "build-hello", "trial_name": "build-hello__x1"}))
    return folder


def tb_trial(folder: Path, task: str, resolved: bool, failing: str | None, session: str | None = None) -> None:
    (folder / "sessions").mkdir(parents=True)
    results = {"task_id": task, "instruction": f"Make the {task} job pass.", "is_resolved": resolved,
               "failure_mode": "unset", "parser_results": {"test_main": "passed"}}
    if failing:
        results["parser_results"][failing] = "failed"
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "sessions" / "agent.log").write_text(session or (
        f"root@box:/app# make {task}\nmake: *** missing rule\nroot@box:/app# touch Makefile.{task}\n"
        f"root@box:/app# make {task} && echo OK\nOK\nroot@box:/app# exit\n"))
    log = f"FAILED tests/test_outputs.py::{failing} - AssertionError: wrong output\n" if failing else "1 passed\n"
    (folder / "sessions" / "tests.log").write_text(log)


def claude_session(path: Path, cwd: str, calls: list[tuple[str, str, dict[str, Any]]],
                   when: str = "2026-11-01T10:00:00Z") -> Path:
    """A Claude Code session JSONL whose assistant turns make these (call id, tool, input) calls; each
    assistant record is written twice under its message id, as streamed messages are."""
    records: list[dict[str, Any]] = [{"type": "user", "uuid": "u0", "parentUuid": None, "sessionId": "S", "cwd": cwd,
                                      "timestamp": when, "message": {"role": "user", "content": "do the task"}}]
    for number, (call_id, tool, arguments) in enumerate(calls, start=1):
        record = {"type": "assistant", "uuid": f"a{number}", "parentUuid": f"u{number - 1}", "sessionId": "S",
                  "cwd": cwd, "timestamp": when,
                  "message": {"id": f"msg{number}", "role": "assistant",
                              "content": [{"type": "tool_use", "id": call_id, "name": tool, "input": arguments}]}}
        records += [record, dict(record, uuid=f"a{number}b")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def swe_agent_trajectory() -> dict:
    """The shape SWE-agent 1.x writes (`<instance>.traj`)."""
    template = ("<uploaded_files>\n/testbed\n</uploaded_files>\nI've uploaded a python code repository in the directory "
                "/testbed. Consider the following PR description:\n\n<pr_description>\nSplitting a URL with a "
                "trailing slash raises IndexError\n</pr_description>\n\nCan you help me implement the necessary changes?")
    return {
        "trajectory": [
            {"thought": "Look at the code.", "action": "str_replace_editor view /testbed/urls.py",
             "observation": "Here's the result of running `cat -n` on /testbed/urls.py:\n 1 def split(u):",
             "response": "", "state": {}, "execution_time": 0.1},
            {"thought": "Reproduce.", "action": "python /testbed/reproduce.py",
             "observation": "Traceback (most recent call last):\n  File \"reproduce.py\", line 3\nIndexError: list index "
                            "out of range", "response": "", "state": {}},
            {"thought": "Fix it.", "action": "str_replace_editor str_replace /testbed/urls.py --old_str 'parts[1]' "
                                             "--new_str 'parts[-1]'",
             "observation": "The file /testbed/urls.py has been edited.", "response": "", "state": {}},
            {"thought": "Check again.", "action": "python /testbed/reproduce.py", "observation": "ok",
             "response": "", "state": {}},
            {"thought": "Done.", "action": "submit", "observation": "diff --git a/urls.py b/urls.py", "response": ""},
        ],
        "history": [{"role": "system", "content": "You are a helpful assistant"},
                    {"role": "user", "content": [{"type": "text", "text": template}]}],
        "info": {"exit_status": "submitted", "swe_agent_version": "1.1.0",
                 "model_stats": {"instance_cost": 0.4, "tokens_sent": 12000, "tokens_received": 900, "api_calls": 5}},
        "replay_config": json.dumps({"agent": {"model": {"name": "claude-sonnet-4"}}}),
    }
