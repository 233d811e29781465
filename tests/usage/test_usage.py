"""`git skill usage`: skill loads counted from sessions and trials written here in the formats the readers know."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from git_skill.usage.loads import Load, skill_load
from tests.conftest import SHARED_FIXTURES, requires_shared, run_cli, write_skill
from tests.support.runs import write_harbor_trial
from tests.support.transcripts import claude_session


def usage_json(*args: str, cwd: Path) -> dict[str, Any]:
    result = run_cli("usage", "--format", "json", *args, cwd=cwd)
    assert result.code == 0, result.err
    return json.loads(result.out)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in report["skills"]}


def claude_stream(calls: list[tuple[str, str, dict[str, Any]]]) -> str:
    """Claude Code `-p --output-format stream-json` output, as Harbor keeps it in agent/claude-code.txt."""
    records: list[dict[str, Any]] = [{"type": "system", "subtype": "init", "cwd": "/app", "session_id": "S",
                                      "tools": ["Bash", "Read", "Skill"], "model": "claude-sonnet-4-5"}]
    for call_id, tool, arguments in calls:
        records.append({"type": "assistant", "session_id": "S", "message": {
            "id": f"m-{call_id}", "role": "assistant",
            "content": [{"type": "tool_use", "id": call_id, "name": tool, "input": arguments}]}})
        records.append({"type": "user", "session_id": "S", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call_id, "content": "ok"}]}})
    records.append({"type": "result", "subtype": "success", "is_error": False, "num_turns": len(calls),
                    "total_cost_usd": 0.1, "usage": {"input_tokens": 10, "output_tokens": 5}})
    return "bash: no job control in this shell\n" + "\n".join(json.dumps(r) for r in records) + "\n"


def claude_code_trial(job: Path, task: str, attempt: int, reward: float | None,
                      calls: list[tuple[str, str, dict[str, Any]]]) -> Path:
    """A Harbor trial of Claude Code: every call in its stream, in its session JSONL and in the ATIF trajectory."""
    trial = write_harbor_trial(job, task, attempt, reward, tool_calls=[(tool, args) for _, tool, args in calls])
    atif_path = trial / "agent" / "trajectory.json"
    atif = json.loads(atif_path.read_text(encoding="utf-8"))
    atif["session_id"] = f"{task}-{attempt}"  # each trial is a session of its own
    for step, (call_id, _, _) in zip(atif["steps"][1:], calls):  # Harbor keeps Claude Code's own call ids
        step["tool_calls"][0]["tool_call_id"] = call_id
        step["observation"]["results"][0]["source_call_id"] = call_id
    atif_path.write_text(json.dumps(atif), encoding="utf-8")
    (trial / "agent" / "claude-code.txt").write_text(claude_stream(calls).replace('"S"', f'"{task}-{attempt}"'),
                                                     encoding="utf-8")
    claude_session(trial / "agent" / "sessions" / "projects" / "-app" / "S.jsonl", "/app", calls)
    return trial


@pytest.fixture
def project(repo: Path) -> Path:
    for name in ("csv-report", "pdf-forms", "never-used"):
        write_skill(repo / ".claude" / "skills", name)
    return repo


def test_harbor_trials_of_claude_code_count_each_load_once_with_the_outcome(project: Path, tmp_path: Path) -> None:
    job = tmp_path / "job"
    skill = ("toolu_1", "Skill", {"skill": "csv-report"})
    claude_code_trial(job, "make-report", 1, 1.0, [skill, ("toolu_2", "Bash", {"command": "make test"})])
    claude_code_trial(job, "make-report", 2, 0.0, [skill])
    claude_code_trial(job, "fill-form", 1, 1.0, [("toolu_3", "Read", {"file_path": "/root/.claude/skills/pdf-forms/SKILL.md"})])
    claude_code_trial(job, "other", 1, None, [("toolu_4", "Bash", {"command": "ls"})])  # crashed: no reward
    report = usage_json(str(job), cwd=project)
    assert report["version"] == 1 and report["sessions"] == 4
    rows = by_name(report)
    assert rows["csv-report"]["loads"] == 2 and rows["csv-report"]["sessions"] == 2
    assert rows["csv-report"]["outcomes"] == {"loaded": {"trials": 2, "passed": 1},
                                              "not_loaded": {"trials": 2, "passed": 1}}
    assert rows["csv-report"]["path"] == ".claude/skills/csv-report/SKILL.md"
    assert rows["pdf-forms"]["loads"] == 1
    assert rows["pdf-forms"]["outcomes"]["loaded"] == {"trials": 1, "passed": 1}
    assert rows["never-used"] == {"name": "never-used", "path": ".claude/skills/never-used/SKILL.md", "loads": 0,
                                  "sessions": 0, "last_loaded": None,
                                  "outcomes": {"loaded": {"trials": 0, "passed": 0},
                                               "not_loaded": {"trials": 4, "passed": 2}}}
    assert [row["name"] for row in report["skills"]] == ["csv-report", "pdf-forms", "never-used"]
    for row in report["skills"]:
        assert set(row) == {"name", "path", "loads", "sessions", "last_loaded", "outcomes"}


def test_json_keys_are_the_documented_ones(project: Path, tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "usage.md").read_text(encoding="utf-8")
    session = claude_session(tmp_path / "s.jsonl", str(project), [("t1", "Skill", {"skill": "csv-report"})])
    report = usage_json(str(session), cwd=project)
    for key in ["version", "sessions", "skills", *report["skills"][0], "trials", "passed", "loaded", "not_loaded"]:
        assert f"`{key}`" in docs, key


def test_session_loads_skills_not_in_the_repository_and_streamed_copies_once(project: Path, tmp_path: Path) -> None:
    session = claude_session(tmp_path / "s.jsonl", str(project), [
        ("t1", "Skill", {"skill": "csv-report"}),
        ("t2", "Skill", {"skill": "csv-report"}),  # loaded again later in the session: a second load
        ("t3", "Skill", {"skill": "docs:release-notes"}),
    ], when="2026-11-02T08:30:00Z")
    rows = by_name(usage_json(str(session), cwd=project))
    assert rows["csv-report"]["loads"] == 1 and rows["csv-report"]["sessions"] == 1  # loaded twice: once a session
    assert rows["csv-report"]["last_loaded"] == "2026-11-02T08:30:00Z"
    copy = tmp_path / "copy" / "s.jsonl"  # the same session kept in a second file: a load more, one session
    copy.parent.mkdir()
    copy.write_bytes(session.read_bytes())
    twice = by_name(usage_json(str(session), str(copy), cwd=project))["csv-report"]
    assert twice["loads"] == 2 and twice["sessions"] == 1
    assert rows["docs:release-notes"]["path"] is None
    assert rows["csv-report"]["outcomes"] == {"loaded": {"trials": 0, "passed": 0}, "not_loaded": {"trials": 0, "passed": 0}}


def test_no_source_reads_every_session_recorded_for_the_repository(project: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    claude = tmp_path / "claude"
    codex = tmp_path / "codex"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    monkeypatch.setenv("CODEX_HOME", str(codex))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    root = str(project.resolve())
    folder = claude / "projects" / re.sub(r"[^A-Za-z0-9]", "-", root)
    claude_session(folder / "one.jsonl", root, [("t1", "Skill", {"skill": "csv-report"})])
    claude_session(claude / "projects" / "-elsewhere" / "two.jsonl", "/elsewhere", [("t2", "Skill", {"skill": "pdf-forms"})])
    rollout = codex / "sessions" / "2026" / "11" / "03" / "rollout-2026-11-03T09-00-00-abc.jsonl"
    rollout.parent.mkdir(parents=True)
    records = [
        {"timestamp": "2026-11-03T09:00:00Z", "type": "session_meta", "payload": {"id": "abc", "cwd": root}},
        {"timestamp": "2026-11-03T09:00:05Z", "type": "response_item", "payload": {
            "type": "function_call", "name": "exec_command", "call_id": "call_1",
            "arguments": json.dumps({"cmd": "sed -n '1,200p' .agents/skills/pdf-forms/SKILL.md"})}},
    ]
    rollout.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    report = usage_json(cwd=project)
    rows = by_name(report)
    assert report["sessions"] == 2
    assert rows["csv-report"]["loads"] == 1 and rows["pdf-forms"]["loads"] == 1  # the other project's is not read
    assert rows["pdf-forms"]["last_loaded"] == "2026-11-03T09:00:05Z"
    since = by_name(usage_json("--since", "2026-11-03", cwd=project))
    assert since["csv-report"]["loads"] == 0 and since["pdf-forms"]["loads"] == 1
    text = run_cli("usage", cwd=project).out
    assert "1 of 3 repository skills never loaded: never-used" in text


def test_stale_lists_skills_not_loaded_in_that_time(project: Path, tmp_path: Path) -> None:
    old = claude_session(tmp_path / "old.jsonl", str(project), [("t1", "Skill", {"skill": "csv-report"})],
                         when="2020-01-01T00:00:00Z")
    new = claude_session(tmp_path / "new.jsonl", str(project), [("t1", "Skill", {"skill": "pdf-forms"})],
                         when="2099-01-01T00:00:00Z")
    report = usage_json("--stale", "30", str(old), str(new), cwd=project)
    assert [row["name"] for row in report["skills"]] == ["csv-report", "never-used"]
    assert report["stale_days"] == 30
    assert "2 skills not loaded in 30 days" in run_cli("usage", "--stale", "30", str(old), str(new), cwd=project).out


def test_bad_input(project: Path, tmp_path: Path) -> None:
    missing = run_cli("usage", "nothing-here.jsonl", cwd=project)
    assert missing.code == 2 and "no such file or folder" in missing.err and "Traceback" not in missing.err
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a transcript")
    bad = run_cli("usage", str(junk), cwd=project)
    assert bad.code == 3 and bad.err.count("\n") == 1 and "not a transcript format" in bad.err
    assert run_cli("usage", "--since", "last tuesday", cwd=project).code == 2
    assert run_cli("usage", "--stale", "-1", cwd=project).code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_cli("usage", str(empty), cwd=project)
    assert nothing.code == 3 and "holds no trial folders and no session files" in nothing.err
    good = claude_session(tmp_path / "good.jsonl", str(project), [("t1", "Skill", {"skill": "csv-report"})])
    mixed = run_cli("usage", "--format", "json", str(junk), str(good), cwd=project)
    assert mixed.code == 0 and "skipped" in mixed.err and json.loads(mixed.out)["sessions"] == 1


@pytest.mark.parametrize("tool, arguments, command, expected", [
    ("Skill", {"skill": "csv-report"}, None, Load("csv-report", None)),
    ("Skill", {"command": "/csv-report"}, None, Load("csv-report", None)),
    ("activate_skill", {"name": "pdf-forms"}, None, Load("pdf-forms", None)),
    ("skill", {"name": "pdf-forms"}, None, Load("pdf-forms", None)),
    ("Read", {"file_path": "/root/.claude/skills/csv-report/SKILL.md"}, None,
     Load("csv-report", "/root/.claude/skills/csv-report/SKILL.md")),
    ("read_file", {"absolute_path": "skills/a.b/SKILL.md"}, None, Load("a.b", "skills/a.b/SKILL.md")),
    ("exec_command", {"cmd": ["bash", "-lc", "cat ~/.codex/skills/x-y/SKILL.md"]}, "cat ~/.codex/skills/x-y/SKILL.md",
     Load("x-y", "~/.codex/skills/x-y/SKILL.md")),
    ("Bash", {"command": "cd /app && head -50 '.agents/skills/deploy/SKILL.md'"}, None,
     Load("deploy", ".agents/skills/deploy/SKILL.md")),
    # writing a skill, listing skills, a glob, a search: not loads
    ("Bash", {"command": "cat > .claude/skills/new/SKILL.md <<'EOF'\n---\nEOF"}, None, None),
    ("Bash", {"command": "sed -i 's/a/b/' .claude/skills/new/SKILL.md"}, None, None),
    ("Bash", {"command": "echo hi | tee skills/new/SKILL.md"}, None, None),
    ("Bash", {"command": "ls .claude/skills/*/SKILL.md"}, None, None),
    ("Bash", {"command": "cat .claude/skills/*/SKILL.md"}, None, None),
    ("Bash", {"command": "find . -name SKILL.md"}, None, None),
    ("Bash", {"command": "grep -l csv .claude/skills/csv-report/SKILL.md"}, None, None),
    ("Write", {"file_path": "skills/new/SKILL.md", "content": "x"}, None, None),
    ("Edit", {"file_path": "skills/new/SKILL.md"}, None, None),
    ("Read", {"file_path": "README.md"}, None, None),
    ("Skill", {}, None, None),
    (None, {"skill": "x"}, None, None),
])
def test_what_counts_as_a_load(tool: str | None, arguments: Any, command: str | None, expected: Load | None) -> None:
    assert skill_load(tool, arguments, command) == expected


def test_harbor_trials_without_atif_of_claude_code_and_codex(project: Path, tmp_path: Path) -> None:
    """Installed agents' own logs only: Claude Code's stream beside its session JSONL (every call in
    both), and Codex's `exec --json` output reading a SKILL.md with a shell command."""
    job = tmp_path / "job"
    claude = claude_code_trial(job, "make-report", 1, 1.0, [("toolu_1", "Skill", {"skill": "csv-report"}),
                                                             ("toolu_2", "Skill", {"skill": "csv-report"})])
    (claude / "agent" / "trajectory.json").unlink()
    codex = write_harbor_trial(job, "fill-form", 1, 0.0)
    (codex / "agent" / "trajectory.json").unlink()
    records = [
        {"type": "thread.started", "thread_id": "th-1"},
        {"type": "turn.started"},
        {"type": "item.completed", "item": {"id": "item_1", "type": "command_execution",
                                            "command": "bash -lc 'cat /root/.agents/skills/pdf-forms/SKILL.md'",
                                            "aggregated_output": "---\nname: pdf-forms\n", "exit_code": 0,
                                            "status": "completed"}},
        {"type": "item.completed", "item": {"id": "item_2", "type": "command_execution",
                                            "command": "bash -lc 'cat > notes/SKILL.md <<EOF\nx\nEOF'",
                                            "aggregated_output": "", "exit_code": 0, "status": "completed"}},
        {"type": "turn.completed", "usage": {"input_tokens": 20, "output_tokens": 8}},
    ]
    (codex / "agent" / "codex.txt").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    rows = by_name(usage_json(str(job), cwd=project))
    assert rows["csv-report"]["loads"] == 1 and rows["csv-report"]["sessions"] == 1  # two calls, one trial
    assert rows["csv-report"]["outcomes"]["loaded"] == {"trials": 1, "passed": 1}
    assert rows["pdf-forms"]["loads"] == 1 and rows["pdf-forms"]["outcomes"] == {
        "loaded": {"trials": 1, "passed": 0}, "not_loaded": {"trials": 1, "passed": 1}}
    assert "notes" not in rows


