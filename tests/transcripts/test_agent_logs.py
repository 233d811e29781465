"""Installed agents' own steps: inside terminal recordings (mini-SWE-agent, OpenHands, Claude Code stream-json,
Codex exec --json) and in Harbor agent folders; on fixtures written here, modelled on the real formats."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from git_skill.learning.generalize import generalize
from git_skill.transcripts import detect, open_transcript
from git_skill.transcripts import events as ev
from git_skill.transcripts.digest import collect, fit

from ..conftest import SHARED_FIXTURES, requires_shared, run_cli
from tests.support.transcripts import jsonl

PROMPT = "root@4f2a9c1e7b3d:/app# "
HARNESS_RULE = "Failure to follow these rules will cause your response to be rejected."
SPINNER = "\r\x1b[2K\u280b Waiting for the LM to respond...\r\x1b[2K\u2819 Waiting for the LM to respond...\r\x1b[2K"
RULE = "\u2500" * 80


def read(path: Path, **options: object) -> tuple[ev.Transcript, list[ev.Event]]:
    transcript = open_transcript(path, **options)  # type: ignore[arg-type]
    return transcript, list(transcript.events)


def mini_console(task: str, steps: list[tuple[str, str, int | None, str]]) -> str:
    """mini-SWE-agent's console as a terminal shows it: banner, the prompts, then per step the
    reasoning with one bash block and the observation (`None` as exit code: a timeout)."""
    out = ["", "\U0001f44b This is mini-swe-agent version 1.9.0.", "Your config is stored in '/root/.config/mini-swe-agent/.env'",
           "", "System:", "You are a helpful assistant that can interact with a computer.", "",
           "Your response must contain exactly ONE bash code block with ONE command.", "", HARNESS_RULE, "",
           "User:", f"Please solve this issue: {task}", "", "You can execute bash commands and edit files.", "",
           "## Important Rules", "", "1. Every response must contain exactly one action", "ERROR: never do this", RULE]
    for number, (thought, command, code, output) in enumerate(steps, 1):
        out += [SPINNER, "", f"mini-swe-agent (step {number}, ${number * 0.01:.2f}):", f"THOUGHT: {thought}", "",
                "```bash", command, "```", "", "", "User:"]
        if code is None:
            out += [f"The last command <command>{command}</command> timed out and has been killed.",
                    f"<output>\n{output}\n</output>", "Please try another command."]
        else:
            out += [f"<returncode>{code}</returncode>", "<output>", output, "</output>"]
        out.append(RULE)
    out += ["", f"mini-swe-agent (step {len(steps) + 1}, $0.09):", "THOUGHT: Done.", "", "```bash",
            "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "```", "", "User:", "",
            "Saved trajectory to '/root/.config/mini-swe-agent/last_mini_run.traj.json'"]
    return "\r\n".join(out) + "\r\n"


MINI_STEPS = [
    ("Look at the script first.", "cat process_data.sh && ls -la process_data.sh", 0,
     "#!/bin/bash\necho processing\n-rw-r--r-- 1 root root 40 process_data.sh"),
    ("Run it.", "./process_data.sh", 126, "bash: ./process_data.sh: Permission denied"),
    ("Make it executable.", "chmod +x process_data.sh", 0, ""),
    ("Try again.", "./process_data.sh", 0, "processing"),
    ("Wait for the job.", "sleep 600 && cat out.txt", None, ""),
]


def tb1_trial(folder: Path, session: str, task: str = "Fix process_data.sh so that it runs.") -> Path:
    (folder / "sessions").mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "task_id": "fix-permissions", "instruction": task, "is_resolved": True, "failure_mode": "unset",
        "parser_results": {"test_script_runs": "passed"}}))
    (folder / "sessions" / "agent.log").write_text(session)
    (folder / "sessions" / "tests.log").write_text("PASSED tests/test_outputs.py::test_script_runs\n")
    return folder


def launch(command: str, output: str) -> str:
    return (f"{PROMPT}source /installed-agent/install-agent.sh && echo 'INSTALL_SUCCESS'; tmux wait -S done\r\n"
            f"INSTALL_SUCCESS\r\n{PROMPT}{command}; tmux wait -S done\r\n{output}{PROMPT}\r\n")


def test_mini_swe_agent_console_steps_replace_the_launch_command(tmp_path: Path) -> None:
    task = "Fix process_data.sh so that it runs."
    session = launch("mini -m anthropic/claude-sonnet-4-0 -t 'Fix process_data.sh so that it runs.' -y --exit-immediately",
                     mini_console(task, MINI_STEPS))
    trial = tb1_trial(tmp_path / "fix-permissions.1-of-1", session)
    transcript, events = read(trial)
    commands = [e.command for e in events if e.kind == ev.TOOL_CALL]
    assert commands == [c for _, c, _, _ in MINI_STEPS]  # the launch command and the submission are not steps
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert [r.exit_code for r in results] == [0, 126, 0, 0, None]
    assert [r.is_error for r in results] == [False, True, False, False, True]
    assert results[1].text == "bash: ./process_data.sh: Permission denied" and results[1].command == "./process_data.sh"
    assert "timed out" in results[4].text
    assert not any(HARNESS_RULE in e.text or "never do this" in e.text for e in events if e.kind != ev.NOTE)
    assert not any("Saved trajectory" in e.text for e in events)  # the run's end, counted in the notes
    assert transcript.report.notes["mini-SWE-agent trajectories saved outside the trial"] == 1
    assert [e.text for e in events if e.kind == ev.USER] == [task]  # the trial's instruction; the agent's copy is a note
    assert transcript.facts.agent == "mini-swe-agent 1.9.0" and transcript.facts.cost_usd == 0.09
    assert transcript.facts.agent_log == "mini-swe-agent output in the terminal recording"
    assert [e.text for e in events if e.kind == ev.ASSISTANT][:2] == ["Look at the script first.", "Run it."]


def test_mini_swe_agent_in_a_raw_log_without_a_trial_takes_the_task_from_its_prompt(tmp_path: Path) -> None:
    path = tmp_path / "agent.log"
    path.write_text(launch("mini -t 'Fix it' -y", mini_console("Fix process_data.sh so that it runs.", MINI_STEPS[:2])))
    _, events = read(path)
    assert detect(path)[0] == "terminal-log"
    assert [e.text for e in events if e.kind == ev.USER] == ["Fix process_data.sh so that it runs."]
    digest = collect(open_transcript(path))
    assert digest.task == "Fix process_data.sh so that it runs." and digest.counts["tool_calls"] == 2


def openhands_console() -> str:
    record = "\x1b[92m12:00:0{n} - ACTION\x1b[0m\r\n"
    observation = "\x1b[33m12:00:0{n} - OBSERVATION\x1b[0m\r\n"
    lines = [
        "/app/.venv/lib/python3.13/site-packages/openhands/core/config/utils.py:71: DeprecationWarning: deprecated",
        "12:00:00 - openhands:INFO: agent_controller.py:574 - Setting agent(CodeActAgent) state from LOADING to RUNNING",
        record.format(n=1) + "**MessageAction** (source=EventSource.USER)\r\nCONTENT: Fix process_data.sh so it runs.",
        record.format(n=2) + "**CmdRunAction (source=EventSource.AGENT, is_input=False)**\r\n"
        "THOUGHT: Let me look at the file.\r\nCOMMAND:\r\nls -la process_data.sh",
        observation.format(n=3) + "**CmdOutputObservation (source=EventSource.AGENT, exit code=0, metadata={\r\n"
        '  "exit_code": 0,\r\n  "pid": -1\r\n})**\r\n--BEGIN AGENT OBSERVATION--\r\n'
        "-rw-r--r-- 1 root root 40 process_data.sh\r\n[The command completed with exit code 0.]\r\n"
        "[Current working directory: /app]\r\n--END AGENT OBSERVATION--",
        "12:00:03 - openhands:INFO: local_runtime.py:340 - Server: INFO: 127.0.0.1 - \"POST /execute_action HTTP/1.1\" 200 OK",
        record.format(n=4) + "**CmdRunAction (source=EventSource.AGENT, is_input=False)**\r\nCOMMAND:\r\n"
        "./process_data.sh",
        observation.format(n=5) + "**CmdOutputObservation (source=EventSource.AGENT, exit code=126, metadata={})**\r\n"
        "bash: ./process_data.sh: Permission denied",
        record.format(n=6) + "**FileEditAction**\r\nPath: [/app/process_data.sh]\r\nThought: Fix the shebang.\r\n"
        "Command: str_replace",
        observation.format(n=7) + "**FileEditObservation**\r\nThe file /app/process_data.sh has been edited.",
        record.format(n=8) + "**CmdRunAction (source=EventSource.AGENT, is_input=False)**\r\nCOMMAND:\r\n"
        "chmod +x process_data.sh && ./process_data.sh",
        observation.format(n=9) + "**CmdOutputObservation (source=EventSource.AGENT, exit code=0, metadata={})**\r\n"
        "processing",
        "12:00:10 - openhands:INFO: agent_controller.py:574 - Setting agent(CodeActAgent) state from RUNNING to FINISHED",
    ]
    return "\r\n".join(lines) + "\r\n"


def test_openhands_console_log_actions_and_observations(tmp_path: Path) -> None:
    path = tmp_path / "agent.log"
    path.write_text(launch("openhands --max-iterations 100 --task 'Fix process_data.sh'", openhands_console()))
    transcript, events = read(path)
    calls = [e for e in events if e.kind == ev.TOOL_CALL]
    assert [c.command for c in calls] == ["ls -la process_data.sh", "./process_data.sh", None,
                                          "chmod +x process_data.sh && ./process_data.sh"]
    assert calls[2].tool == "str_replace_editor" and calls[2].arguments["path"] == "/app/process_data.sh"
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert [r.exit_code for r in results] == [0, 126, None, 0]
    assert results[0].text == "-rw-r--r-- 1 root root 40 process_data.sh"
    assert results[1].is_error and not results[0].is_error
    assert [e.text for e in events if e.kind == ev.USER] == ["Fix process_data.sh so it runs."]
    assert not any("DeprecationWarning" in e.text for e in events if e.kind in (ev.TOOL_RESULT, ev.USER))
    assert transcript.facts.agent == "openhands"


def test_openhands_log_that_shows_no_action_says_so(tmp_path: Path) -> None:
    quiet = "".join(f"12:00:0{n} - openhands:INFO: local_runtime.py:340 - Server: INFO: \"POST /execute_action HTTP/1.1\" "
                    "200 OK\r\n" for n in range(3))
    path = tmp_path / "agent.log"
    path.write_text(launch("openhands --task 'Fix it'", "Traceback-free DeprecationWarning: ERROR nothing\r\n" + quiet))
    transcript, events = read(path)
    assert not any(e.kind in (ev.TOOL_CALL, ev.TOOL_RESULT) for e in events)
    assert transcript.report.notes["OpenHands actions its log does not show"] == 3
    assert any("OpenHands executed 3 actions" in e.text for e in events if e.kind == ev.NOTE)


def test_a_failed_launch_is_a_note_not_an_error_step(tmp_path: Path) -> None:
    trial = tb1_trial(tmp_path / "t", launch("mini -m m -t 'task' -y", "bash: mini: command not found\r\n"))
    _, events = read(trial)
    assert not any(e.kind in (ev.TOOL_CALL, ev.TOOL_RESULT) for e in events)
    assert any("mini: command not found" in e.text for e in events if e.kind == ev.NOTE)


def claude_stream(task_in_stream: bool = False) -> list[dict]:
    init = {"type": "system", "subtype": "init", "session_id": "s-1", "model": "claude-sonnet-4-5", "cwd": "/app",
            "tools": ["Bash", "Read", "Write", "Skill"], "claude_code_version": "2.0.30"}
    def assistant(i: int, content: list) -> dict:
        return {"type": "assistant", "session_id": "s-1", "parent_tool_use_id": None, "uuid": f"a{i}",
                "message": {"id": f"msg_{i}", "role": "assistant", "model": "claude-sonnet-4-5", "content": content}}
    def result(tool_id: str, text: str, error: bool = False) -> dict:
        return {"type": "user", "session_id": "s-1", "parent_tool_use_id": None, "uuid": f"r{tool_id}",
                "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": text,
                                                         "is_error": error}]}}
    records = [init]
    if task_in_stream:
        records.append({"type": "user", "session_id": "s-1", "message": {"role": "user",
                                                                         "content": "Convert data.csv to report.json"}})
    records += [
        assistant(1, [{"type": "text", "text": "Reading the input."},
                      {"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "/app/data.csv"}}]),
        result("t1", "id,amount\n1,5"),
        assistant(2, [{"type": "tool_use", "id": "t2", "name": "Skill", "input": {"skill": "csv-tools"}}]),
        result("t2", "Launching skill: csv-tools"),
        assistant(3, [{"type": "tool_use", "id": "t3", "name": "Write",
                       "input": {"file_path": "/app/convert.py", "content": "import csv, json\n"}}]),
        result("t3", "File created successfully at: /app/convert.py"),
        assistant(4, [{"type": "tool_use", "id": "t4", "name": "Bash", "input": {"command": "python3 convert.py"}}]),
        result("t4", "Exit code 1\nKeyError: 'total'", error=True),
        assistant(5, [{"type": "tool_use", "id": "t5", "name": "Bash",
                       "input": {"command": "python3 convert.py && cat report.json"}}]),
        result("t5", '{"total": 5}'),
        assistant(6, [{"type": "text", "text": "Done: report.json written."}]),
        {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 61234, "num_turns": 7,
         "result": "Done: report.json written.", "session_id": "s-1", "total_cost_usd": 0.1234,
         "usage": {"input_tokens": 100, "cache_read_input_tokens": 900, "cache_creation_input_tokens": 0,
                   "output_tokens": 321}},
        {"type": "assistant", "message": 5},  # wrong-typed records are skipped, never fatal
        {"type": "user", "message": {"content": {"not": "a list"}}},
        {"type": "result", "usage": "none", "num_turns": "seven"},
    ]
    return records


def test_claude_stream_json_printed_in_a_terminal(tmp_path: Path) -> None:
    lines = "".join(json.dumps(r) + "\r\n" for r in claude_stream(task_in_stream=True))
    path = tmp_path / "agent.log"
    path.write_text(launch("claude --verbose --output-format stream-json -p 'Convert data.csv'", lines))
    transcript, events = read(path)
    commands = [e.command for e in events if e.kind == ev.TOOL_CALL and e.command]
    assert commands == ["python3 convert.py", "python3 convert.py && cat report.json"]
    assert [e.tool for e in events if e.kind == ev.TOOL_CALL] == ["Read", "Skill", "Write", "Bash", "Bash"]
    failed = [e for e in events if e.kind == ev.TOOL_RESULT and e.is_error]
    assert len(failed) == 1 and failed[0].exit_code == 1 and failed[0].command == "python3 convert.py"
    facts = transcript.facts
    assert (facts.cost_usd, facts.turns, facts.duration_seconds) == (0.1234, 7, 61.2)
    assert (facts.input_tokens, facts.output_tokens, facts.model) == (1000, 321, "claude-sonnet-4-5")


def codex_exec_records() -> list[dict]:
    return [
        {"type": "thread.started", "thread_id": "th-1"},
        {"type": "turn.started"},
        {"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "Check the tests."}},
        {"type": "item.started", "item": {"id": "item_1", "type": "command_execution", "command": "bash -lc 'pytest -q'",
                                          "aggregated_output": "", "exit_code": None, "status": "in_progress"}},
        {"type": "item.completed", "item": {"id": "item_1", "type": "command_execution", "command": "bash -lc 'pytest -q'",
                                            "aggregated_output": "E   assert 1 == 2\n1 failed", "exit_code": 1,
                                            "status": "failed"}},
        {"type": "item.completed", "item": {"id": "item_2", "type": "file_change", "status": "completed",
                                            "changes": [{"path": "calc.py", "kind": "update"}]}},
        {"type": "item.completed", "item": {"id": "item_3", "type": "command_execution", "command": "bash -lc 'pytest -q'",
                                            "aggregated_output": "1 passed", "exit_code": 0, "status": "completed"}},
        {"type": "item.completed", "item": {"id": "item_4", "type": "agent_message", "text": "Fixed calc.py."}},
        {"type": "turn.completed", "usage": {"input_tokens": 2000, "cached_input_tokens": 1500, "output_tokens": 80}},
        {"type": "item.completed", "item": "not an object"},
        {"type": "item.completed", "item": {"type": "command_execution", "command": 7, "exit_code": "x"}},
    ]


def test_codex_exec_json_in_a_terminal_and_as_a_file(tmp_path: Path) -> None:
    lines = "".join(json.dumps(r) + "\r\n" for r in codex_exec_records())
    path = tmp_path / "agent.log"
    path.write_text(launch("codex exec --json --skip-git-repo-check 'Fix calc.py'", lines))
    transcript, events = read(path)
    calls = [e for e in events if e.kind == ev.TOOL_CALL]
    assert [c.command for c in calls][:3] == ["pytest -q", None, "pytest -q"]
    assert [e.exit_code for e in events if e.kind == ev.TOOL_RESULT][:3] == [1, None, 0]
    assert transcript.facts.output_tokens == 80 and transcript.facts.session_id == "th-1"
    bare = jsonl(tmp_path / "codex.txt", codex_exec_records())
    assert detect(bare)[0] == "codex-exec"
    assert [e.command for e in read(bare)[1] if e.kind == ev.TOOL_CALL][:1] == ["pytest -q"]


# ------------------------------------------------------------------ Harbor agent folders
def harbor_claude_trial(folder: Path, reward: float = 0.0, instruction: bool = False) -> Path:
    agent = folder / "agent"
    (agent / "command-0").mkdir(parents=True)
    (agent / "command-0" / "command.txt").write_text("claude --output-format stream-json -p ...")
    banner = "bash: cannot set terminal process group (-1): Inappropriate ioctl for device\nbash: no job control in this shell\n"
    stream = "".join(json.dumps(r) + "\n" for r in claude_stream())
    (agent / "command-0" / "stdout.txt").write_text(banner + stream)
    (agent / "claude-code.txt").write_text(banner + stream)
    project = agent / "sessions" / "projects" / "-app"
    project.mkdir(parents=True)
    jsonl(project / "s-1.jsonl", [{"type": "user", "sessionId": "s-1", "uuid": "u1", "cwd": "/app",
                                   "message": {"role": "user", "content": "Convert data.csv into report.json with a total"}}])
    (folder / "verifier").mkdir()
    (folder / "verifier" / "test-stdout.txt").write_text("FAILED tests/test_outputs.py::test_total - assert 4 == 5\n")
    (folder / "verifier" / "ctrf.json").write_text(json.dumps({"results": {
        "tool": {"name": "pytest"}, "summary": {"tests": 2, "passed": 1, "failed": 1},
        "tests": [{"name": "tests/test_outputs.py::test_report_exists", "status": "passed", "duration": 1},
                  {"name": "tests/test_outputs.py::test_total", "status": "failed",
                   "message": "AssertionError: the total of every amount is wrong", "trace": "E   assert 4 == 5"}]}}))
    (folder / "result.json").write_text(json.dumps({
        "task_name": "csv-report", "trial_name": "csv-report__abc",
        "agent_result": {"n_input_tokens": 1000, "n_output_tokens": 321, "cost_usd": 0.1234},
        "verifier_result": {"rewards": {"reward": reward}}}))
    if instruction:
        (folder / "instruction.md").write_text("Write report.json from data.csv.\n")
    return folder


def test_harbor_claude_code_folder_without_a_trajectory(tmp_path: Path) -> None:
    trial = harbor_claude_trial(tmp_path / "csv-report__abc")
    assert detect(trial)[0] == "harbor"
    digest = collect(open_transcript(trial))
    assert digest.task == "Convert data.csv into report.json with a total"  # the session's first request
    assert digest.counts["tool_calls"] == 5 and digest.counts["errors"] == 1
    [feedback] = digest.feedback
    assert feedback.reward == 0.0 and feedback.resolved is False
    assert feedback.tests == {"test_total": "failed", "test_report_exists": "passed"}
    assert feedback.text.startswith("FAILED test_total\n    AssertionError: the total of every amount is wrong")
    assert digest.facts["outcome"] == "unresolved (reward 0)" and digest.facts["turns"] == 7
    text, _, _ = fit(digest, 24000)
    assert "- agent log: agent/claude-code.txt (Claude Code stream-json): 5 tool calls" in text
    assert "- cost usd: 0.1234" in text and "NOT resolved" in text


def test_harbor_task_from_instruction_then_task_name(tmp_path: Path) -> None:
    trial = harbor_claude_trial(tmp_path / "a", instruction=True)
    assert collect(open_transcript(trial)).task == "Write report.json from data.csv."
    bare = harbor_claude_trial(tmp_path / "b")
    for path in (bare / "agent" / "sessions").rglob("*.jsonl"):
        path.unlink()
    assert collect(open_transcript(bare)).task == "csv-report"


def test_harbor_trajectory_with_fewer_steps_than_the_agents_log(tmp_path: Path) -> None:
    trial = harbor_claude_trial(tmp_path / "t")
    (trial / "agent" / "trajectory.json").write_text(json.dumps({"schema_version": "ATIF-v1.2", "steps": [
        {"step_id": 1, "source": "user", "message": "Convert data.csv"}]}))
    digest = collect(open_transcript(trial))
    assert digest.counts["tool_calls"] == 5
    assert digest.facts["agent_log"].endswith("agent/trajectory.json held 0")


def test_harbor_codex_mini_and_openhands_folders(tmp_path: Path) -> None:
    codex = tmp_path / "codex"
    (codex / "agent").mkdir(parents=True)
    (codex / "verifier").mkdir()
    jsonl(codex / "agent" / "codex.txt", codex_exec_records())
    (codex / "result.json").write_text(json.dumps({"task_name": "calc"}))
    assert collect(open_transcript(codex)).counts["commands"] == 2

    mini = tmp_path / "mini"
    (mini / "agent").mkdir(parents=True)
    (mini / "result.json").write_text(json.dumps({"task_name": "perms"}))
    (mini / "agent" / "mini-swe-agent.trajectory.json").write_text(json.dumps({
        "info": {"mini_version": "1.9.0", "exit_status": "Submitted"}, "trajectory_format": "mini-swe-agent-1",
        "messages": [{"role": "system", "content": "rules"}, {"role": "user", "content": "Make run.sh run"},
                     {"role": "assistant", "content": "THOUGHT: x\n```bash\nchmod +x run.sh\n```"},
                     {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"}]}))
    digest = collect(open_transcript(mini))
    assert digest.task == "Make run.sh run" and digest.counts["commands"] == 1

    hands = tmp_path / "openhands"
    events = hands / "agent" / "sessions" / "conv1" / "events"
    events.mkdir(parents=True)
    (hands / "result.json").write_text(json.dumps({"task_name": "perms"}))
    stored = [{"id": 0, "source": "user", "action": "message", "args": {"content": "Make run.sh run"}},
              {"id": 1, "source": "agent", "action": "run", "args": {"command": "./run.sh", "thought": "try"}},
              {"id": 2, "source": "agent", "observation": "run", "cause": 1, "content": "Permission denied",
               "extras": {"metadata": {"exit_code": 126}}},
              {"id": 3, "source": "agent", "action": "run", "args": {"command": "chmod +x run.sh"}},
              {"id": 4, "source": "agent", "observation": "run", "cause": 3, "content": "",
               "extras": {"metadata": {"exit_code": 0}}},
              ["not", "an", "event"]]
    for item in stored:
        name = item["id"] if isinstance(item, dict) else 99
        (events / f"{name}.json").write_text(json.dumps(item))
    digest = collect(open_transcript(hands))
    assert digest.task == "Make run.sh run" and digest.counts == {"commands": 2, "errors": 1, "tool_calls": 2,
                                                                   "user_turns": 1}


# ------------------------------------------------------------------ --no-feedback, nothing to learn, the description
def test_no_feedback_leaves_out_every_verifier_output(tmp_path: Path) -> None:
    trial = harbor_claude_trial(tmp_path / "t")
    note = tmp_path / "review.txt"
    note.write_text("Reviewer: totals are wrong\n")
    digest = collect(open_transcript(trial, [note], use_feedback=False))
    assert digest.feedback == [] and "outcome" not in digest.facts
    result = run_cli("digest", str(trial), "--no-feedback", "--feedback", str(note), cwd=tmp_path)
    assert result.code == 0 and "# Feedback" not in result.out and "reward" not in result.out


def test_learn_no_feedback_records_it_in_provenance(repo: Path) -> None:
    trial = harbor_claude_trial(repo.parent / "csv-report__abc")
    result = run_cli("learn", str(trial), "--no-feedback", "--dry-run", cwd=repo)
    assert result.code == 0, result.err
    assert "learned-feedback: ignored" in result.out and "test_total" not in result.out
    assert "learned-outcome" not in result.out
    with_feedback = run_cli("learn", str(trial), "--dry-run", cwd=repo)
    assert "learned-feedback: used" in with_feedback.out and "`test_total` failed" in with_feedback.out


def test_nothing_to_learn_from_an_empty_session_or_noise(repo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text(f"{PROMPT}\r\n{PROMPT}\r\n")
    noise = tmp_path / "noise.log"
    noise.write_bytes(os.urandom(4096).replace(b"\x1b", b"") + b"\x1b[0m" + os.urandom(2048).replace(b"\x1b", b""))
    for path in (empty, noise):
        result = run_cli("learn", str(path), cwd=repo)
        assert result.code == 3, (path, result.err)
        assert "nothing to learn" in result.err and "no task and no agent step" in result.err
        assert "Traceback" not in result.err
    assert not list(repo.rglob("SKILL.md"))


def test_description_names_the_task_and_when_to_use_it(repo: Path) -> None:
    trial = harbor_claude_trial(repo.parent / "csv-report__abc", instruction=True)
    result = run_cli("learn", str(trial), "--dry-run", cwd=repo)
    description = next(line for line in result.out.splitlines() if line.startswith("description:"))
    assert "description: 'Write report.json from data.csv." in description and "Helps" not in description
    assert "Use when a task involves report.json, data.csv" in description
    assert "KeyError: 'total'" in description.replace("''", "'")
    assert "task such as: ." not in description
    for step in ("`Read /app/data.csv`", "`Skill csv-tools`", "`Write /app/convert.py`",
                 "`python3 convert.py && cat report.json`"):  # the agent's own calls: read, load a skill, write, run
        assert step in result.out, step


# ------------------------------------------------------------------ the real trials in ../shared
def installed_agent_trials() -> list[Path]:
    root = SHARED_FIXTURES / "terminal-bench"
    if not root.is_dir():
        return []
    return sorted(p.parent for p in root.rglob("results.json")
                  if "openhands" in str(p) or "swe-agent-mini" in str(p))


@requires_shared
@pytest.mark.parametrize("trial", installed_agent_trials(), ids=lambda p: p.name)
def test_real_installed_agent_trials_give_the_agents_own_steps(trial: Path, tmp_path: Path) -> None:
    raw = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", (trial / "sessions" / "agent.log").read_bytes().decode("utf-8", "replace"))
    printed_steps = (len(re.findall(r"mini-swe-agent \(step \d+, \$", raw))
                     + len(re.findall(r"\d\d:\d\d:\d\d - (?:\w+_)?ACTION", raw)))
    transcript = open_transcript(trial)
    events = list(transcript.events)
    commands = [e.command for e in events if e.kind == ev.TOOL_CALL and e.command]
    assert not any(c.startswith(("mini ", "openhands ")) for c in commands)  # the launch is not a step
    assert not any("Failure to follow these rules" in (e.text or "") for e in events if e.kind == ev.TOOL_RESULT)
    if not printed_steps:  # the agent never ran, or its log does not print its steps: said, not invented
        assert commands == []
        launched = re.search(r"# (?:mini|openhands) -", raw) is not None  # an install that failed launches nothing
        assert launched == any(e.kind == ev.NOTE and ("printed no step" in e.text or "shows none of them" in e.text)
                               for e in events)
        return
    assert len(commands) >= printed_steps - 2  # every step but the submission (and at most one format error)
    digest_text, _, _ = fit(collect(open_transcript(trial)), 24000)
    shown = [c for c in commands if c.splitlines()[0] in digest_text]
    assert len(shown) >= min(len(commands), 3) and "$ " + commands[0].splitlines()[0] in digest_text
    workspace = tmp_path / "w"
    workspace.mkdir()
    result = run_cli("learn", str(trial), "--dry-run", cwd=workspace)
    assert result.code == 0, result.err
    skill = result.out
    in_skill = {c for c in commands if generalize(c.splitlines()[0].strip())[:60] in skill}
    assert len(in_skill) >= 3, (trial.name, commands[:10])
    description = next(line for line in skill.splitlines() if line.startswith("description:"))
    assert "Use when" in description and "Failure to follow" not in skill


# ------------------------------------------------------------------ Gemini CLI and OpenCode sessions
def gemini_recording(folder: Path, root: Path) -> Path:
    import hashlib

    chats = folder / ".gemini" / "tmp" / hashlib.sha256(str(root).encode()).hexdigest() / "chats"
    chats.mkdir(parents=True)
    shell = {"id": "run_shell_command-1", "name": "run_shell_command", "args": {"command": "npm test"},
             "status": "error", "timestamp": "2026-01-01T10:00:02Z",
             "result": [{"functionResponse": {"id": "run_shell_command-1", "name": "run_shell_command", "response": {
                 "output": "Command: npm test\nDirectory: (root)\nOutput: TypeError: x is undefined\nExit Code: 1"}}}]}
    fixed = {"id": "run_shell_command-2", "name": "run_shell_command", "args": {"command": "npm test -- --fix"},
             "status": "success", "result": [{"functionResponse": {"id": "run_shell_command-2", "name": "run_shell_command",
                                                                   "response": {"output": "Output: ok\nExit Code: 0"}}}]}
    path = chats / "session-2026-01-01T10-00-4f2a.json"
    path.write_text(json.dumps({
        "sessionId": "4f2a", "projectHash": "h", "startTime": "2026-01-01T10:00:00Z", "lastUpdated": "2026-01-01T10:05:00Z",
        "messages": [
            {"id": "m1", "timestamp": "2026-01-01T10:00:00Z", "type": "user", "content": "Make npm test pass"},
            {"id": "m2", "timestamp": "2026-01-01T10:00:01Z", "type": "gemini", "content": "Running the tests.",
             "model": "gemini-2.5-pro", "thoughts": [{"subject": "Plan", "description": "Run tests first"}],
             "toolCalls": [shell, fixed, "junk"], "tokens": {"input": 120, "output": 30, "cached": 0, "total": 150}},
            {"id": "m3", "timestamp": "2026-01-01T10:00:03Z", "type": "info", "content": "Request cancelled."},
            7,
        ]}))
    return path


def test_gemini_cli_recording_and_checkpoint(tmp_path: Path) -> None:
    path = gemini_recording(tmp_path / "home", tmp_path / "repo")
    assert detect(path)[0] == "gemini-cli"
    transcript, events = read(path)
    calls = [e for e in events if e.kind == ev.TOOL_CALL]
    assert [c.command for c in calls] == ["npm test", "npm test -- --fix"]
    assert [(e.exit_code, e.is_error) for e in events if e.kind == ev.TOOL_RESULT] == [(1, True), (0, False)]
    assert transcript.facts.model == "gemini-2.5-pro" and transcript.facts.input_tokens == 120
    assert transcript.report.skipped["messages that are not objects"] == 1
    checkpoint = tmp_path / "checkpoint-fix.json"
    checkpoint.write_text(json.dumps([
        {"role": "user", "parts": [{"text": "Make npm test pass"}]},
        {"role": "model", "parts": [{"text": "Plan", "thought": True},
                                    {"functionCall": {"name": "run_shell_command", "args": {"command": "npm test"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command",
                                                         "response": {"output": "Output: fail\nExit Code: 2"}}}]}]))
    assert detect(checkpoint)[0] == "gemini-checkpoint"
    events = read(checkpoint)[1]
    assert [e.kind for e in events] == ["user", "reasoning", "tool_call", "tool_result"]
    assert events[3].command == "npm test" and events[3].exit_code == 2


def opencode_session(data: Path, directory: Path) -> Path:
    storage = data / "opencode" / "storage"
    session = storage / "session" / "prj1" / "ses_01.json"
    session.parent.mkdir(parents=True)
    session.write_text(json.dumps({"id": "ses_01", "projectID": "prj1", "directory": str(directory), "version": "0.15.0",
                                   "title": "fix build", "time": {"created": 1, "updated": 2}}))
    messages = {"msg_01": {"id": "msg_01", "sessionID": "ses_01", "role": "user", "time": {"created": 10}},
                "msg_02": {"id": "msg_02", "sessionID": "ses_01", "role": "assistant", "time": {"created": 20},
                           "modelID": "claude-sonnet-4-5", "cost": 0.02, "tokens": {"input": 500, "output": 40}}}
    parts = {"msg_01": [{"id": "prt_01", "type": "text", "text": "Fix the build of app.c"},
                        {"id": "prt_02", "type": "text", "text": "<system-reminder>", "synthetic": True}],
             "msg_02": [{"id": "prt_03", "type": "reasoning", "text": "Compile first."},
                        {"id": "prt_04", "type": "tool", "tool": "bash", "callID": "c1",
                         "state": {"status": "completed", "input": {"command": "make"}, "output": "app.c:3: error: x",
                                   "metadata": {"exit": 2}}},
                        {"id": "prt_05", "type": "tool", "tool": "edit", "callID": "c2",
                         "state": {"status": "error", "input": {"filePath": "app.c"}, "error": "no match"}},
                        {"id": "prt_06", "type": "step-finish"}, {"id": "prt_07", "type": "text", "text": "Done."}]}
    for message_id, message in messages.items():
        (storage / "message" / "ses_01").mkdir(parents=True, exist_ok=True)
        (storage / "message" / "ses_01" / f"{message_id}.json").write_text(json.dumps(message))
        (storage / "part" / message_id).mkdir(parents=True)
        for part in parts[message_id]:
            (storage / "part" / message_id / f"{part['id']}.json").write_text(json.dumps(part))
    (storage / "part" / "msg_02" / "prt_08.json").write_text("[not, json")
    return session


def test_opencode_session(tmp_path: Path) -> None:
    path = opencode_session(tmp_path / "data", tmp_path / "repo")
    assert detect(path)[0] == "opencode"
    transcript, events = read(path)
    assert [e.kind for e in events] == ["user", "note", "reasoning", "tool_call", "tool_result", "tool_call",
                                        "tool_result", "assistant"]
    assert events[4].command == "make" and events[4].exit_code == 2 and events[6].is_error
    assert (transcript.facts.cost_usd, transcript.facts.output_tokens) == (0.02, 40)
    assert transcript.report.skipped["unreadable part files"] == 1


def test_newest_session_of_the_repository_from_gemini_and_opencode(repo: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"CLAUDE_CONFIG_DIR": tmp_path / "none", "CODEX_HOME": tmp_path / "none",
                       "GEMINI_CLI_HOME": tmp_path / "gemini-home", "XDG_DATA_HOME": tmp_path / "xdg"}.items():
        monkeypatch.setenv(key, str(value))
    gemini_recording(tmp_path / "gemini-home", repo.resolve())
    result = run_cli("digest", cwd=repo)
    assert result.code == 0, result.err
    assert "Make npm test pass" in result.out and "session-2026-01-01T10-00-4f2a.json" in result.err
    session = opencode_session(tmp_path / "xdg", repo.resolve() / "src")
    os.utime(session, (2_000_000_000, 2_000_000_000))
    result = run_cli("digest", cwd=repo)
    assert result.code == 0 and "Fix the build of app.c" in result.out


def test_mini_swe_agent_lines_the_console_wrapped_are_joined(tmp_path: Path) -> None:
    long_command = ("python3 -c \"import fasttext; print('available')\" 2>/dev/null || python -c \"import fasttext\" "
                    "|| echo \"Need another way\"")
    cut = long_command.index("|| echo") + len("|| echo ")
    assert cut >= 60  # wider than the rule (80) minus 30: where the console would have wrapped it
    console = mini_console("Train a model.", [("Check.", long_command, 0, "Need another way")])
    wrapped = console.replace(long_command, long_command[:cut] + "\r\n" + long_command[cut:])
    assert long_command not in wrapped
    path = tmp_path / "agent.log"
    path.write_text(launch("mini -t 'Train a model.' -y", wrapped))
    _, events = read(path)
    assert [e.command for e in events if e.kind == ev.TOOL_CALL] == [long_command]


def test_a_source_learned_with_feedback_is_learned_again_without(repo: Path) -> None:
    trial = harbor_claude_trial(repo.parent / "csv-report__abc")
    assert run_cli("learn", str(trial), cwd=repo).code == 0
    again = run_cli("learn", str(trial), cwd=repo)
    assert "already learned" in again.out
    ablation = run_cli("learn", str(trial), "--no-feedback", "--skills-dir", "trajectory-only", cwd=repo)
    assert ablation.code == 0 and "already learned" not in ablation.out, ablation.out
    [skill] = (repo / "trajectory-only").rglob("SKILL.md")
    assert "learned-feedback: ignored" in skill.read_text()


def test_harbor_folder_with_an_agents_console_output(tmp_path: Path) -> None:
    trial = tmp_path / "perms__1"
    (trial / "agent").mkdir(parents=True)
    (trial / "result.json").write_text(json.dumps({"task_name": "fix-permissions",
                                                   "verifier_result": {"rewards": {"reward": 1.0}}}))
    (trial / "agent" / "mini-swe-agent.txt").write_text(mini_console("Fix process_data.sh so that it runs.", MINI_STEPS))
    (trial / "agent" / "openhands.txt").write_text(openhands_console())
    (trial / "agent" / "notes.txt").write_text("nothing an agent printed\n")
    digest = collect(open_transcript(trial))
    assert digest.facts["agent_log"] == "agent/mini-swe-agent.txt (mini-swe-agent console): 5 tool calls"
    assert digest.task == "Fix process_data.sh so that it runs." and digest.counts["commands"] == 5
    assert digest.facts["outcome"] == "resolved (reward 1)"
