"""What the built-in distiller writes, judged as a person committing it would: on fixtures written here
(Terminal-Bench 1 trials with a shell log, Claude Code sessions) and on the real ones in ../shared."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_skill.learning import leaks, wording
from git_skill.learning.content_gate import hide_answers
from tests.conftest import SHARED_FIXTURES, git_skill_executable, requires_shared, run_cli
from tests.support.transcripts import claude_records, jsonl

PROMPT = "root@4f2a9c1d7e3b:/app# "


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.delenv("GIT_SKILL_MODEL", raising=False)


def trial(folder: Path, instruction: str, session: list[tuple[str, str]] | None, resolved: bool | None,
          tests: dict[str, str], log: str = "", tokens: int = 0, task_id: str = "sort-report") -> Path:
    """A Terminal-Bench 1 trial: `session` is (command, output) pairs typed at a shell prompt (None: no recording)."""
    (folder / "sessions").mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "task_id": task_id, "instruction": instruction, "is_resolved": resolved, "failure_mode": "unset",
        "parser_results": tests, "total_input_tokens": tokens, "total_output_tokens": tokens // 10}))
    if session is not None:
        text = "".join(f"{PROMPT}{command}\n{output}\n" for command, output in session) + f"{PROMPT}exit\n"
        (folder / "sessions" / "agent.log").write_text(text)
    (folder / "sessions" / "tests.log").write_text(log or "".join(
        f"{'PASSED' if s == 'passed' else 'FAILED'} tests/test_outputs.py::{n}\n" for n, s in tests.items()))
    return folder


def learned(repo: Path, *sources: Path, args: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess[str], str]:
    result = subprocess.run([git_skill_executable(), "learn", *map(str, sources), *args], cwd=repo, text=True,
                            capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    texts = [p.read_text() for p in sorted(repo.rglob("SKILL.md"))]
    return result, "\n".join(texts)


FAILING_LOG = """\
FAILED tests/test_outputs.py::test_order - AssertionError: assert ['pear', 'apple', 'fig'] == ['apple', 'fig', 'pear']

=================================== FAILURES ===================================
    def test_order():
