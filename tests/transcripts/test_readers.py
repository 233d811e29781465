"""Every reader on fixtures the project writes (with the ugly cases), and on the real ones in ../shared."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.transcripts import detect, open_transcript
from git_skill.transcripts import events as ev

from ..conftest import SHARED_FIXTURES, requires_shared
from tests.support.transcripts import FAKE_TOKEN, jsonl, claude_records, write_harbor_trial
from tests.support.transcripts import IMAGE
from tests.support.transcripts import swe_agent_trajectory

def read_all(path: Path, *feedback: Path) -> tuple[ev.Transcript, list[ev.Event]]:
    transcript = open_transcript(path, list(feedback))
    return transcript, list(transcript.events)


def kinds(events: list[ev.Event]) -> list[str]:
    return [e.kind for e in events]


# ------------------------------------------------------------------ Claude Code
def test_claude_code_session(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "session.jsonl", claude_records(), tail=b'{"type": "assistant", "mess')
    sub = tmp_path / "session" / "subagents"
    sub.mkdir(parents=True)
    jsonl(sub / "agent-7.jsonl", [{"type": "assistant", "sessionId": "s1", "uuid": "x",
                                   "message": {"id": "m9", "role": "assistant", "content": [{"type": "text", "text": "sub work"}]}}])
    assert detect(path)[0] == "claude-code"
    transcript, events = read_all(path)
    assert kinds(events) == ["user", "note", "reasoning", "tool_call", "tool_result", "user", "assistant", "summary",
                             "assistant", "assistant"]
    call, result = events[3], events[4]
    assert call.command == "pytest -x" and result.command == "pytest -x"
    assert result.exit_code == 1 and result.is_error
    assert FAKE_TOKEN not in result.text and "[REDACTED:github-token#1]" in result.text
    assert events[6].thread == "sidechain:explore1" and events[-1].thread == "subagent:agent-7"
    facts = transcript.facts
    assert (facts.model, facts.cwd, facts.session_id, facts.input_tokens, facts.output_tokens) == (
        "claude-sonnet-4-5", "/home/dev/project", "s1", 10, 9)
    report = transcript.report
    assert report.notes["images dropped"] == 1 and report.notes["streamed duplicate blocks merged"] == 1
    assert report.skipped == Counter({"truncated last line": 1, "records of unknown type": 1,
                                      "JSON lines that are not objects": 1})
    assert report.redactions["github-token"] == 1
    assert all(IMAGE[:40] not in e.text for e in events)


def test_invalid_utf8_and_garbage_lines_keep_the_readable_rest(tmp_path: Path) -> None:
    good = json.dumps(claude_records()[0]).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + b"\xff\xfe not json at all\n" + good.replace(b"Fix", b"Fix \xff") + b"\n")
    transcript, events = read_all(path)
    assert kinds(events) == ["user", "user"]
    assert transcript.report.skipped["lines that are not JSON"] == 1
    assert transcript.report.notes["lines with invalid UTF-8 (bad bytes replaced)"] == 2


def test_odd_json_values_do_not_stop_reading(tmp_path: Path) -> None:
    """NaN, Infinity and huge integers (valid for Python's json, not for orjson) and token counts that are not numbers."""
    base = {"sessionId": "s", "version": "2.0"}
    lines = [json.dumps({**base, "type": "user", "uuid": "u1", "message": {"role": "user", "content": "Fix it"}}),
             '{"sessionId": "s", "type": "assistant", "uuid": "a1", "big": 123456789012345678901234567890, '
             '"message": {"id": "m1", "role": "assistant", "content": "done", '
             '"usage": {"input_tokens": "lots", "output_tokens": Infinity, "cache_read_input_tokens": NaN}}}',
             json.dumps({**base, "type": "assistant", "uuid": "a2", "message": {
                 "id": "m2", "role": "assistant", "content": "again", "usage": {"input_tokens": 7, "output_tokens": 3}}})]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    transcript, events = read_all(path)
    assert kinds(events) == ["user", "assistant", "assistant"]
    assert (transcript.facts.input_tokens, transcript.facts.output_tokens) == (7, 3)
    assert not transcript.report.skipped


# ------------------------------------------------------------------ Codex
def test_codex_rollout(tmp_path: Path) -> None:
    records = [
        {"timestamp": "2026-02-01T09:00:00Z", "type": "session_meta", "payload": {"id": "c1", "cwd": "/work/app", "cli_version": "0.50.0"}},
        {"type": "turn_context", "payload": {"model": "gpt-5-codex", "cwd": "/work/app"}},
        {"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "<environment_context>cwd</environment_context>"}]}},
        {"type": "response_item", "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Add a --json flag"}]}},
        {"type": "event_msg", "payload": {"type": "user_message", "message": "Add a --json flag"}},
        {"type": "response_item", "payload": {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Look at cli.py"}]}},
        {"type": "response_item", "payload": {"type": "function_call", "name": "shell", "call_id": "call_1",
                                              "arguments": json.dumps({"command": ["bash", "-lc", "rg --files"]})}},
        {"type": "response_item", "payload": {"type": "function_call_output", "call_id": "call_1",
                                              "output": json.dumps({"output": "cli.py\n", "metadata": {"exit_code": 0}})}},
        {"type": "response_item", "payload": {"type": "custom_tool_call", "name": "apply_patch", "call_id": "call_2", "input": "*** Begin Patch"}},
        {"type": "response_item", "payload": {"type": "custom_tool_call_output", "call_id": "call_2", "output": "Exit code: 1\nerror: patch failed"}},
        {"type": "response_item", "payload": {"type": "local_shell_call", "call_id": "call_3", "action": {"command": ["make", "test"]}}},
        {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {"input_tokens": 1200, "output_tokens": 300}}}},
        {"type": "response_item", "payload": {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Done."}]}},
        {"type": "brand_new_record", "payload": {"x": 1}},
    ]
    path = jsonl(tmp_path / "rollout-2026-02-01T09-00-00-c1.jsonl", records)
    assert detect(path)[0] == "codex"
    transcript, events = read_all(path)
    assert kinds(events) == ["note", "user", "reasoning", "tool_call", "tool_result", "tool_call", "tool_result",
                             "tool_call", "assistant"]
    assert events[3].command == "rg --files" and events[4].exit_code == 0
    assert events[6].exit_code == 1 and events[6].is_error and events[6].tool == "apply_patch"
    assert events[7].command == "make test"
    facts = transcript.facts
    assert (facts.model, facts.cwd, facts.input_tokens, facts.session_id) == ("gpt-5-codex", "/work/app", 1200, "c1")


# ------------------------------------------------------------------ Harbor / ATIF
def test_harbor_trial_with_feedback(tmp_path: Path) -> None:
    folder = write_harbor_trial(tmp_path / "build-hello__x1")
    assert detect(folder)[0] == "harbor"
    transcript, events = read_all(folder)
    assert kinds(events)[:5] == ["user", "assistant", "reasoning", "tool_call", "tool_result"]
    assert events[3].command == "gcc hello.c -o hello\n" and events[4].is_error
    assert events[7].command == "apt-get install -y gcc\n"
    feedback = transcript.feedback[0]
    assert feedback.reward == 0.0 and feedback.resolved is False
    assert feedback.failed_tests == ["test_output"] and feedback.tests["test_binary_exists"] == "passed"
    assert feedback.text.startswith("FAILED test_output\n    AssertionError: expected 'hello' got ''")
    assert (transcript.facts.agent, transcript.facts.model, transcript.facts.cost_usd) == ("terminus-2 2.0", "openai/gpt-5", 0.01)
    assert transcript.facts.task_id == "build-hello"


def test_harbor_multi_step_trial_and_bare_atif(tmp_path: Path) -> None:
    folder = write_harbor_trial(tmp_path / "multi", reward='{"reward": 1.0}', steps=True)
    transcript, events = read_all(folder)
    assert {e.thread for e in events} == {"step:build", "step:run"}
    assert [f.reward for f in transcript.feedback] == [1.0, 1.0]
    assert detect(folder / "steps" / "build" / "agent" / "trajectory.json")[0] == "atif"


# ------------------------------------------------------------------ Terminal-Bench 1 and terminals
def cast_lines(outputs: list[str]) -> bytes:
    header = {"version": 2, "width": 80, "height": 24, "timestamp": 1, "env": {"SHELL": "/bin/bash"}}
    lines = [json.dumps(header)] + [json.dumps([i * 0.1, "o", text]) for i, text in enumerate(outputs)]
    lines.insert(2, json.dumps([0.05, "i", "ls\r"]))
    return ("\n".join(lines) + "\n").encode()


TERMINAL_SESSION = [
    "\x1b[?2004hroot@abc123:/app# ", "ls\r\n\x1b[?2004l\r", "data.csv  run.sh\r\n",
    "\x1b[?2004hroot@abc123:/app# ", "./run.sh\r\n", "bash: ./run.sh: Permission denied\r\n",
    "root@abc123:/app# ", "echo 'multi\r\n", "> line'\r\n", "multi\r\nline\r\n",
    "root@abc123:/app# ", "pip install pandas\r\n", "Collecting pandas\r\n",
    "\r 10% |███       |\r 50% |█████     |\r100% |██████████|\r\n", "Successfully installed pandas\r\n",
    "root@abc123:/app# ", "chmod +x run.sh && ./run.sh\r\n", "\x1b[32mok\x1b[0m\r\n", "root@abc123:/app# ",
]


def test_asciinema_cast_turns(tmp_path: Path) -> None:
    path = tmp_path / "agent.cast"
    path.write_bytes(cast_lines(TERMINAL_SESSION) + b'[9.9, "o", "trunc')
    assert detect(path)[0] == "asciinema"
    transcript, events = read_all(path)
    calls = [e.command for e in events if e.kind == ev.TOOL_CALL]
    assert calls == ["ls", "./run.sh", "echo 'multi\nline'", "pip install pandas", "chmod +x run.sh && ./run.sh"]
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert results[0].text == "data.csv  run.sh" and not results[0].is_error
    assert results[1].is_error and "Permission denied" in results[1].text
    assert "\x1b" not in results[4].text and results[4].text == "ok"
    assert "100% |██████████|" in results[3].text and "10%" not in results[3].text
    assert transcript.report.skipped["truncated last line"] == 1


def test_raw_terminal_log(tmp_path: Path) -> None:
    path = tmp_path / "agent.log"
    path.write_bytes("".join(TERMINAL_SESSION).encode() + b"\xff\n")
    assert detect(path)[0] == "terminal-log"
    _, events = read_all(path)
    assert [e.command for e in events if e.kind == ev.TOOL_CALL][:2] == ["ls", "./run.sh"]


def test_terminal_bench_trial(tmp_path: Path) -> None:
    trial = tmp_path / "run1" / "fix-perms" / "fix-perms.1-of-1"
    (trial / "sessions").mkdir(parents=True)
    (trial / "results.json").write_text(json.dumps({
        "task_id": "fix-perms", "instruction": "Make run.sh executable and run it.", "is_resolved": False,
        "failure_mode": "unset", "parser_results": {"test_runs": "failed", "test_exists": "passed"}}))
    (trial / "sessions" / "agent.cast").write_bytes(cast_lines(TERMINAL_SESSION))
    (trial / "sessions" / "tests.log").write_text(
        "\x1b[1m_____ test_runs _____\x1b[0m\r\nE       AssertionError: run.sh not executable\r\n"
        "FAILED ../tests/test_outputs.py::test_runs - AssertionError: run.sh not executable\r\n")
    assert detect(trial)[0] == "terminal-bench"
    transcript, events = read_all(trial)
    assert events[0].kind == ev.USER and events[0].text == "Make run.sh executable and run it."
    feedback = transcript.feedback[0]
    assert feedback.failed_tests == ["test_runs"] and feedback.resolved is False
    assert "AssertionError: run.sh not executable" in feedback.text
    assert transcript.facts.outcome == "unresolved"


# ------------------------------------------------------------------ chat formats
def test_openai_messages(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "List files"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "run_shell_command", "arguments": "{\"command\": \"ls -la\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "total 0"},
        {"role": "assistant", "content": [{"type": "text", "text": "Empty folder."}]},
    ]))
    assert detect(path)[0] == "openai-messages"
    _, events = read_all(path)
    assert kinds(events) == ["note", "user", "tool_call", "tool_result", "assistant"]
    assert events[2].command == "ls -la" and events[3].command == "ls -la"


