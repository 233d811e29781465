"""Noise in command outputs that costs a model tokens and tells it nothing: package-manager
and download progress lines, and runs of identical lines. `denoise` drops both, leaving a
marker that counts what went, so the digest's space goes to content.
"""

from __future__ import annotations

import operator
import re
from itertools import compress, count, islice

# A progress line starts with one of these (after blanks), holds a transfer rate or a bytes bar,
# or draws a bar with block glyphs. Each kind is found by a search that scans in C for a cheap
# anchor (a newline followed by a possible first character, "B/", a bar glyph) instead of
# testing every line in Python.
_PROGRESS_START = re.compile(
    r"(?m)\n[ \t]*(?=[0-9GHIFRBSPUDCrn(⠁-⣿#=\->|\t ])(?:\d{1,3}%|Get:\d+|Hit:\d+|Ign:\d+|Fetched \d|Reading package lists|Building dependency tree|"
    r"Reading state information|Selecting previously unselected|Preparing to unpack|Unpacking |Setting up |"
    r"Processing triggers|Downloading |Collecting |Requirement already satisfied|Using cached|Installing collected|"
    r"Receiving objects|Resolving deltas|Counting objects|Compressing objects|remote: |npm (?:WARN|notice|http)|"
    r"Progress|Downloaded |Fetching |Updating |Get \d+|\(Reading database|[⠁-⣿]\s|"
    r"[#=\->\t |]*(?:#{12}|={12}|-{12}|>{12}|\|{12})[#=\->\t |]*$)"
)
_RATE = re.compile(r"\d\s?[kKMG]i?B/s|-{12,}\s+[\d.]+\s?[kKMG]?i?B/")
_BAR_GLYPHS = "━█▉▊▋▌▍▎▏▕░▒▓"
_BARS = re.compile(f"[{_BAR_GLYPHS}]{{3}}")


def _line_at(text: str, position: int) -> tuple[int, int]:
    """(start, end) of the line holding `position`, its newline included."""
    end = text.find("\n", position)
    return text.rfind("\n", 0, position) + 1, len(text) if end == -1 else end + 1


def _progress_spans(text: str) -> list[tuple[int, int]]:
    """The progress lines of a text as sorted (start, end) spans."""
    spans = {_line_at(text, match.start()) for match in _PROGRESS_START.finditer("\n" + text)}  # offsets shift by one
    position = text.find("B/")
    while position != -1:
        start, end = _line_at(text, position)
        if _RATE.search(text, start, end):
            spans.add((start, end))
        position = text.find("B/", end)
    if not text.isascii() and any(glyph in text for glyph in _BAR_GLYPHS):  # substring search, not a regex scan
        spans.update(_line_at(text, match.start()) for match in _BARS.finditer(text))
    return sorted(spans)


def _collapse_repeats(text: str) -> str:
    lines = text.split("\n")
    repeats_at = list(compress(count(), map(operator.eq, lines, islice(lines, 1, None))))  # found in C
    if not any(lines[i].strip() for i in repeats_at):
        return text
    out: list[str] = []
    previous, repeats = None, 0
    for line in lines:
        if line == previous and line.strip():
            repeats += 1
            continue
        if repeats:
            out.append(_repeated(repeats))
            repeats = 0
        out.append(line)
        previous = line
    if repeats:
        out.append(_repeated(repeats))
    return "\n".join(out)


def _repeated(count: int) -> str:
    return f"[… previous line repeated {count} more time{'' if count == 1 else 's'} …]"


def _dropped(count: int) -> str:
    return f"[… {count} progress line{'' if count == 1 else 's'} dropped …]"


def denoise(text: str) -> str:
    """Drop progress-bar lines (a marker counts each run) and runs of identical lines."""
    spans = _progress_spans(text)
    if spans:
        pieces: list[str] = []
        cursor, run = 0, 0
        for start, end in spans:
            if run and text[cursor:start].strip():  # blank lines between progress lines join the run
                pieces.append(_dropped(run) + "\n")
                run = 0
            if not run:
                pieces.append(text[cursor:start])
            run += 1
            cursor = end
        pieces.append(_dropped(run) + ("\n" if text[cursor - 1] == "\n" else ""))  # as the last dropped line ended
        pieces.append(text[cursor:])
        text = "".join(pieces)
    return _collapse_repeats(text)
