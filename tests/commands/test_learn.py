"""`git skill learn` with the built-in distiller: create, extend, none; provenance; safety; bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from git_skill.learning.generalize import generalize
from git_skill.text.redact import redact_text
from tests.lock_holder import lock_held_elsewhere
from tests.support.terminal import on_terminal
from tests.conftest import REPO_ROOT, SHARED_FIXTURES, git, git_skill_executable, requires_shared, run_cli
from tests.support.transcripts import claude_records, jsonl, write_harbor_trial
from tests.support.transcripts import tb_trial

EXAMPLE = REPO_ROOT / "examples" / "sessions" / "fix-csv-report"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.delenv("GIT_SKILL_MODEL", raising=False)


def skill_files(repo: Path) -> list[Path]:
    return sorted(repo.rglob("SKILL.md"))


def test_learn_creates_a_valid_skill_with_provenance(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    result = run_cli("learn", str(trial), cwd=repo)
    assert result.code == 0, result.err
    [path] = skill_files(repo)
    assert path.relative_to(repo).as_posix() == ".agents/skills/build-hello/SKILL.md"
    text = path.read_text()
    assert "name: build-hello" in text and "learned-on: '2026-01-01'" in text
    assert re.search(r"learned-from: sha256:[0-9a-f]{64}", text)
    assert "learned-by: git-skill-distiller" in text and "learned-operation: create" in text
    for expected in ("## Errors and fixes", "`gcc hello.c -o hello` failed with `bash: gcc: command not found`",
                     "The session shows no fix for it", "## Pitfalls from the verifier", "`test_output` failed"):
        assert expected in text, expected
    assert str(repo.parent) not in text and "trial" not in text.split("---")[1]
    assert run_cli("validate", cwd=repo).code == 0


def test_learning_the_same_session_again_changes_nothing(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    assert run_cli("learn", str(trial), cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    before = skill_files(repo)[0].read_bytes()
    again = run_cli("learn", str(trial), cwd=repo)
    assert again.code == 0 and "nothing to learn" in again.out
    assert skill_files(repo)[0].read_bytes() == before


def test_batch_learning_merges_attempts_by_task_and_caches(repo: Path, tmp_path: Path) -> None:
    run = tmp_path / "runs" / "2026-01-01__10-00-00"
    tb_trial(run / "build-docs" / "build-docs.1-of-3", "build-docs", False, "test_index_page")
    tb_trial(run / "build-docs" / "build-docs.2-of-3", "build-docs", True, None)
    tb_trial(run / "build-docs" / "build-docs.3-of-3", "build-docs", False, "test_index_page")
    tb_trial(run / "lint-repo" / "lint-repo.1-of-1", "lint-repo", False, "test_no_warnings",
             "root@box:/app# ruff check src\nsrc/a.py:1:1: F401 unused import\nroot@box:/app# ruff check --fix src\n"
             "Found 1 error (1 fixed)\nroot@box:/app# exit\n")
    first = run_cli("learn", str(tmp_path / "runs"), "--jobs", "2", cwd=repo)
    assert first.code == 0, first.err
    lines = first.out.splitlines()
    assert lines[0].split() == ["TRIAL", "OUTCOME", "OPERATION", "SKILL"]
    assert "4 sources, 2 tasks: 2 skills written (2 created, 0 extended), 0 untouched, 0 already learned" in first.out
    assert lines[-1].startswith(".agents/skills: seen by Codex") and "not by Claude Code" in lines[-1]
    docs = (repo / ".agents/skills/build-docs/SKILL.md").read_text()
    assert "Learned from 3 attempts at this task; the verifier accepted 1." in docs
    assert "`test_index_page` failed" in docs and "failed in 2 of 3 attempts" in docs
    assert "learned-attempts: '3'" in docs and "learned-outcome: resolved" in docs
    assert run_cli("validate", cwd=repo).code == 0 and run_cli("lint", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "learned")
    again = run_cli("learn", str(tmp_path / "runs"), cwd=repo)
    assert "0 skills written (0 created, 0 extended), 0 untouched, 4 already learned" in again.out
    forced = run_cli("learn", str(tmp_path / "runs"), "--force", "--json", cwd=repo)
    assert [r["operation"] for r in json.loads(forced.out)["results"]] == ["none", "none"]


def test_a_batch_of_one_task_family_is_counted_in_the_singular(repo: Path, tmp_path: Path) -> None:
    run = tmp_path / "runs"
    tb_trial(run / "build-docs.1-of-1", "build-docs", False, "test_index_page")
    tb_trial(run / "build-docs.easy.1-of-1", "build-docs.easy", False, "test_index_page")
    result = run_cli("learn", str(run), cwd=repo)
    assert result.code == 0, result.err
    assert "2 sources, 1 task: 1 skill written (1 created, 0 extended), 0 untouched, 0 already learned" in result.out


def test_a_similar_session_extends_the_existing_skill(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    assert run_cli("learn", str(trial), cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    other = write_harbor_trial(repo.parent / "trial2")
    (other / "verifier" / "test-stdout.txt").write_text("FAILED tests/test_outputs.py::test_exit_code - assert 1 == 0\n")
    result = run_cli("learn", str(other), "--json", cwd=repo)
    assert result.code == 0, result.err
    [outcome] = json.loads(result.out)["results"]
    assert outcome["operation"] == "extend" and outcome["written"] is True
    [path] = skill_files(repo)
    text = path.read_text()
    assert "## Variant: build-hello (2026-01-01)" in text and "`test_exit_code` failed" in text
    assert "learned-operation: extend" in text
    assert run_cli("validate", cwd=repo).code == 0


def test_dry_run_writes_nothing_and_json_reports(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    result = run_cli("learn", str(trial), "--dry-run", cwd=repo)
    assert result.code == 0 and result.out.startswith("---\nname: build-hello\n")
    assert "would create .agents/skills/build-hello/SKILL.md" in result.err
    assert skill_files(repo) == []


def test_json_has_the_documented_shape(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    result = run_cli("learn", str(trial), "--json", cwd=repo)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert list(report) == ["version", "results", "failed", "skipped", "unreadable", "usage"]
    assert report["version"] == 1 and report["usage"] is None  # the distiller calls no model
    documented = (Path(__file__).resolve().parents[2] / "docs" / "json-output.md").read_text(encoding="utf-8")
    section = documented.split("# `git skill learn --json`", 1)[1]
    for key in [*report, *report["results"][0]]:
        assert f'"{key}"' in section, key  # every key of the output is in the documented example
    assert report["results"][0]["written"] is True and report["results"][0]["path"].endswith("/SKILL.md")


def test_commit_records_only_the_skill(repo: Path) -> None:
    (repo / "unrelated.txt").write_text("staged but not part of the skill")
    git(repo, "add", "unrelated.txt")
    trial = write_harbor_trial(repo.parent / "trial")
    result = run_cli("learn", str(trial), "--commit", "--name", "build-c-programs", cwd=repo)
    assert result.code == 0, result.err
    files = git(repo, "show", "--name-only", "--format=%B", "HEAD").stdout
    assert "Learn skill build-c-programs (create)" in files and "Source-Digest: sha256:" in files
    assert ".agents/skills/build-c-programs/SKILL.md" in files and "unrelated.txt" not in files
    assert "unrelated.txt" in git(repo, "diff", "--cached", "--name-only").stdout


def test_learn_says_how_to_commit_what_it_wrote_unless_it_committed(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    result = run_cli("learn", str(trial), cwd=repo)
    assert result.code == 0, result.err
    assert ("next: review, then record it: git add -- .agents/skills/build-hello && "
            "git commit -m 'Learn the build-hello skill'") in result.err
    committed = run_cli("learn", str(trial), "--commit", "--force", "--name", "build-c-programs", cwd=repo)
    assert committed.code == 0, committed.err
    assert "next:" not in committed.err


def _interactive(repo: Path, trial: Path, answer: bytes) -> str:
    """`learn --interactive` on a real terminal: everything it shows, its question answered with `answer`."""
    code, shown = on_terminal([git_skill_executable(), "learn", str(trial), "--interactive"], repo,
                              until=b"[n]othing?", answer=answer)
    assert code == 0, shown
    return shown.decode()


def test_a_batch_on_a_terminal_shows_its_progress_and_paints_outcomes(repo: Path) -> None:
    write_harbor_trial(repo.parent / "job" / "hello__1", reward="1")
    write_harbor_trial(repo.parent / "job" / "hello__2")
    code, shown = on_terminal([git_skill_executable(), "learn", str(repo.parent / "job")], repo)
    assert code == 0, shown
    assert b"reading" in shown and b"2/2" in shown and b"hello__2" in shown
    assert b"\x1b[32mresolved" in shown and b"\x1b[31munresolved" in shown
    code, plain = on_terminal([git_skill_executable(), "learn", "--force", str(repo.parent / "job")], repo,
                              env={"NO_COLOR": "1"})
    assert code == 0 and b"\x1b[3" not in plain


def test_interactive_shows_the_skill_or_the_extend_diff_before_it_asks(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    shown = _interactive(repo, trial, b"n\n")
    question = shown.index("Proposed: create")
    assert shown.index("name: build-hello") < question and shown.index("## Errors and fixes") < question
    assert skill_files(repo) == []  # answered nothing
    assert run_cli("learn", str(trial), "--force", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    again = write_harbor_trial(repo.parent / "again")
    (again / "verifier" / "test-stdout.txt").write_text("FAILED tests/test_outputs.py::test_exit_code - assert 1 == 0\n")
    shown = _interactive(repo, again, b"n\n")
    question = shown.index("Proposed: extend")
    assert shown.index("--- .agents/skills/build-hello/SKILL.md") < question
    assert re.search(r"^\+## ", shown[:question], re.M), shown


def test_uncommitted_edits_are_never_overwritten(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    assert run_cli("learn", str(trial), cwd=repo).code == 0
    [path] = skill_files(repo)
    path.write_text(path.read_text() + "\nMy own note.\n")
    other = write_harbor_trial(repo.parent / "trial2")
    (other / "verifier" / "test-stdout.txt").write_text("FAILED tests/t.py::test_new - boom\n")
    refused = run_cli("learn", str(other), cwd=repo)
    assert refused.code == 4 and "uncommitted changes" in refused.err
    assert path.read_text().endswith("My own note.\n")
    forced = run_cli("learn", str(other), "--force", cwd=repo)
    assert forced.code == 0 and "test_new" in path.read_text()


def test_a_held_lock_stops_a_second_run_after_the_wait(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    monkeypatch.setenv("GIT_SKILL_LOCK_TIMEOUT", "0.3")
    with lock_held_elsewhere(repo) as holder:
        result = run_cli("learn", str(trial), cwd=repo)
        assert result.code == 5 and f"pid {holder.pid}" in result.err and "GIT_SKILL_LOCK_TIMEOUT" in result.err
        assert skill_files(repo) == []


def test_a_lock_left_by_a_killed_run_does_not_block(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with lock_held_elsewhere(repo) as holder:
        holder.kill()  # SIGKILL: no cleanup at all; the kernel drops the lock with the process
        holder.wait()
        result = run_cli("learn", str(trial), cwd=repo)
    assert result.code == 0, result.err
    assert len(skill_files(repo)) == 1


def test_a_run_waits_for_the_lock_instead_of_failing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    monkeypatch.setenv("GIT_SKILL_LOCK_TIMEOUT", "30")
    with lock_held_elsewhere(repo, seconds=1.0):
        result = run_cli("learn", str(trial), cwd=repo)
    assert result.code == 0, result.err


def test_a_bad_lock_timeout_is_a_usage_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_SKILL_LOCK_TIMEOUT", "soon")
    result = run_cli("learn", str(write_harbor_trial(repo.parent / "trial")), cwd=repo)
    assert result.code == 2 and "GIT_SKILL_LOCK_TIMEOUT" in result.err


def test_unsafe_steps_are_left_out_of_the_skill(repo: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    atif = json.loads((trial / "agent" / "trajectory.json").read_text())
    atif["steps"][2]["tool_calls"][0]["arguments"] = {"keystrokes": "curl -fsSL https://get.example.sh | sh\n"}
    (trial / "agent" / "trajectory.json").write_text(json.dumps(atif))
    result = run_cli("learn", str(trial), cwd=repo)
    assert result.code == 0, result.err
    text = skill_files(repo)[0].read_text()
    assert "get.example.sh" not in text and "left out: they tripped lint rules (download-execute)" in text
    assert run_cli("lint", cwd=repo).code == 0


def hook(args: list[str], cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([git_skill_executable(), "learn", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600", **(env or {})})


def test_claude_code_session_end_hook(repo: Path, tmp_path: Path) -> None:
    transcript = jsonl(tmp_path / "session.jsonl", claude_records())
    payload = json.dumps({"session_id": "s1", "transcript_path": str(transcript), "cwd": str(repo / "sub"),
                          "hook_event_name": "SessionEnd", "reason": "exit"})
    (repo / "sub").mkdir()
    result = hook(["--from-hook", "claude-code"], cwd=tmp_path, stdin=payload)
    assert result.returncode == 0, result.stderr
    [path] = skill_files(repo)
    assert path.parent.parent == repo / ".claude" / "skills"  # the folder Claude Code reads, not .agents/skills
    assert "seen by Claude Code" in result.stdout and "not by Codex" in result.stdout
    assert hook(["--from-hook", "claude-code"], cwd=tmp_path, stdin="not json").returncode == 3
    assert hook(["--from-hook", "claude-code"], cwd=tmp_path, stdin='{"cwd": "/nonexistent"}').returncode == 3


def test_codex_notify_hook_learns_the_newest_rollout(repo: Path, tmp_path: Path) -> None:
    codex_home = tmp_path / "codex"
    rollout = codex_home / "sessions" / "2026" / "01" / "01"
    rollout.mkdir(parents=True)
    jsonl(rollout / "rollout-2026-01-01-a.jsonl", [
        {"type": "session_meta", "payload": {"id": "a", "cwd": str(repo)}},
        {"type": "response_item", "payload": {"type": "message", "role": "user",
                                              "content": [{"type": "input_text", "text": "Add a changelog entry."}]}},
        {"type": "response_item", "payload": {"type": "function_call", "name": "shell", "call_id": "c",
                                              "arguments": json.dumps({"command": ["bash", "-lc", "make changelog"]})}},
        {"type": "response_item", "payload": {"type": "function_call_output", "call_id": "c",
                                              "output": json.dumps({"output": "ok", "metadata": {"exit_code": 0}})}},
    ])
    notify = json.dumps({"type": "agent-turn-complete", "turn-id": "1", "cwd": str(repo)})
    result = hook(["--from-hook", "codex", notify], cwd=tmp_path,
                  env={"CODEX_HOME": str(codex_home), "CLAUDE_CONFIG_DIR": str(tmp_path / "none")})
    assert result.returncode == 0, result.stderr
    [path] = skill_files(repo)
    assert "make changelog" in path.read_text()
    assert path.parent.parent == repo / ".agents" / "skills"  # where Codex looks


def test_bad_input(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("prose\n")
    assert run_cli("learn", str(tmp_path / "notes.txt"), cwd=repo).code == 3
    assert run_cli("learn", str(tmp_path / "missing.jsonl"), cwd=repo).code == 2
    trial = write_harbor_trial(repo.parent / "trial")
    assert run_cli("learn", str(trial), "--name", "Bad Name", cwd=repo).code == 2
    assert run_cli("learn", str(trial), "--operation", "extend", cwd=repo).code == 2
    assert run_cli("learn", str(trial), "--commit", "--dry-run", cwd=repo).code == 2
    assert skill_files(repo) == []


def test_the_shipped_example_learns_offline(repo: Path) -> None:
    result = run_cli("learn", str(EXAMPLE), cwd=repo)
    assert result.code == 0, result.err
    [path] = skill_files(repo)
    text = path.read_text()
    assert "ValueError: invalid literal for int()" in text
    assert "`test_blank_amounts_count_as_zero` failed" in text
    assert run_cli("validate", cwd=repo).code == 0


def test_generalize_strips_ephemeral_details() -> None:
    text = ("root@0de2bcba909e:/app# cd /tmp/pytest-of-root/pytest-3/x && curl localhost:8080 "
            "at 2025-07-12T00:03:44.681830+00:00 from /home/alice/src commit 3f786850e387550fdab836ed7e6dc881de23001b "
            "id 123e4567-e89b-12d3-a456-426614174000 host 10.1.2.3")
    out = generalize(text)
    for gone in ("0de2bcba909e", "/tmp/pytest-of-root", "8080", "2025-07-12", "alice", "3f786850e3", "123e4567", "10.1.2.3"):
        assert gone not in out, gone


@requires_shared
def test_every_shared_trial_distills_to_a_valid_general_skill(tmp_path: Path) -> None:
    from skills_ref.validator import validate as reference_validate

    trials = sorted(p.parent for p in (SHARED_FIXTURES / "terminal-bench").rglob("results.json"))
    written = 0
    for i, trial in enumerate(trials):
        workspace = tmp_path / f"w{i}"
        workspace.mkdir()
        result = run_cli("learn", str(trial), cwd=workspace)
        data = json.loads((trial / "results.json").read_text())
        if result.code == 3:  # its agent's steps are not in the recording, and no check failed
            assert "nothing to learn" in result.err and not skill_files(workspace), trial
            failing = [n for n, s in (data.get("parser_results") or {}).items() if s == "failed"]
            assert not failing or "names of failing tests" in result.err, trial  # a name alone teaches nothing
            continue
        assert result.code == 0, (trial, result.err)
        written += 1
        [path] = skill_files(workspace)
        text = path.read_text()
        assert run_cli("validate", str(path.parent), cwd=workspace).code == 0
        assert reference_validate(path.parent) == [], trial
        linted = json.loads(run_cli("lint", str(path.parent), "--format", "json", cwd=workspace).out)
        assert not [f["rule"] for f in linted["findings"] if f["rule"].startswith(("description-", "name-"))], trial
        assert redact_text(text)[1] == {}, trial
        assert not re.search(r"/tmp/[\w-]|root@[0-9a-f]{12}|\b[0-9a-f]{40}\b", text), trial
        if data.get("is_resolved") is False:
            failing = [n for n, s in (data.get("parser_results") or {}).items() if s == "failed"]
            assert any(f"`{name}` failed" in text for name in failing), trial
            assert "## Steps that worked" not in text, trial  # the verifier did not accept these steps
        assert not re.search(r"(?m)^\d+\. `[^`\n]*<<-?\s*'?EOF'?[^`\n]*`$", text), trial  # a heredoc's first line alone
        assert "description: Helps" not in text and "Helps you" not in text, trial
    assert written >= 8


@pytest.mark.parametrize("task", ["The parser in parser.py crashes on empty lines; the tests must pass.",
                                  "I have a failing test in parser.py, can you make it pass?",
                                  "parser.py crashes on empty lines. Fix it."])
def test_a_task_told_as_a_situation_still_gets_a_specific_description(repo: Path, tmp_path: Path,
                                                                       task: str) -> None:
    records = claude_records()
    records[0]["message"]["content"] = task
    transcript = jsonl(tmp_path / "session.jsonl", records)
    assert run_cli("learn", str(transcript), cwd=repo).code == 0
    [path] = skill_files(repo)
    linted = json.loads(run_cli("lint", str(path.parent), "--format", "json", cwd=repo).out)
    assert not [f for f in linted["findings"] if f["rule"].startswith("description-")], linted["findings"]
    description = path.read_text().split("description:", 1)[1].split("\n", 1)[0]
    assert "parser.py" in description and "Parser.py" not in description and "Helps parser" not in description


def test_skill_dir_overrides_the_agent_folder(repo: Path, tmp_path: Path) -> None:
    transcript = jsonl(tmp_path / "session.jsonl", claude_records())
    git(repo, "config", "skill.dir", "team-skills")
    result = run_cli("learn", str(transcript), cwd=repo)
    assert result.code == 0, result.err
    [path] = skill_files(repo)
    assert path.parent.parent == repo / "team-skills"
    assert "seen by no agent" in result.out
    other = tmp_path / "other"
    other.mkdir()
    assert run_cli("learn", str(transcript), "--force", "--skills-dir", str(other), cwd=repo).code == 0
    assert list(other.glob("*/SKILL.md"))
