"""The digest: faithful (commands, errors, verdicts survive), within budget, deterministic, bounded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from git_skill.transcripts.digest import collect, fit, to_json
from git_skill.text.tokens import approx_tokens
from git_skill.transcripts import open_transcript

from tests.conftest import SHARED_FIXTURES, requires_shared, run_cli
from tests.support.transcripts import claude_records, jsonl, write_harbor_trial


def long_session(path: Path, steps: int, output_lines: int = 50, failure_every: int = 25) -> Path:
    """A Claude Code session with many commands, big outputs and a few failures."""
    base = {"sessionId": "long", "cwd": "/repo", "version": "2.0.0"}
    records: list[dict] = [{**base, "type": "user", "uuid": "u", "message": {"role": "user", "content": "Make the build green"}}]
    for i in range(steps):
        failing = i % failure_every == 7 % failure_every
        records.append({**base, "type": "assistant", "uuid": f"a{i}", "message": {"id": f"m{i}", "role": "assistant", "content": [
            {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": f"make step-{i}"}}]}})
        output = "\n".join(f"compiling unit {j} of step {i}" for j in range(output_lines))
        if failing:
            output = f"Exit code 2\n{output}\nerror: undefined reference in step {i}"
        records.append({**base, "type": "user", "uuid": f"r{i}", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"t{i}", "is_error": failing, "content": output}]}})
    records.append({**base, "type": "assistant", "uuid": "end", "message": {"id": "end", "role": "assistant",
                                                                            "content": [{"type": "text", "text": "All green now."}]}})
    return jsonl(path, records)


def test_digest_keeps_every_command_error_and_verdict(tmp_path: Path) -> None:
    folder = write_harbor_trial(tmp_path / "trial")
    text, _, _ = fit(collect(open_transcript(folder)), 24_000)
    assert text.startswith("# Task\nCompile hello.c into ./hello\n")
    for expected in ("$ gcc hello.c -o hello", "$ apt-get install -y gcc", "bash: gcc: command not found",
                     "FAILED test_output", "AssertionError: expected 'hello' got ''", "NOT resolved", "reward 0",
                     "# Final state"):
        assert expected in text, expected
    assert text.index("FAILED test_output") < text.index("# Timeline")


def test_budget_is_met_and_errors_survive_the_squeeze(tmp_path: Path) -> None:
    path = long_session(tmp_path / "long.jsonl", 400)
    digest = collect(open_transcript(path))
    for budget in (2_000, 6_000, 24_000):
        text, _, _ = fit(digest, budget)
        assert approx_tokens(text) <= budget
        for i in range(7, 400, 25):
            assert f"$ make step-{i}" in text and f"undefined reference in step {i}" in text
        assert "Make the build green" in text and "All green now." in text
    roomy, _, _ = fit(digest, 200_000)
    assert all(f"$ make step-{i}" in roomy for i in range(400))


def test_budget_holds_even_when_errors_alone_exceed_it(tmp_path: Path) -> None:
    path = long_session(tmp_path / "errors.jsonl", 600, output_lines=3)
    digest = collect(open_transcript(path))
    for step in digest.steps:
        step.is_error = True
    digest.task = "x" * 200_000
    text, _, omitted = fit(digest, 600)
    assert approx_tokens(text) <= 600 and omitted > 0
    assert text.startswith("# Task\nxxx") and "characters cut" in text


def test_digest_is_deterministic(tmp_path: Path) -> None:
    path = long_session(tmp_path / "s.jsonl", 60)
    first = fit(collect(open_transcript(path)), 3_000)[0]
    second = fit(collect(open_transcript(path)), 3_000)[0]
    assert first == second


def test_long_outputs_are_cut_in_the_middle_with_a_marker(tmp_path: Path) -> None:
    path = long_session(tmp_path / "s.jsonl", 3, output_lines=2000)
    text, _, _ = fit(collect(open_transcript(path)), 24_000)
    assert "compiling unit 0 of step 0" in text and "compiling unit 1999 of step 0" in text
    assert re.search(r"\[… [\d,]+ characters cut …\]", text)


def test_progress_and_repeated_outputs_are_dropped(tmp_path: Path) -> None:
    base = {"sessionId": "p", "version": "1"}
    noisy = "\n".join(["Collecting numpy", "  Downloading numpy-2.0.whl (18 MB)"] +
                      [f"   ━━━━━━━━━━━━━━━━ {i} MB 10.1 MB/s" for i in range(50)] + ["Successfully installed numpy"])
    records = [{**base, "type": "user", "message": {"role": "user", "content": "install numpy"}}]
    for i in range(2):
        records += [
            {**base, "type": "assistant", "message": {"id": f"m{i}", "role": "assistant", "content": [
                {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": "pip install numpy"}}]}},
            {**base, "type": "user", "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": noisy}]}},
        ]
    text, _, _ = fit(collect(open_transcript(jsonl(tmp_path / "n.jsonl", records))), 24_000)
    assert "[… 53 lines of package installation …]" in text and "━━━━" not in text  # progress bars and pip's lines
    assert "(same output as [2])" in text


def test_json_digest_shape(tmp_path: Path) -> None:
    folder = write_harbor_trial(tmp_path / "trial")
    document = json.loads(to_json(collect(open_transcript(folder)), 24_000))
    assert document["version"] == 1 and document["task"] == "Compile hello.c into ./hello"
    assert document["feedback"][0]["failed_tests"] == ["test_output"]
    assert document["counts"] == {"commands": 2, "errors": 1, "tool_calls": 2, "user_turns": 1}
    assert document["tokens"] <= document["budget_tokens"]


def test_memory_stays_bounded_for_very_long_sessions(tmp_path: Path) -> None:
    path = long_session(tmp_path / "huge.jsonl", 20_000, output_lines=5)
    digest = collect(open_transcript(path))
    assert len(digest.steps) <= 6001 and digest.compacted > 0
    text, _, _ = fit(digest, 24_000)
    assert "$ make step-19982" in text and "undefined reference in step 19957" in text


def test_sessions_made_of_errors_stay_bounded_too(tmp_path: Path) -> None:
    path = long_session(tmp_path / "errors.jsonl", 20_000, output_lines=2, failure_every=1)
    digest = collect(open_transcript(path))
    assert len(digest.steps) <= 6001 and digest.compacted > 30_000
    text, _, _ = fit(digest, 24_000)
    assert approx_tokens(text) <= 24_000 and "undefined reference in step 19999" in text


# ------------------------------------------------------------------ the command
def test_digest_command_text_and_json(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", claude_records())
    text = run_cli("digest", str(path), "--budget", "2000", cwd=tmp_path)
    assert text.code == 0 and text.out.startswith("# Task\nFix the failing test in parser.py")
    assert "ghp_" not in text.out and "[REDACTED:github-token#1]" in text.out
    as_json = run_cli("digest", str(path), "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.out)["facts"]["format"] == "claude-code"


def test_digest_command_bad_input(tmp_path: Path) -> None:
    (tmp_path / "prose.txt").write_text("hello\n")
    unknown = run_cli("digest", "prose.txt", cwd=tmp_path)
    assert unknown.code == 3 and "Supported formats" in unknown.err and "Traceback" not in unknown.err
    missing = run_cli("digest", "nope.jsonl", cwd=tmp_path)
    assert missing.code == 2 and "no such file or folder" in missing.err
    assert run_cli("digest", "prose.txt", "--budget", "10", cwd=tmp_path).code == 2


def test_a_job_folder_stands_for_its_only_trial_and_is_refused_when_it_holds_several(tmp_path: Path) -> None:
    write_harbor_trial(tmp_path / "job" / "compile-hello__a1")
    one = run_cli("digest", "job", "--budget", "1000", cwd=tmp_path)
    assert one.code == 0, one.err
    assert "reading the only trial in it" in one.err and "Compile hello.c" in one.out
    write_harbor_trial(tmp_path / "job" / "compile-hello__b2")
    several = run_cli("digest", "job", cwd=tmp_path)
    assert several.code == 2 and "holds 2 trials" in several.err and "compile-hello__a1" in several.err
    assert "git skill learn" in several.err and several.out == ""


def test_default_source_is_the_newest_session_for_this_repository(tmp_path: Path, repo: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    claude_home, codex_home = tmp_path / "claude", tmp_path / "codex"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude_home))
    monkeypatch.setenv("CODEX_HOME", str(codex_home))
    none = run_cli("digest", cwd=repo)
    assert none.code == 2 and "no agent session recorded" in none.err
    root = str(repo.resolve())
    project = claude_home / "projects" / re.sub(r"[^A-Za-z0-9]", "-", root)
    project.mkdir(parents=True)
    records = claude_records()
    jsonl(project / "old.jsonl", records[:1])
    other = claude_home / "projects" / (re.sub(r"[^A-Za-z0-9]", "-", root) + "-other")
    other.mkdir()
    jsonl(other / "sibling.jsonl", [{**records[0], "cwd": root + "-other"}])
    rollout = codex_home / "sessions" / "2026" / "01" / "02"
    rollout.mkdir(parents=True)
    jsonl(rollout / "rollout-2026-01-02-x.jsonl", [
        {"type": "session_meta", "payload": {"id": "x", "cwd": str(repo / "src")}},
        {"type": "response_item", "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "codex task"}]}}])
    chosen = run_cli("digest", cwd=repo)
    assert chosen.code == 0 and "rollout-2026-01-02-x.jsonl" in chosen.err and "codex task" in chosen.out


@requires_shared
def test_digest_of_every_shared_trial_keeps_failing_tests() -> None:
    for results in sorted((SHARED_FIXTURES / "terminal-bench").rglob("results.json")):
        data = json.loads(results.read_text())
        text, _, _ = fit(collect(open_transcript(results.parent)), 8_000)
        assert approx_tokens(text) <= 8_000
        assert data["instruction"].strip()[:60] in text
        for name, status in (data.get("parser_results") or {}).items():
            if status == "failed":
                assert f"FAILED {name}" in text
