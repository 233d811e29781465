"""Follow-ups on readers and the digest: one Terminal-Bench results parser for learn and compare, file
editor calls as edits (not shell commands), and verifier-log noise (separators, doubled failures, harness)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.evaluation.results import load_condition
from git_skill.text.noise import denoise, quiet_feedback
from git_skill.transcripts import detect, open_transcript
from git_skill.transcripts import events as ev
from git_skill.transcripts.digest import Digest, collect, fit
from git_skill.transcripts.feedback import user_feedback, verifier_feedback
from git_skill.usage.loads import skill_load

from tests.conftest import SHARED_FIXTURES, requires_shared


def tb_trial(folder: Path, is_resolved: object, tests_log: str = "") -> Path:
    (folder / "sessions").mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "task_id": folder.parent.name, "trial_name": folder.name, "instruction": "Make run.sh executable.",
        "is_resolved": is_resolved, "failure_mode": "unset", "parser_results": {"test_runs": "passed"}}))
    (folder / "sessions" / "agent.log").write_text("$ chmod +x run.sh\n$ ./run.sh\nok\n")
    (folder / "sessions" / "tests.log").write_text(tests_log)
    return folder


@pytest.mark.parametrize(("is_resolved", "outcome"), [("yes", "resolved"), ("false", "unresolved"), (1, "resolved"),
                                                      ("maybe", "unknown")])
def test_learn_reads_the_verdict_as_compare_does(tmp_path: Path, is_resolved: object, outcome: str) -> None:
    trial = tb_trial(tmp_path / "run" / "fix-perms" / "fix-perms.1-of-1", is_resolved)
    assert detect(trial)[0] == "terminal-bench"
    transcript = open_transcript(trial)
    list(transcript.events)
    assert transcript.facts.outcome == outcome
    [compared] = load_condition(tmp_path / "run", threshold=1.0).trials
    assert compared.passed == (outcome == "resolved")
    assert transcript.feedback[0].resolved == (None if outcome == "unknown" else outcome == "resolved")


def test_a_run_results_file_is_no_trial_for_learn(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(json.dumps({"accuracy": 1.0, "results": [
        {"task_id": "a", "instruction": "Do a.", "is_resolved": True}], "instruction": "not a trial"}))
    with pytest.raises(GitSkillError, match="a run's results"):  # said, not read as one trial
        detect(run)


EDIT = {"command": "str_replace", "path": "/app/total.py", "old_str": "return a - b", "new_str": "return a + b"}


@pytest.mark.parametrize("arguments", [EDIT, {"command": "create", "path": "/app/x.py", "file_text": "print(1)\n"},
                                       {"command": "view", "path": "/app"}])
def test_editor_calls_are_file_edits_not_shell_commands(arguments: dict) -> None:
    tracker = ev.CallTracker()
    call = tracker.call("str_replace_editor", arguments, "c1")
    assert call.command is None
    assert tracker.result("c1", "done").command is None
    assert ev.shell_command("execute_bash", {"command": "ls /app"}) == "ls /app"  # a shell's `command` still is one
    assert ev.shell_command("shell", {"command": ["bash", "-lc", "view"], "path": "/app"}) == "view"


def test_digest_shows_an_editor_call_as_path_and_change() -> None:
    tracker = ev.CallTracker()
    events = iter([ev.Event(ev.USER, "Fix total()"), tracker.call("str_replace_editor", EDIT, "c1"),
                   tracker.result("c1", "The file /app/total.py has been edited.")])
    digest = collect(ev.Transcript(facts=ev.SessionFacts(format="scratch", source="x"), events=events))
    assert digest.counts["commands"] == 0 and digest.counts["tool_calls"] == 1
    text, _, _ = fit(digest, 8000)
    assert "$ str_replace" not in text
    assert "str_replace_editor(command=str_replace, path=/app/total.py, old_str=return a - b, new_str=return a + b)" in text


def test_an_editor_view_of_a_skill_file_is_a_load_and_an_edit_is_not() -> None:
    view = skill_load("str_replace_editor", {"command": "view", "path": "/skills/pdf-forms/SKILL.md"})
    assert view is not None and view.skill == "pdf-forms"
    assert skill_load("str_replace_editor", {"command": "create", "path": "/skills/pdf-forms/SKILL.md",
                                             "file_text": "---\nname: pdf-forms\n---\n"}) is None


def test_separator_lines_are_program_output_not_installation() -> None:
    output = "Report\n" + "=" * 50 + "\nTotal: 3\n" + "-" * 40 + "\n" + "-" * 40 + "\nDone\n"
    shown = quiet_feedback(denoise(output))
    assert "installation" not in shown and "progress line" not in shown
    assert "=" * 50 in shown and "-" * 40 + "\n[… previous line repeated 1 more time …]" in shown
    assert "progress line" in denoise("#" * 40 + "\n")  # a bar of hashes is still one


def feedback_section(feedback: ev.Feedback) -> str:
    digest = Digest(facts={}, task="Fix total()", feedback=[feedback])
    return fit(digest, 8000)[0]


def test_a_failing_test_in_a_feedback_file_is_said_once(tmp_path: Path) -> None:
    log = tmp_path / "ci.log"
    log.write_text("Run pytest -q --tb=line\n.F.    [100%]\n/repo/tests/test_x.py:9: assert 3 == 4\n"
                   "=== short test summary info ===\nFAILED tests/test_x.py::test_total - assert 3 == 4\n"
                   "1 failed, 2 passed in 0.02s\nError: Process completed with exit code 1.\n")
    text = feedback_section(user_feedback(log))
    assert text.count("test_total") == 1, text
    assert "FAILED test_total\n    assert 3 == 4" in text and "1 failed, 2 passed" in text


def test_the_harness_lines_at_the_end_of_a_verifier_log_are_dropped() -> None:
    log = ("\x1b[?2004hroot@0de2bcba909e:/app# asciinema rec --stdin /logs/sessions/tests.cast\r\n"
           "\x1b[?2004hroot@0de2bcba909e:/app# clear\r\n"
           "root@0de2bcba909e:/app# bash /tests/run-tests.sh; tmux wait -S done\r\n"
           "\x1b[32mPASSED\x1b[0m ../tests/test_outputs.py::test_runs\r\n"
           "\x1b[32m===== 1 passed in 0.01s =====\x1b[0m\r\n\x1b[?2004hroot@0de2bcba909e:/app# \x1b[?2004l\r\r\n"
           "exit\r\n\x1b[0;32masciinema: recording finished\x1b[0m\r\r\n"
           "\x1b[0;32masciinema: asciicast saved to /logs/tests.cast\x1b[0m\r\r\n\x1b[?2004hroot@0de2bcba909e:/app# ")
    feedback = verifier_feedback(log, "verifier", "tests.log", {"test_runs": "passed"}, True)
    assert feedback.text.endswith("===== 1 passed in 0.01s =====")
    assert feedback.text.startswith("root@0de2bcba909e:/app# bash /tests/run-tests.sh"), feedback.text  # what ran the tests stays
    text = feedback_section(feedback)
    assert "asciinema" not in text and "\nexit\n" not in text and "clear" not in text
    assert text.count("root@") == 1


def test_a_fifo_named_results_json_is_refused_not_waited_on(tmp_path: Path) -> None:
    """The run-results check reads through compare's parser, which opens without blocking."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "trial"
    folder.mkdir()
    os.mkfifo(folder / "results.json")
    done = subprocess.run([sys.executable, "-m", "git_skill", "digest", str(folder)], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert done.returncode == 3 and "not a transcript format" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@requires_shared
def test_no_real_verifier_log_keeps_the_harness_lines() -> None:
    logs = sorted([*(SHARED_FIXTURES / "terminal-bench").rglob("tests.log"),
                   *(SHARED_FIXTURES / "terminal-bench").rglob("post-test.txt")])
    assert logs
    for log in logs:
        text = verifier_feedback(log.read_bytes().decode("utf-8", "replace"), "verifier", str(log)).text
        tail = text.rstrip().rsplit("\n", 1)[-1]
        assert "asciinema" not in text and tail != "exit" and not tail.startswith("root@"), (log, tail)