def test_mini_swe_agent_trajectory(tmp_path: Path) -> None:
    path = tmp_path / "task.traj.json"
    path.write_text(json.dumps({
        "info": {"exit_status": "Submitted", "mini_version": "1.9", "model_stats": {"instance_cost": 0.2},
                 "config": {"model": {"model_name": "claude-sonnet-4"}}},
        "messages": [
            {"role": "system", "content": "You are an agent."},
            {"role": "user", "content": "Fix the build"},
            {"role": "assistant", "content": "THOUGHT: check\n\n```bash\nmake\n```"},
            {"role": "user", "content": "<returncode>2</returncode>\n<output>\nmake: *** No rule\n</output>"},
            {"role": "assistant", "content": "THOUGHT: done\n\n```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n```"},
            {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"},
        ],
        "trajectory_format": "mini-swe-agent-1",
    }))
    assert detect(path)[0] == "mini-swe-agent"
    transcript, events = read_all(path)
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert [r.exit_code for r in results] == [2] and results[0].command == "make"  # submitting is not a step
    assert events[1].kind == ev.USER and events[1].text == "Fix the build"
    assert transcript.facts.model == "claude-sonnet-4" and transcript.facts.outcome == "Submitted"


def test_mini_swe_agent_2_trajectories_bare_list_and_tool_calls(tmp_path: Path) -> None:
    """mini-SWE-agent 2 fences its action as ```mswea_bash_command and may save a bare message list;
    its tool-calling models put the action in `extra.actions` and answer with role `tool`."""
    template = ("Please solve this issue: Make parse() accept empty input\n\nYou can execute bash commands and edit "
                "files to implement the necessary changes.\n\n## Recommended Workflow\n1. Analyze")
    bare = tmp_path / "bare.traj.json"
    bare.write_text(json.dumps([
        {"role": "system", "content": "You are a helpful assistant that can interact with a computer."},
        {"role": "user", "content": template},
        {"role": "assistant", "content": "THOUGHT: run it\n\n```mswea_bash_command\npython -m pytest -q\n```"},
        {"role": "user", "content": "<returncode>1</returncode>\n<output>\nE   ValueError: empty\n</output>"},
        {"role": "assistant", "content": "THOUGHT: fix\n\n```mswea_bash_command\nsed -i 's/x/y/' parse.py\n```"},
        {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"},
        {"role": "assistant", "content": "```mswea_bash_command\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n```"},
        {"role": "user", "content": ""},
    ]))
    assert detect(bare)[0] == "mini-swe-agent"
    _, events = read_all(bare)
    calls = [e for e in events if e.kind == ev.TOOL_CALL]
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert [c.command for c in calls] == ["python -m pytest -q", "sed -i 's/x/y/' parse.py"]
    assert [r.exit_code for r in results] == [1, 0] and results[0].is_error and "ValueError" in results[0].text
    assert next(e for e in events if e.kind == ev.USER).text == "Make parse() accept empty input"

    tools = tmp_path / "tools.traj.json"
    tools.write_text(json.dumps({
        "info": {"exit_status": "Submitted", "mini_version": "2.1.0"},
        "messages": [
            {"role": "system", "content": "system"},
            {"role": "user", "content": "Count the lines of data.csv"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
                "name": "bash", "arguments": json.dumps({"command": "wc -l data.csv"})}}],
             "extra": {"actions": [{"command": "wc -l data.csv", "tool_call_id": "c1"}]}},
            {"role": "tool", "tool_call_id": "c1", "content": "<returncode>0</returncode><output>3 data.csv</output>",
             "extra": {"raw_output": "3 data.csv\n", "returncode": 0}},
            {"role": "exit", "content": "Submitted", "extra": {"exit_status": "Submitted"}},
        ],
        "trajectory_format": "mini-swe-agent-1.1",
    }))
    _, events = read_all(tools)
    assert [(e.kind, e.command, e.exit_code) for e in events if e.kind in (ev.TOOL_CALL, ev.TOOL_RESULT)] == [
        (ev.TOOL_CALL, "wc -l data.csv", None), (ev.TOOL_RESULT, "wc -l data.csv", 0)]
    assert next(e for e in events if e.kind == ev.TOOL_RESULT).text == "3 data.csv\n"


