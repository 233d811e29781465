"""Noise removal in command outputs: progress lines and repeated lines go, content stays."""

from __future__ import annotations

from git_skill.text.noise import denoise


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