>       assert load() == ['apple', 'fig', 'pear']
E       AssertionError: assert ['pear', 'apple', 'fig'] == ['apple', 'fig', 'pear']
E         At index 0 diff: 'pear' != 'apple'
E         - ['apple', 'fig', 'pear']
E         + ['pear', 'apple', 'fig']
FAILED tests/test_outputs.py::test_score - assert 0.4137 > 0.75
E       assert 0.4137 > 0.75
FAILED tests/test_outputs.py::test_totals - AssertionError: assert {'north': 1712} == {'north': 1794}
"""


# ------------------------------------------------------------------ 1. nothing learned, nothing written
def test_a_passed_trial_without_recorded_steps_has_nothing_to_learn(repo: Path, tmp_path: Path) -> None:
    quiet = trial(tmp_path / "quiet", "Sort report.csv by date.", None, True, {"test_sorted": "passed"}, tokens=40000)
    result, text = learned(repo, quiet)
    assert result.returncode == 3 and not text
    assert "nothing to learn" in result.stderr and "44,000 tokens" in result.stderr and "none of its steps" in result.stderr
    assert "Traceback" not in result.stderr
    hook_payload = json.dumps({"transcript_path": str(jsonl(tmp_path / "chat.jsonl", [claude_records()[0]])),
                               "cwd": str(repo)})
    hooked = subprocess.run([git_skill_executable(), "learn", "--from-hook", "claude-code"], cwd=repo, text=True,
                            input=hook_payload, capture_output=True)
    assert hooked.returncode == 0 and "nothing to learn" in hooked.stdout, hooked.stderr  # a chat is no hook failure
    assert not list(repo.rglob("SKILL.md"))


def test_nothing_to_learn_is_a_row_of_a_batch_and_random_bytes_exit_3(repo: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    trial(run / "quiet" / "quiet.1-of-1", "Sort report.csv by date.", None, True, {"test_sorted": "passed"}, tokens=9)
    trial(run / "busy" / "busy.1-of-1", "Sort report.csv by date.",
          [("sort -t, -k2 report.csv > sorted.csv", "")], False, {"test_sorted": "failed"}, task_id="busy")
    result = run_cli("learn", str(run), cwd=repo)
    assert result.code == 0, result.err
    assert re.search(r"quiet\.1-of-1\s+\S+\s+none", result.out) and re.search(r"busy\.1-of-1\s+\S+\s+create", result.out)
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 64)
    result = run_cli("learn", str(noise), cwd=repo)
    assert result.code == 3 and "Traceback" not in result.err and "nothing to learn from" in result.err


def test_a_chat_whose_skill_would_hold_only_the_task_is_not_written(repo: Path, tmp_path: Path) -> None:
    records = claude_records()[:1]
    records[0]["message"]["content"] = "Hello! Can you help me implement a new feature?"
    base = {k: records[0][k] for k in ("sessionId", "cwd", "version", "isSidechain")}
    todo = {"type": "tool_use", "id": "t1", "name": "TodoWrite", "input": {"todos": [{"content": "Design it"}]}}
    edit = {"type": "tool_use", "id": "t2", "name": "Edit", "input": {"file_path": "/tmp/x.py", "old_string": "a"}}
    for number, block in enumerate((todo, edit)):
        records.append({**base, "type": "assistant", "uuid": f"a{number}",
                        "message": {"id": f"m{number}", "role": "assistant", "content": [block]}})
        records.append({**base, "type": "user", "uuid": f"r{number}", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": block["id"], "content": "ok"}]}})
    result = run_cli("learn", str(jsonl(tmp_path / "s.jsonl", records)), cwd=repo)
    assert result.code == 3 and "only the task's text" in result.err
    assert not list(repo.rglob("SKILL.md"))


def test_a_demonstration_in_a_scratch_file_is_nothing_to_learn(repo: Path, tmp_path: Path) -> None:
    records = claude_records()[:1]
    records[0]["message"]["content"] = "Hello Claude! Can you help me understand how Python decorators work?"
    base = {k: records[0][k] for k in ("sessionId", "cwd", "version", "isSidechain")}
    calls = [("w1", "Write", {"file_path": "/tmp/demo.py", "content": "def deco(f):\n    return f\n"}),
             ("b1", "Bash", {"command": "python /tmp/demo.py"})]
    for number, (call_id, tool, arguments) in enumerate(calls):
        records.append({**base, "type": "assistant", "uuid": f"a{number}", "message": {
            "id": f"m{number}", "role": "assistant", "content": [{"type": "tool_use", "id": call_id, "name": tool,
                                                                  "input": arguments}]}})
        records.append({**base, "type": "user", "uuid": f"r{number}", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call_id, "content": "ok"}]}})
    result = run_cli("learn", str(jsonl(tmp_path / "s.jsonl", records)), cwd=repo)
    assert result.code == 3 and "only the task's text" in result.err, result.err
    assert wording.action(records[0]["message"]["content"], "X").startswith("X: Can you help me understand")


def test_a_failed_trial_without_steps_says_so_and_records_the_step_count(repo: Path, tmp_path: Path) -> None:
    bare = trial(tmp_path / "bare", "Sort report.csv by date.", None, False, {"test_sorted": "failed"}, tokens=5000)
    result = run_cli("learn", str(bare), cwd=repo)  # a failing test's name alone says nothing the task does not
    assert result.code == 3 and "names of failing tests" in result.err
    log = "FAILED tests/test_outputs.py::test_sorted - AssertionError: rows are not in date order\n"
    source = trial(tmp_path / "t", "Sort report.csv by date.", None, False, {"test_sorted": "failed"}, log=log,
                   tokens=5000)
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    assert "spent 5,500 tokens, but the source records none of its steps" in text
    assert "## Steps" not in text and "## Orient first" not in text and "learned-steps: '0'" in text
    assert "No check command ran" not in text  # with no step recorded, what ran is unknown
    assert "`test_sorted` failed" in text


def test_the_digest_says_when_the_agents_steps_are_not_in_the_source(tmp_path: Path) -> None:
    source = trial(tmp_path / "t", "Sort report.csv by date.", None, False, {"test_sorted": "failed"}, tokens=5000)
    digest = run_cli("digest", str(source), cwd=tmp_path)
    assert digest.code == 0 and "steps: NOT RECORDED" in digest.out and "5,000 input tokens" in digest.out
    busy = trial(tmp_path / "b", "Sort report.csv by date.", [("sort report.csv", "")], False, {"t": "failed"},
                 tokens=5000)
    assert "NOT RECORDED" not in run_cli("digest", str(busy), cwd=tmp_path).out


# ------------------------------------------------------------------ 2. honest sections
def test_steps_of_a_rejected_attempt_are_not_steps_that_worked(repo: Path, tmp_path: Path) -> None:
    session = [("python3 -c \"import sys; print(sys.path)\"", "['/usr/lib']"),
               ("python3 build.py", "Traceback (most recent call last):\nModuleNotFoundError: No module named 'yaml'"),
               ("pip install pyyaml", "Successfully installed pyyaml"),
               ("python3 build.py", "built"),
               ("python3 report.py", "Traceback (most recent call last):\nKeyError: 'region'"),
               ("python3 -c \"import sys; print(sys.version)\"", "3.11")]
    source = trial(tmp_path / "t", "Build the report with build.py.", session, False, {"test_report": "failed"})
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    assert "## Steps that worked" not in text and "the verifier did not accept it" in text
    assert "Fixed by `pip install pyyaml`; the command then passed" in text  # build.py failed, changed, then passed
    report_line = next(line for line in text.splitlines() if "python3 report.py" in line)
    assert "no fix" in report_line and "Fixed by" not in report_line  # a diagnostic after it is no fix


def test_a_diagnostic_between_a_failure_and_a_pass_is_no_fix(repo: Path, tmp_path: Path) -> None:
    session = [("python3 fetch.py", "Traceback (most recent call last):\nConnectionError: timed out reaching the mirror"),
               ("python3 -c \"import sys; print(sys.path)\" && pip show requests", "['/usr/lib']\nName: requests"),
               ("python3 fetch.py", "fetched 3 files")]
    source = trial(tmp_path / "t", "Fetch the three data files with fetch.py.", session, True, {"test_files": "passed"})
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    line = next(line for line in text.splitlines() if "ConnectionError" in line and line.startswith("- "))
    assert "Fixed by" not in line and "passed when run again unchanged" in line


def test_commands_of_one_shape_are_listed_twice_at_most(repo: Path, tmp_path: Path) -> None:
    session = [(f"make test TARGET={n}", "ok") for n in range(6)] + [(f"make deploy STAGE={n}", "") for n in range(5)]
    source = trial(tmp_path / "t", "Deploy every stage with make.", session, True, {"test_deploy": "passed"})
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    assert text.count("make test TARGET=") == 2 and text.count("make deploy STAGE=") == 2


def test_merging_prefers_an_accepted_attempt_with_steps_and_contrasts_the_failed(repo: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    instruction = "Sort report.csv by date into sorted.csv."
    trial(run / "a" / "sort-report.1-of-3", instruction, None, True, {"test_sorted": "passed"}, tokens=100)
    trial(run / "b" / "sort-report.2-of-3", instruction,
          [("head -3 report.csv", "date,total"), ("sort -t, -k1,1 report.csv > sorted.csv", ""),
           ("python3 check_sorted.py sorted.csv && echo OK", "OK")], True, {"test_sorted": "passed"})
    trial(run / "c" / "sort-report.3-of-3", instruction,
          [("awk -F, '{print $2}' report.csv > sorted.csv", "")], False, {"test_sorted": "failed"})
    result, text = learned(repo, run)
    assert result.returncode == 0, result.stderr
    assert "The steps below come from an accepted attempt" in text
    steps = text.split("## Steps that worked", 1)[1].split("##", 1)[0]
    assert "sort -t, -k1,1 report.csv" in steps and "awk" not in steps
    contrast = text.split("## What the failed attempts did instead", 1)[1].split("##", 1)[0]
    assert "awk -F," in contrast
    assert "learned-attempts: '3'" in text


# ------------------------------------------------------------------ 3. no answer leaks
def test_expected_values_become_placeholders_everywhere(repo: Path, tmp_path: Path) -> None:
    session = [("printf 'apple\\nfig\\npear\\n' > expected.txt", ""),
               ("echo \"['apple', 'fig', 'pear']\" > order.json", ""),
               ("python3 score.py --target 0.75 --north 1794", "score 0.4137")]
    source = trial(tmp_path / "t", "Order the fruit list and score it; the score must reach at least 0.75.",
                   session, False, {"test_order": "failed", "test_score": "failed", "test_totals": "failed"},
                   log=FAILING_LOG)
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    for answer in ("['apple', 'fig', 'pear']", "1794", "0.4137", "{'north': 1794}"):
        assert answer not in text, answer
    assert "assert 0.4137" not in text and "<value> > 0.75" in text  # the task states 0.75: a threshold stays
    assert "['pear'" not in text and "- ['apple'" not in text  # diff lines spell values: left out
    assert "`test_totals` failed. Check" in text  # `assert <value> == <value>` says nothing: left out
    assert "At index 0 diff" not in text


def test_the_detector_finds_each_kind_of_expected_value() -> None:
    found = leaks.expected_values([FAILING_LOG, "E   AssertionError: expected 'READY', got 'WAIT'",
                                   "E   assert result == {\"a\": [1, 2]}"])
    for value in ("['apple', 'fig', 'pear']", "0.75", "0.4137", "{'north': 1794}", "READY", '{"a": [1, 2]}'):
        assert value in found, value
    assert leaks.scrub("target 0.75, score 0.4137", found, "reach 0.75") == ("target 0.75, score <value>", 1)
    assert leaks.scrub_message("E   - ['apple', 'fig', 'pear']") is None
    assert leaks.scrub_message("FileNotFoundError: [Errno 2] No such file: 'out.txt'") == \
        "FileNotFoundError: [Errno 2] No such file: 'out.txt'"  # an exception's own message is not an assertion


def test_the_model_gate_hides_expected_values_in_what_the_model_wrote() -> None:
    text = ("---\nname: sort-report\ndescription: Sort the list into ['apple', 'fig', 'pear'].\nmetadata:\n"
            "  learned-on: '2026-12-04'\n---\n\n# Sort\n\n- The answer is ['apple', 'fig', 'pear'] and 1794.\n")
    hidden, count = hide_answers(text, ["['apple', 'fig', 'pear']", "1794", "12"], "Sort the list.")
    assert count == 3
    assert "['apple'" not in hidden and "1794" not in hidden and "<value>" in hidden
    assert "learned-on: '2026-12-04'" in hidden  # the frontmatter's other fields untouched


# ------------------------------------------------------------------ 4. whole commands
def test_heredocs_and_python_c_keep_their_bodies(repo: Path, tmp_path: Path) -> None:
    long_body = "\n".join(f"rows.append(parse(line_{i}))" for i in range(40))
    commands = ["cat <<'EOF' > fit.py\nimport numpy as np\nprint(np.polyfit([1, 2], [2, 4], 1))\nEOF",
                f"cat <<'EOF' > load.py\nrows = []\n{long_body}\nEOF",
                "python3 -c \"\nimport json\nprint(json.load(open('out.json'))['total'], \\\"ok\\\")\n\""]
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Please solve this issue: Fit a line to the data in data.csv\n\n## Rules"}]
    for command in commands:
        messages += [{"role": "assistant", "content": f"THOUGHT: next\n\n```mswea_bash_command\n{command}\n```"},
                     {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"}]
    source = tmp_path / "fit.traj.json"
    source.write_text(json.dumps(messages))
    result, text = learned(repo, source)
    assert result.returncode == 0, result.stderr
    assert "print(np.polyfit([1, 2], [2, 4], 1))" in text and "```python" in text
    assert "print(json.load(open('out.json'))['total'], \"ok\")" in text  # the shell's \" undone
    assert "[scripts/load.py](scripts/load.py)" in text and "rows.append(parse(line_39))" not in text
    [script] = repo.rglob("scripts/load.py")
    assert script.read_text().count("rows.append") == 40
    assert not re.search(r"(?m)^\d+\. `cat <<'EOF' > fit\.py`$", text)  # never the first line alone
    assert script.read_text().startswith("#!/usr/bin/env python3\nrows = []")  # the file the agent wrote
    linted = json.loads(run_cli("lint", str(script.parent.parent), "--format", "json", cwd=repo).out)
    assert linted["findings"] == [], linted["findings"]


EDITOR_CALLS = [("w1", "Write", {"file_path": "/app/totals.py", "content": "import csv\n\ndef total(rows):\n    return sum(rows)\n"}),
                ("e1", "Edit", {"file_path": "/app/report.py", "old_string": "print(rows)", "new_string": "print(total(rows))"})]
# OpenHands' and SWE-agent's editor tool: one tool, its `command` argument says which change
STR_REPLACE_EDITOR_CALLS = [
    ("w1", "str_replace_editor", {"command": "create", "path": "/app/totals.py",
                                  "file_text": "import csv\n\ndef total(rows):\n    return sum(rows)\n"}),
    ("e1", "str_replace_editor", {"command": "str_replace", "path": "/app/report.py", "old_str": "print(rows)",
                                  "new_str": "print(total(rows))"})]


@pytest.mark.parametrize(("edits", "write_label"), [(EDITOR_CALLS, "Write /app/totals.py"),
                                                    (STR_REPLACE_EDITOR_CALLS, "str_replace_editor create /app/totals.py")])
def test_a_write_tools_content_and_an_edits_change_are_shown(repo: Path, tmp_path: Path, edits: list,
                                                            write_label: str) -> None:
    records = claude_records()[:1]
    base = {k: records[0][k] for k in ("sessionId", "cwd", "version", "isSidechain")}
    calls = [*edits, ("b1", "Bash", {"command": "python3 report.py && pytest -q"})]
    for number, (call_id, tool, arguments) in enumerate(calls):
        records.append({**base, "type": "assistant", "uuid": f"a{number}", "message": {
            "id": f"m{number}", "role": "assistant", "content": [{"type": "tool_use", "id": call_id, "name": tool,
                                                                  "input": arguments}]}})
        records.append({**base, "type": "user", "uuid": f"r{number}", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call_id, "content": "ok"}]}})
    records.insert(1, {**base, "type": "assistant", "uuid": "x0", "message": {"id": "x0", "role": "assistant", "content": [
        {"type": "tool_use", "id": "x1", "name": "Edit", "input": {"file_path": "/app/a.py", "old_string": "x",
                                                                  "new_string": "y"}}]}})
    records.insert(2, {**base, "type": "user", "uuid": "x2", "message": {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "x1", "is_error": True,
         "content": "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>"}]}})
    result, text = learned(repo, jsonl(tmp_path / "s.jsonl", records))
    assert result.returncode == 0, result.stderr
    assert "/app/a.py" not in text and "not been read" not in text  # the tool refusing a call is no lesson
    assert f"`{write_label}`:" in text and "    return sum(rows)" in text and "```python" in text, text
    assert "```diff" in text and "- print(rows)" in text and "+ print(total(rows))" in text


def mini_trajectory(path: Path, task: str, commands: list[str]) -> Path:
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"Please solve this issue: {task}\n\n## Rules"}]
    for command in commands:
        messages += [{"role": "assistant", "content": f"THOUGHT: next\n\n```mswea_bash_command\n{command}\n```"},
                     {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"}]
    path.write_text(json.dumps(messages))
    return path


def test_extending_a_skill_never_replaces_its_scripts(repo: Path, tmp_path: Path) -> None:
    task = "Fit a line to the points in data.csv and write the slope to slope.txt."
    first = "python3 -c \"\n" + "\n".join(f"a{i} = {i}" for i in range(30)) + "\n\""
    second = "python3 -c \"\n" + "\n".join(f"b{i} = {i}" for i in range(30)) + "\n\""
    assert learned(repo, mini_trajectory(tmp_path / "one.traj.json", task, [first]))[0].returncode == 0
    [script] = repo.rglob("scripts/step-1.py")
    kept = script.read_text()
    result, text = learned(repo, mini_trajectory(tmp_path / "two.traj.json", task, [second]))
    assert result.returncode == 0, result.stderr
    assert script.read_text() == kept and "## Variant" in text, result.stdout + result.stderr
    [variant] = repo.rglob("scripts/step-1-v2.py")
    assert "b29 = 29" in variant.read_text() and "(scripts/step-1-v2.py)" in text and "(scripts/step-1.py)" in text
    assert "learned-operation: extend" in text and "learned-steps: '1'" in text


def test_a_codex_patch_is_shown_as_the_change(repo: Path, tmp_path: Path) -> None:
    patch = "*** Begin Patch\n*** Update File: cli.py\n@@\n-    args = parse()\n+    args = parse(json=True)\n*** End Patch"
    records = [
        {"timestamp": "2026-02-01T09:00:00Z", "type": "session_meta", "payload": {"id": "c1", "cwd": "/work/app"}},
        {"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Add a --json flag to cli.py"}]}},
        {"type": "response_item", "payload": {"type": "custom_tool_call", "name": "apply_patch", "call_id": "c2",
                                              "input": patch}},
        {"type": "response_item", "payload": {"type": "custom_tool_call_output", "call_id": "c2",
                                              "output": "Exit code: 0\nSuccess. Updated the following files:\nM cli.py"}},
        {"type": "response_item", "payload": {"type": "function_call", "name": "shell", "call_id": "c3",
                                              "arguments": json.dumps({"command": ["bash", "-lc", "pytest -q"]})}},
        {"type": "response_item", "payload": {"type": "function_call_output", "call_id": "c3",
                                              "output": json.dumps({"output": "3 passed", "metadata": {"exit_code": 0}})}},
    ]
    result, text = learned(repo, jsonl(tmp_path / "rollout-2026-02-01T09-00-00-c1.jsonl", records))
    assert result.returncode == 0, result.stderr
    assert "`apply_patch cli.py`:" in text and "```diff" in text and "+    args = parse(json=True)" in text


# ------------------------------------------------------------------ 5. the real task
def test_a_loaded_skills_text_is_never_the_task(repo: Path, tmp_path: Path) -> None:
    records = claude_records()
    banner = {**records[0], "uuid": "u-1", "message": {"role": "user", "content": [{"type": "text", "text": (
        "Base directory for this skill: /logs/agent/sessions/skills/csv-tools\n\n# CSV tools\nUse pandas.")}]}}
    records.insert(0, banner)
    result, text = learned(repo, jsonl(tmp_path / "s.jsonl", records))
    assert result.returncode == 0, result.stderr
    assert "Base directory" not in text and "/logs/" not in text
    assert "Fix the failing test in parser.py" in text


def test_harness_text_in_the_users_role_is_not_the_task(tmp_path: Path) -> None:
    from git_skill.transcripts import open_transcript

    records = claude_records()
    first = records[0]
    harness = ["<command-name>/clear</command-name>\n<command-message>clear</command-message>",
               "This session is being continued from a previous conversation that ran out of context.",
               "Caveat: The messages below were generated by the user while running local commands."]
    records[:1] = [{**first, "uuid": f"h{i}", "message": {"role": "user", "content": text}}
                   for i, text in enumerate(harness)]
    records.insert(len(harness), {**first, "uuid": "cmd", "message": {"role": "user", "content": (
        "<command-name>/fix</command-name>\n<command-args>Fix the failing test in parser.py</command-args>")}})
    events = list(open_transcript(jsonl(tmp_path / "s.jsonl", records)).events)
    users = [e.text for e in events if e.kind == "user"]
    assert users[0] == "Fix the failing test in parser.py"  # a slash command's arguments are the request


def test_the_tasks_requirements_are_in_when_to_use() -> None:
    task = ("Can you train a classifier on the reviews in data/?\nThe final model must be smaller than 150MB and "
            "reach at least 0.62 accuracy.\nSave the model as model.bin in the current directory.")
    found = wording.requirements(task)
    assert any("150MB" in r and "0.62" in r for r in found) and any("model.bin" in r for r in found)
    listed = wording.requirements("Build a site from notes.md.\nThe site must include the following pages:\n"
                                  "- **About**\n- **Blog**\nWrite the count (e.g. \"12\") to the file out.txt.")
    assert listed == ["The site must include the following pages: About, Blog",
                      'Write the count (e.g. "12") to the file out.txt']


# ------------------------------------------------------------------ 7. descriptions a person would write
@pytest.mark.parametrize(("task", "start"), [
    ("You are to update a Fortran project's build process to use gfortran.", "Update a Fortran project's build"),
    ("Your company needs a self-signed TLS certificate for nginx.", "Set up a self-signed TLS certificate"),
    ("Please can you convert report.xlsx to CSV?", "Convert report.xlsx to CSV"),
    ("Language.__hash__ is broken: equal objects hash differently.", "Diagnose and fix: Language.__hash__ is broken"),
])
def test_descriptions_start_with_the_tasks_action(task: str, start: str) -> None:
    assert wording.action(task, "Task").startswith(start)


def test_one_runs_details_become_placeholders() -> None:
    from git_skill.learning.generalize import generalize

    text = generalize("git show e06d916 --stat; <Lang object at 0x7f3a2b1c9d00>; cat /logs/agent/run.txt; "
                      "- 8f5efcefc488632be1fb2b6b2274faef")
    assert text == ("git show <commit> --stat; <Lang object at <address>>; cat <harness-path>; - <hash>")


def test_triggers_are_distinctive_terms_not_prose() -> None:
    terms = wording.distinctive_terms("I just made some changes to my personal project and the process of "
                                      "updating failed; fix build.gradle and the JUnit tests in src/test.")
    assert "build.gradle" in terms and "JUnit" in terms
    assert not {"changes", "personal", "project", "process", "update"} & {t.lower() for t in terms}


# ------------------------------------------------------------------ 8. readers, and the real trials in ../shared
def test_a_swe_agent_trajectory_learns_its_steps(repo: Path, tmp_path: Path) -> None:
    from tests.support.transcripts import swe_agent_trajectory

    data = swe_agent_trajectory()
    script = "from urls import split\\n\\nprint(split('a/b/'))\\nprint(split('a'))\\n"
    data["trajectory"].insert(1, {"thought": "Reproduce first.", "observation": "File created successfully",
                                  "action": f"str_replace_editor create /testbed/reproduce.py --file_text '{script}'"})
    data["trajectory"][1]["action"] = data["trajectory"][1]["action"].replace("\\n", "\n")
    path = tmp_path / "urls__urls-12.traj"
    path.write_text(json.dumps(data))
    result, text = learned(repo, path)
    assert result.returncode == 0, result.stderr
    assert "Splitting a URL with a trailing slash raises IndexError" in text
    assert "str_replace_editor str_replace" in text and "IndexError: list index out of range" in text
    assert "```python\n   from urls import split\n\n   print(split('a/b/'))" in text  # the file it wrote, whole
    assert "## Orient first" in text and "str_replace_editor view" in text.split("## Orient first")[1].split("##")[0]


@requires_shared
def test_every_shared_source_learns_or_is_refused_quickly(tmp_path: Path) -> None:
    trials = sorted(p.parent for p in (SHARED_FIXTURES / "terminal-bench").rglob("results.json"))
    sessions = sorted((SHARED_FIXTURES / "claude-code").glob("*.jsonl"))
    workspace = tmp_path / "w"
    workspace.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)
    started = time.perf_counter()
    result = run_cli("learn", *map(str, trials), "--jobs", "1", cwd=workspace)
    elapsed = time.perf_counter() - started
    assert result.code == 0, result.err
    assert elapsed < 10, elapsed  # the distiller's own share is measured in bench/ (under 2 s)
    for path in workspace.rglob("SKILL.md"):
        text = path.read_text()
        assert "Helps you" not in text and "description: Helps" not in text
        assert not re.search(r"\b[0-9a-f]{32,}\b|root@[0-9a-f]{6,}|/logs/", text.split("---", 2)[2]), path
        assert "passing tests:" not in text
    for session in sessions:
        single = tmp_path / session.stem
        single.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=single, check=True)
        outcome = run_cli("learn", str(session), cwd=single)
        assert outcome.code in (0, 3) and "Traceback" not in outcome.err, (session, outcome.err)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task=st.text(max_size=300), commands=st.lists(st.text(min_size=1, max_size=200), max_size=6),
       feedback=st.text(max_size=300))
def test_any_task_commands_and_feedback_render_without_error(task: str, commands: list[str], feedback: str) -> None:
    """Whatever a session holds, the distiller renders a skill (or says there is nothing to learn): never a crash."""
    from git_skill.learning.distiller import Lessons, description, nothing_to_learn, render

    answers = leaks.expected_values([feedback])
    lessons = Lessons(task=task, name="any-task", outcome=None, steps=commands, checks=commands[:1],
                      agent_steps=len(commands), answers=answers, requirements=wording.requirements(task))
    text, files = render(lessons)
    assert description(lessons) and isinstance(text, str) and isinstance(nothing_to_learn(lessons), (str, type(None)))
    for value in leaks.leaked(text + "".join(files.values()), answers, task):
        assert False, value


@settings(max_examples=100, deadline=None)
@given(answer=st.from_regex(r"[A-Za-z][A-Za-z0-9_]{3,20}", fullmatch=True) | st.from_regex(r"[1-9]\d{2,8}(?:\.\d{1,4})?",
                                                                                             fullmatch=True),
       prefix=st.sampled_from(["echo ", "printf '%s' ", "python3 -c \"\nprint(", "cat <<'EOF' > out.txt\n"]))
def test_an_expected_value_never_survives_anywhere(answer: str, prefix: str) -> None:
    from git_skill.learning.distiller import Lessons, render

    quoted = answer if answer[0].isdigit() else f"'{answer}'"
    answers = leaks.expected_values([f"E       assert result == {quoted}"])
    command = f"{prefix}{answer}" + ("\n)\n\"" if "-c" in prefix else "\nEOF" if "EOF" in prefix else "")
    lessons = Lessons(task="Compute the result.", name="compute", outcome=None, steps=[command, command + " \n" * 20],
                      agent_steps=2, answers=answers)
    text, files = render(lessons)
    assert answers and not leaks.leaked(text + "".join(files.values()), answers), (text, files)
    assert not re.search(rf"(?<![\w.]){re.escape(answer)}(?![\w])", text + "".join(files.values()))