def test_swe_agent_trajectory(tmp_path: Path) -> None:
    path = tmp_path / "urls__urls-12.traj"
    path.write_text(json.dumps(swe_agent_trajectory()))
    assert detect(path)[0] == "swe-agent"
    transcript, events = read_all(path)
    assert events[0].kind == ev.USER and events[0].text == "Splitting a URL with a trailing slash raises IndexError"
    calls = [e.command for e in events if e.kind == ev.TOOL_CALL]
    assert calls == ["str_replace_editor view /testbed/urls.py", "python /testbed/reproduce.py",
                     "str_replace_editor str_replace /testbed/urls.py --old_str 'parts[1]' --new_str 'parts[-1]'",
                     "python /testbed/reproduce.py"]
    results = [e for e in events if e.kind == ev.TOOL_RESULT]
    assert [r.is_error for r in results] == [False, True, False, False]
    facts = transcript.facts
    assert (facts.agent, facts.model, facts.outcome, facts.input_tokens) == ("swe-agent 1.1.0", "claude-sonnet-4",
                                                                           "submitted", 12000)


def test_aider_history(tmp_path: Path) -> None:
    path = tmp_path / ".aider.chat.history.md"
    path.write_text("# aider chat started at 2026-03-01 10:00:00\n\n#### add type hints to utils.py\n\n"
                    "I'll add them.\n\n#### /run pytest -q\n> 1 failed, 3 passed\n> FAILED test_utils.py::test_x\n\nFixing.\n")
    assert detect(path)[0] == "aider"
    _, events = read_all(path)
    assert kinds(events) == ["user", "assistant", "tool_call", "tool_result", "assistant"]
    assert events[2].command == "pytest -q" and events[3].is_error


