"""The digest spends its budget on evidence: nothing cut while it fits, more shown for more budget,
the harness's chatter cut before the agent's code, a verifier's noise counted, not listed."""

from __future__ import annotations

import json
from pathlib import Path

from git_skill.text.tokens import approx_tokens
from git_skill.transcripts import open_transcript
from git_skill.transcripts.digest import _estimate, _important_indices, _omit_middle, _step_estimate, collect, fit, levels

CODE_LINE = "    total += row['amount'] * rates[row['currency']]  # step {i}\n"


def script(lines: int) -> str:
    return "def totals(rows, rates):\n    total = 0\n" + "".join(CODE_LINE.format(i=i) for i in range(lines)) + \
        "    return total\n"


def chat_session(path: Path, code: str, steps: int = 3, todo: str = "", output: str = "ok") -> Path:
    """An OpenAI-style message list: the agent writes a file (a tool call), runs commands, keeps a to-do list."""
    messages: list[dict] = [{"role": "user", "content": "Fix the totals in report.py"}]
    calls = 0

    def call(name: str, arguments: dict, result: str) -> None:
        nonlocal calls
        calls += 1
        messages.append({"role": "assistant", "content": "", "tool_calls": [
            {"id": f"c{calls}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]})
        messages.append({"role": "tool", "tool_call_id": f"c{calls}", "name": name, "content": result})

    for i in range(steps):
        if todo:
            call("TodoWrite", {"todos": todo}, "Todos have been modified successfully. " + todo)
        call("bash", {"command": f"python report.py --check {i}"}, output)
    call("write_file", {"path": "report.py", "content": code}, "written")
    messages.append({"role": "assistant", "content": "The totals are fixed."})
    path.write_text(json.dumps(messages))
    return path


def test_a_digest_that_fits_is_not_cut(tmp_path: Path) -> None:
    code = script(120)  # about 7,000 characters: more than any per-step share used to keep
    digest = collect(open_transcript(chat_session(tmp_path / "s.json", code)))
    text, _, omitted = fit(digest, 24_000)
    assert approx_tokens(text) < 24_000 and omitted == 0
    assert "# step 0\n" in text and "# step 119\n" in text and "characters cut" not in text


def test_a_bigger_budget_shows_more(tmp_path: Path) -> None:
    big_output = "\n".join(f"row {i}: amount {i * 7} EUR rate 1.{i % 10}" for i in range(400))
    digest = collect(open_transcript(chat_session(tmp_path / "s.json", script(300), steps=20, output=big_output)))
    small, _, _ = fit(digest, 6_000)
    default, _, _ = fit(digest, 24_000)
    large, _, _ = fit(digest, 60_000)
    assert approx_tokens(small) <= 6_000 and approx_tokens(default) <= 24_000 and approx_tokens(large) <= 60_000
    assert len(small) < len(default) < len(large)


def test_to_do_lists_are_cut_before_the_code_the_agent_wrote(tmp_path: Path) -> None:
    todo = "1. [in progress] read report.py 2. [pending] fix totals 3. [pending] run the check " * 12
    code = script(20)
    digest = collect(open_transcript(chat_session(tmp_path / "s.json", code, steps=30, todo=todo,
                                                  output="checked 40 rows\n" * 40)))
    text, _, _ = fit(digest, 2_500)
    assert approx_tokens(text) <= 2_500
    assert "# step 0\n" in text and "# step 19\n" in text  # the file the agent wrote, whole
    assert text.count("[pending] run the check") < 5  # the to-do lists, cut first


def verifier_log() -> str:
    install = ["Reading package lists...", "The following NEW packages will be installed:", "  curl libcurl4 ca-certificates",
               "0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.", "Need to get 1,024 kB of archives."]
    install += [f"Setting up package-{i} (1.{i}) ..." for i in range(40)]
    install += ["Resolved 12 packages in 40ms", "Installed 12 packages in 9ms", " + pytest==8.3.4", " + pluggy==1.5.0"]
    passed = [f"tests/test_report.py::test_case_{i} PASSED" for i in range(60)]
    failure = ["=================================== FAILURES ===================================",
               "________________________________ test_totals _________________________________",
               "    def test_totals():", ">       assert totals(ROWS, RATES) == 7",
               "E       AssertionError: totals differ", "tests/test_report.py:9: AssertionError",
               "=========================== short test summary info ============================",
               "FAILED tests/test_report.py::test_totals - AssertionError: totals differ",
               "========================= 1 failed, 60 passed in 0.31s ========================="]
    return "\n".join(install + passed + failure) + "\n"


def test_feedback_counts_install_output_and_passing_tests_and_keeps_each_failure_once(tmp_path: Path) -> None:
    log = tmp_path / "checks" / "ci.log"
    log.parent.mkdir()
    log.write_text(verifier_log())
    transcript = open_transcript(chat_session(tmp_path / "s.json", script(5)), [log])
    digest = collect(transcript)
    text, _, _ = fit(digest, 24_000)
    feedback = text[text.index("# Feedback"):text.index("# Timeline")]
    assert "## feedback file (ci.log): NOT resolved, 60 of 61 tests passed" in feedback
    assert "Setting up package" not in feedback and "pytest==8.3.4" not in feedback and "test_case_" not in feedback
    assert feedback.count("AssertionError: totals differ") == 1 and "assert totals(ROWS, RATES) == 7" in feedback
    assert digest.facts["outcome"] == "unresolved (feedback file)"
    log.write_text(verifier_log().split("=====", 1)[0] + "61 passed in 0.31s\n")  # no failure: the log is all there is
    text, _, _ = fit(collect(open_transcript(chat_session(tmp_path / "s.json", script(5)), [log])), 24_000)
    feedback = text[text.index("# Feedback"):text.index("# Timeline")]
    assert "Setting up package" not in feedback and "pytest==8.3.4" not in feedback and "test_case_" not in feedback
    assert "[… 49 lines of package installation …]" in feedback and "[… 60 passing tests …]" in feedback


def test_a_feedback_file_reporting_every_check_passed_sets_the_outcome(tmp_path: Path) -> None:
    log = tmp_path / "ci.log"
    log.write_text("tests/test_report.py::test_totals PASSED\ntests/test_report.py::test_rates PASSED\n2 passed\n")
    digest = collect(open_transcript(chat_session(tmp_path / "s.json", script(5)), [log]))
    assert digest.facts["outcome"] == "resolved (feedback file)"
    assert digest.feedback[0].resolved is True


def test_a_log_without_the_agents_steps_says_they_were_not_recorded(tmp_path: Path) -> None:
    session = tmp_path / "s.json"
    session.write_text(json.dumps([{"role": "user", "content": "Fix the totals in report.py"}]))
    text, _, _ = fit(collect(open_transcript(session)), 24_000)
    assert "NOT RECORDED" in text and "0 tool calls" not in text
    assert "nothing shows that the agent ran" in text and "(it worked outside" not in text  # no tokens: it may not have run
    recorded, _, _ = fit(collect(open_transcript(chat_session(tmp_path / "r.json", script(3)))), 24_000)
    assert "NOT RECORDED" not in recorded and "tool calls" in recorded


def test_trimmed_timelines_are_estimated_as_if_each_step_were_estimated_again(tmp_path: Path) -> None:
    """`fit` sums the last level's per-step estimates once made and finds the important steps once; each
    trimmed timeline and its total must be the ones found afresh, or a digest would come out different."""
    path = chat_session(tmp_path / "long.json", script(5), steps=400, todo="- [ ] check\n" * 3,
                        output="line of output\n" * 60)
    digest = collect(open_transcript(path))
    for step in digest.steps[5::37]:
        step.is_error = True  # failures spread through the session: the steps trimming keeps
    level = levels(1000)[-1]
    known = {id(step): _step_estimate(step, level) for step in digest.steps}
    important = _important_indices(digest.steps)
    assert len(important) > 12
    for keep in (len(digest.steps), 300, 40, 12):
        for important_limit in (None, 4):
            trimmed = _omit_middle(digest.steps, keep, important_limit)
            assert _omit_middle(digest.steps, keep, important_limit, important) == trimmed
            assert _estimate(trimmed, level, known) == _estimate(trimmed, level)
    text, _, omitted = fit(digest, 1000)
    assert omitted and approx_tokens(text) <= 1000  # the omitting path, the one the shared estimates serve, ran
