"""Noise removal in command outputs: progress lines and repeated lines go, content stays."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis.strategies import from_regex, sampled_from

from git_skill.text import noise
from git_skill.text.noise import denoise, quiet_feedback


def test_package_manager_progress_is_dropped_and_counted() -> None:
    text = ("Reading package lists... Done\nBuilding dependency tree... Done\n"
            "Get:1 http://archive.ubuntu.com/ubuntu noble/main amd64 curl [227 kB]\n"
            "E: Unable to locate package libfoo-dev\n")
    assert denoise(text) == "[… 3 progress lines dropped …]\nE: Unable to locate package libfoo-dev\n"


def test_rates_bars_and_spinners_are_progress_wherever_they_start() -> None:
    text = ("  |████████████████| 12.3 MB 4.1 MB/s\n"
            "   ━━━━━━━━━━━━━━━━━━━━━━━ 1.2/1.2 MB 3.0 MB/s eta 0:00:00\n"
            "⠋ resolving\n"
            "Successfully installed requests-2.32.3\n")
    assert denoise(text) == "[… 3 progress lines dropped …]\nSuccessfully installed requests-2.32.3\n"


def test_an_output_that_ends_in_progress_keeps_its_last_newline_or_lack_of_one() -> None:
    assert denoise("built\nDownloading x\n") == "built\n[… 1 progress line dropped …]\n"
    assert denoise("built\nDownloading x") == "built\n[… 1 progress line dropped …]"


def test_content_that_looks_like_a_bar_survives() -> None:
    table = "| test | result |\n|------|--------|\n| parse | FAILED |\n"
    assert denoise(table) == table
    rule = "============ 2 failed, 3 passed in 0.12s ============\n"
    assert denoise(rule) == rule
    assert denoise("coverage 100% of lines\n") == "coverage 100% of lines\n"


def test_progress_runs_broken_by_content_are_counted_separately() -> None:
    text = "Collecting numpy\nDownloading numpy.whl\nERROR: no matching distribution\nCollecting scipy\n"
    assert denoise(text) == ("[… 2 progress lines dropped …]\nERROR: no matching distribution\n"
                             "[… 1 progress line dropped …]\n")


def test_repeated_lines_collapse_but_blank_ones_do_not() -> None:
    text = "retrying\nretrying\nretrying\n\n\n\ndone"
    assert denoise(text) == "retrying\n[… previous line repeated 2 more times …]\n\n\n\ndone"
    assert denoise("a\nb\na\nb") == "a\nb\na\nb"  # only runs of the same line
    assert denoise("x\nx\n") == "x\n[… previous line repeated 1 more time …]\n"


def _quiet_every_line(text: str) -> str:
    """quiet_feedback as it was before its prefilter: every line classified in Python. The reference the
    fast path must agree with, character for character."""
    out: list[str] = []
    kind, run = "", 0

    def flush() -> None:
        if run and kind == "install":
            out.append(f"[… {run} line{'' if run == 1 else 's'} of package installation …]")
        elif run:
            out.append(f"[… {run} passing test{'' if run == 1 else 's'} …]")

    for line in text.split("\n"):
        if noise._PASSED_LINE.match(line):
            now = "passed"
        elif noise._INSTALL_LINE.match(line) or (kind == "install" and noise._PACKAGE_LIST.match(line)):
            now = "install"
        elif run and not line.strip():
            run += 1 if kind == "install" else 0
            continue
        else:
            now = ""
        if now != kind:
            flush()
            kind, run = now, 0
        if now:
            dropped = noise._DROPPED.match(line.strip()) if now == "install" else None
            run += int(dropped.group(1)) if dropped else 1
        else:
            out.append(line)
    flush()
    return "\n".join(out)


_QUIETED_LINES = ["Setting up curl (8.5.0-2ubuntu10) ...", "  + requests==2.32.3", "tests/test_a.py::test_one PASSED",
                  "PASSED tests/test_a.py::test_two", "  libcurl4 libssl3", "", "   ", "[… 7 progress lines dropped …]",
                  "Need to get 3,130 kB of archives.", "99% [Working]", "Hit:1 http://archive.ubuntu.com noble InRelease"]
_KEPT_LINES = ["FAILED tests/test_a.py::test_three - assert 1 == 2", "E   AssertionError", "x = 'PASSED'",
               "Setting up", "requests==2.32.3 is fine", "\tdone\r", "tests/test_a.py::test_four FAILED", "== 3 failed =="]


def test_quiet_feedback_agrees_with_classifying_every_line() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        lines = [rng.choice(_QUIETED_LINES if rng.random() < 0.4 else _KEPT_LINES) for _ in range(rng.randint(0, 9))]
        text = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        assert quiet_feedback(text) == _quiet_every_line(text), repr(text)


def test_quiet_feedback_keeps_an_output_without_install_or_passing_lines_as_it_is() -> None:
    text = "collected 3 items\n\nFAILED t.py::x - assert 1 == 2\n"
    assert quiet_feedback(text) is text
    installed = "build ok\n  + numpy==2.1.0\n"  # the last alternative, anchored at the line's end
    assert quiet_feedback(installed).startswith("build ok\n[… ")
    assert quiet_feedback(installed) == _quiet_every_line(installed)


def test_quiet_feedback_agrees_with_classifying_every_line_on_real_logs() -> None:
    root = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
    logs = sorted(root.glob("terminal-bench*/**/*.txt")) + sorted(root.glob("terminal-bench*/**/*.log"))
    if not logs:
        pytest.skip("the shared fixtures are absent")
    for path in logs:
        text = path.read_text(errors="replace")
        assert quiet_feedback(text) == _quiet_every_line(text), path


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(line=from_regex(noise._INSTALL_LINE, fullmatch=False).map(lambda s: s.split("\n")[0]),
       before=sampled_from(["", "ok\n", "x\n\n", "  done\n"]))
def test_every_kind_of_install_line_is_found_where_it_starts(line: str, before: str) -> None:
    """The search for the first install line looks only at lines that can start one: every alternative's
    first character must pass it (a new alternative with another first character fails here)."""
    text = before + line + "\nFAILED t.py::x\n"
    assert quiet_feedback(text) == _quiet_every_line(text)