# ------------------------------------------------------------------ bad input
def test_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some prose\nnothing to see\n")
    with pytest.raises(GitSkillError) as raised:
        detect(path)
    assert raised.value.exit_code == 3
    assert "claude-code" in raised.value.message and "mini-swe-agent" in raised.value.message


def test_user_feedback_file_is_read_and_redacted(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", claude_records()[:1])
    note = tmp_path / "review.txt"
    note.write_text(f"Reviewer: do not hard-code {FAKE_TOKEN}.\nFAILED tests/test_a.py::test_b - boom\n")
    transcript, _ = read_all(path, note)
    assert transcript.feedback[0].source == "user" and transcript.feedback[0].failed_tests == ["test_b"]
    assert FAKE_TOKEN not in transcript.feedback[0].text


def test_missing_feedback_file_is_a_usage_error(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", claude_records()[:1])
    with pytest.raises(GitSkillError) as raised:
        open_transcript(path, [tmp_path / "nope.txt"])
    assert raised.value.exit_code == 2


# ------------------------------------------------------------------ real fixtures
def shared_trials() -> list[Path]:
    return sorted(p.parent for p in (SHARED_FIXTURES / "terminal-bench").rglob("results.json")) if SHARED_FIXTURES.is_dir() else []


@requires_shared
@pytest.mark.parametrize("trial", shared_trials(), ids=lambda p: p.name)
def test_every_shared_trial_reads(trial: Path) -> None:
    results = json.loads((trial / "results.json").read_text())
    transcript, events = read_all(trial)
    assert events[0].kind == ev.USER and events[0].text == results["instruction"]
    feedback = transcript.feedback[0]
    expected_failed = sorted(n for n, s in (results.get("parser_results") or {}).items() if s == "failed")
    assert sorted(feedback.failed_tests) == expected_failed
    if results.get("is_resolved") is False:
        assert feedback.failed_tests and feedback.resolved is False
    sent = [line for line in (trial / "commands.txt").read_text().splitlines()
            if not re.search(r"asciinema rec|'clear'|source /installed-agent|run-tests\.sh|C-d", line)]
    agent_launched = bool(sent) and (trial / "sessions" / "agent.cast").stat().st_size > 10_000
    assert agent_launched == any((e.kind == ev.TOOL_CALL and e.command) or e.text.startswith("harness launched")
                                 for e in events)


@requires_shared
@pytest.mark.parametrize("name", ["edge_cases", "representative_messages", "session_b", "todowrite_examples"])
def test_every_shared_claude_session_reads(name: str) -> None:
    transcript, events = read_all(SHARED_FIXTURES / "claude-code" / f"{name}.jsonl")
    assert transcript.facts.format == "claude-code"
    assert any(e.kind == ev.USER for e in events)
    calls = {e.call_id for e in events if e.kind == ev.TOOL_CALL}
    results = {e.call_id for e in events if e.kind == ev.TOOL_RESULT}
    assert results <= calls | {""}
