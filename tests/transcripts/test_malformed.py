"""Records with fields of the wrong type are skipped and counted, never a crash (issue 11, defect 6)."""

from __future__ import annotations

import json
from pathlib import Path

from git_skill.transcripts import open_transcript
from git_skill.transcripts import events as ev
from git_skill.transcripts.digest import collect, fit

from ..conftest import run_cli
from tests.support.transcripts import jsonl


def digest_text(path: Path) -> tuple[str, dict[str, int], ev.SessionFacts]:
    transcript = open_transcript(path)
    digest = collect(transcript)
    text, _, _ = fit(digest, 24000)
    return text, digest.skipped, transcript.facts


CLAUDE_BASE = {"sessionId": "s1", "version": "2.0.1"}


def test_claude_code_records_with_wrong_types_are_skipped_and_counted(tmp_path: Path) -> None:
    records = [
        {**CLAUDE_BASE, "type": "user", "uuid": "u1", "cwd": ["/a", "/b"],
         "message": {"role": "user", "content": "Fix the parser"}},
        {**CLAUDE_BASE, "type": "assistant", "uuid": "a1", "isSidechain": True, "agentId": ["x"],
         "message": {"id": {"nested": 1}, "content": [{"type": "tool_use", "id": ["t"], "name": 5, "input": "ls"}]}},
        {**CLAUDE_BASE, "type": "assistant", "uuid": "a2", "message": {"id": "m2", "usage": "lots",
                                                                      "content": [{"type": "text", "text": 5}]}},
        {**CLAUDE_BASE, "type": "user", "uuid": "u2", "message": {"content": [
            {"type": "tool_result", "tool_use_id": {"x": 1}, "content": [{"text": ["nested"]}], "is_error": "yes"}]}},
        {**CLAUDE_BASE, "type": "assistant", "uuid": "a3", "timestamp": 12,
         "message": {"id": "m3", "content": [{"type": "text", "text": "Done: the parser is fixed."}]}},
    ]
    text, skipped, facts = digest_text(jsonl(tmp_path / "s.jsonl", records))
    assert "Fix the parser" in text and "Done: the parser is fixed." in text
    assert facts.cwd is None and skipped.get("session fields of the wrong type") == 1
    assert "None" not in text


def test_codex_records_with_wrong_types_are_skipped_and_counted(tmp_path: Path) -> None:
    records = [
        {"timestamp": "2026-02-01T09:00:00Z", "type": "session_meta", "payload": {"id": "c1", "cwd": ["/work"]}},
        {"type": "turn_context", "payload": {"model": {"name": "gpt"}, "cwd": 7}},
        {"type": "response_item", "payload": {"type": "message", "role": "user", "content": "Add a --json flag"}},
        {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {"input_tokens": "many"}}}},
        {"type": "response_item", "payload": {"type": "function_call", "name": ["shell"], "call_id": "c",
                                              "arguments": "{\"command\": 5}"}},
        {"type": "response_item", "payload": {"type": "function_call_output", "call_id": ["c"], "output": 5}},
        {"type": "response_item", "payload": {"type": "message", "role": "assistant", "content": "Added."}},
    ]
    text, skipped, facts = digest_text(jsonl(tmp_path / "rollout.jsonl", records))
    assert "Add a --json flag" in text and "Added." in text
    assert facts.cwd == "7" and facts.model is None
    assert sum(skipped.values()) >= 2


def tb_trial(folder: Path, parser_results: object, task: str = "fix-perms") -> Path:
    (folder / "sessions").mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "task_id": task, "instruction": f"Make {task} pass.", "is_resolved": "maybe",
        "parser_results": parser_results, "total_input_tokens": "12"}))
    (folder / "sessions" / "agent.log").write_text("root@box:/app# chmod +x run.sh\nroot@box:/app# ./run.sh\nok\n")
    return folder


def test_terminal_bench_parser_results_of_the_wrong_type(tmp_path: Path) -> None:
    for index, value in enumerate(["passed", ["test_a", "passed"], 5]):
        text, skipped, facts = digest_text(tb_trial(tmp_path / f"t{index}", value))
        assert "chmod +x run.sh" in text
        assert skipped.get("results.json fields of the wrong type") == 1
        assert facts.outcome == "unknown" and facts.input_tokens is None


def test_atif_and_chat_steps_of_the_wrong_type(tmp_path: Path) -> None:
    atif = tmp_path / "trajectory.json"
    atif.write_text(json.dumps({"schema_version": "ATIF-v1.2", "agent": {"name": ["x"], "model_name": 5},
                                "final_metrics": {"total_prompt_tokens": "x", "total_cost_usd": "free"},
                                "steps": [{"source": ["user"], "message": "Hi"}, {"source": "user", "message": "Task A"},
                                          {"source": "agent", "tool_calls": "ls", "observation": {"results": 5}}]}))
    text, skipped, _ = digest_text(atif)
    assert "Task A" in text and skipped
    messages = tmp_path / "chat.json"
    messages.write_text(json.dumps([{"role": "user", "content": "Task B"}, {"role": "tool", "name": ["x"]},
                                    {"role": "assistant", "tool_calls": 5}]))
    text, skipped, _ = digest_text(messages)
    assert "Task B" in text and skipped
    mini = tmp_path / "x.traj.json"
    mini.write_text(json.dumps({"info": {"model_stats": {"instance_cost": "1"}}, "messages": [
        {"role": "system", "content": "sys"}, {"role": "user", "content": "Task C"}, {"role": "assistant", "content": 5}]}))
    text, _, facts = digest_text(mini)
    assert "Task C" in text and facts.cost_usd is None


def test_a_bad_trial_is_reported_and_the_others_are_learned(repo: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    tb_trial(run / "fix-perms" / "fix-perms.1-of-1", {"test_runs": "passed"})
    tb_trial(run / "fix-docs" / "fix-docs.1-of-1", "not a table", task="fix-docs")
    broken = run / "broken-task" / "broken-task.1-of-1" / "agent"
    broken.mkdir(parents=True)
    (broken / "trajectory.json").write_text("[" * 200_000)  # nested past any parser's recursion limit
    for jobs in ("1", "2"):
        result = run_cli("learn", str(run), "--jobs", jobs, "--dry-run", cwd=repo)
        assert result.code == 3, result.err
        assert "broken-task.1-of-1" in result.err and "1 of 3 sources could not be read" in result.err
        assert "unreadable" in result.out and "fix-perms.1-of-1" in result.out and "fix-docs.1-of-1" in result.out
    as_json = run_cli("learn", str(run), "--json", cwd=repo)
    report = json.loads(as_json.out)
    assert as_json.code == 3 and [u["source"].rsplit("/", 1)[-1] for u in report["unreadable"]] == ["broken-task.1-of-1"]
    assert len(report["results"]) == 2 and all(r["operation"] in ("create", "extend") for r in report["results"])
    assert (repo / ".agents" / "skills").is_dir()
    again = run_cli("learn", str(run), cwd=repo)  # the good trials are cached: only the bad one is left to read
    assert again.code == 3 and "1 of 3 sources could not be read" in again.err
    assert "unreadable" in again.out and "2 already learned" in again.out, again.out