@requires_shared
def test_real_terminal_bench_trials_and_claude_code_sessions(project: Path) -> None:
    trials = sorted(p.parent for p in (SHARED_FIXTURES / "terminal-bench").rglob("results.json")
                    if "instruction" in json.loads(p.read_text(encoding="utf-8")))
    resolved = sum(json.loads((t / "results.json").read_text(encoding="utf-8")).get("is_resolved") is True
                   for t in trials)
    report = usage_json(str(SHARED_FIXTURES / "terminal-bench"), cwd=project)
    assert report["sessions"] == len(trials) > 0
    never = by_name(report)["never-used"]
    assert never["loads"] == 0 and never["outcomes"]["not_loaded"] == {"trials": len(trials), "passed": resolved}
    sessions = sorted((SHARED_FIXTURES / "claude-code").glob("*.jsonl"))
    report = usage_json(*map(str, sessions), cwd=project)
    assert report["sessions"] == len(sessions)
    assert all(row["outcomes"]["loaded"]["trials"] == 0 for row in report["skills"])  # sessions have no outcome


def test_gemini_cli_sessions_of_the_repository_count_activate_skill(project: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path / "gemini-home"))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "none"))
    root = project.resolve()
    chats = tmp_path / "gemini-home" / ".gemini" / "tmp" / hashlib.sha256(str(root).encode()).hexdigest() / "chats"
    chats.mkdir(parents=True)
    session = {"sessionId": "g1", "projectHash": "h", "startTime": "2026-11-04T09:00:00Z",
               "lastUpdated": "2026-11-04T09:05:00Z", "messages": [
                   {"id": "m1", "timestamp": "2026-11-04T09:00:00Z", "type": "user", "content": "fill the form"},
                   {"id": "m2", "timestamp": "2026-11-04T09:01:00Z", "type": "gemini", "content": "",
                    "toolCalls": [{"id": "call-1", "name": "activate_skill", "args": {"name": "pdf-forms"},
                                   "status": "success", "result": []}]}]}
    (chats / "session-2026-11-04T09-00-g1.json").write_text(json.dumps(session), encoding="utf-8")
    report = usage_json(cwd=project)
    assert report["sessions"] == 1
    assert by_name(report)["pdf-forms"]["loads"] == 1
    assert by_name(report)["pdf-forms"]["last_loaded"] == "2026-11-04T09:01:00Z"


def test_terminal_bench_trials_read_a_skill_file_in_the_terminal(project: Path, tmp_path: Path) -> None:
    from tests.support.transcripts import tb_trial

    run = tmp_path / "run"
    tb_trial(run / "make-report" / "make-report.1-of-1", "make-report", True, None, session=(
        "root@box:/app# cat /app/.claude/skills/csv-report/SKILL.md\n---\nname: csv-report\n---\n# Steps\n"
        "root@box:/app# make make-report && echo OK\nOK\nroot@box:/app# exit\n"))
    tb_trial(run / "fill-form" / "fill-form.1-of-1", "fill-form", False, "test_form")
    report = usage_json(str(run), cwd=project)
    rows = by_name(report)
    assert report["sessions"] == 2
    assert rows["csv-report"]["loads"] == 1 and rows["csv-report"]["outcomes"] == {
        "loaded": {"trials": 1, "passed": 1}, "not_loaded": {"trials": 1, "passed": 0}}
