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
# testing every line in Python. A line of only `=` or only `-` is a program's separator
# (`print("=" * 50)`), not a bar: it stays (a run of them is collapsed as repeated lines).
_PROGRESS_START = re.compile(
    r"(?m)\n[ \t]*(?=[0-9GHIFRBSPUDCrn(⠁-⣿#=\->|\t ])(?:\d{1,3}%|Get:\d+|Hit:\d+|Ign:\d+|Fetched \d|Reading package lists|Building dependency tree|"
    r"Reading state information|Selecting previously unselected|Preparing to unpack|Unpacking |Setting up |"
    r"Processing triggers|Downloading |Collecting |Requirement already satisfied|Using cached|Installing collected|"
    r"Receiving objects|Resolving deltas|Counting objects|Compressing objects|remote: |npm (?:WARN|notice|http)|"
    r"Progress|Downloaded |Fetching |Updating |Get \d+|\(Reading database|[⠁-⣿]\s|"
    r"(?![ \t]*(?:=+|-+)[ \t]*$)[#=\->\t |]*(?:#{12}|={12}|-{12}|>{12}|\|{12})[#=\->\t |]*$)"
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


# Lines of package installation a verifier's setup prints (apt, dpkg, pip, uv and its installer): the
# tests' result is what matters, the install is said in one line. Matched at the start of a line.
_INSTALL_LINE = re.compile(
    r"[ \t]*(?:The following (?:NEW |additional )?packages|The following packages were automatically|Use 'apt autoremove'|"
    r"\d+ upgraded, \d+ newly installed|\d+ not fully installed|Need to get |After this operation|Suggested packages:|"
    r"Recommended packages:|debconf: |invoke-rc\.d: |update-alternatives: |No schema files found|Created symlink |"
    r"Processing triggers|Setting up |Unpacking |Preparing to unpack|Selecting previously|\(Reading database|"
    r"Reading package lists|Building dependency tree|Reading state information|Hit:\d|Get:\d|Ign:\d|Fetched |"
    r"Collecting |Downloading |Downloaded |Requirement already satisfied|Installing collected packages|Successfully "
    r"(?:installed|uninstalled|built) |Using cached |Building wheels? |Created wheel |Stored in directory|"
    r"Attempting uninstall|Found existing installation|Uninstalling |WARNING: Running pip as|\[notice\] |"
    r"Resolved \d+ packages?|Prepared \d+ packages?|Installed \d+ packages?|Uninstalled \d+ packages?|Audited \d+ "
    r"packages?|Using (?:CPython|Python) \d|Creating virtual environment|Activate with: |[+-] [\w.\[\],-]+==[\w.+!-]+$|"
    r"downloading uv |installing to |everything's installed|no checksums to verify|To add \S+ to your PATH|"
    r"source \$HOME/\.local/bin/env|\[… \d+ progress lines? dropped …\]|\d+% \[)")
_DROPPED = re.compile(r"\[… (\d+) progress lines? dropped …\]")  # denoise's marker: its lines are counted too
_PACKAGE_LIST = re.compile(r"[ \t]{2}[\w.+:~-]+(?: [\w.+:~-]+)*[ \t]*$")  # apt's indented lists of package names
_PASSED_LINE = re.compile(r"[ \t]*(?:PASSED [^\s]+|\S+::\S+ PASSED\b)")
# The first line either of them matches, found by a search in C anchored on a newline (no part of them
# crosses one) and, for install lines, on a possible first character: the lines before it, most outputs
# whole, are kept as they are without a Python loop. A passing test's line always holds "PASSED".
_FIRST_INSTALL = re.compile(rf"\n[ \t]*(?=[\dABCDFGHINPRSTUWdeinsu(+-]|\[[n…])(?:{_INSTALL_LINE.pattern})", re.MULTILINE)
_FIRST_PASSED = re.compile(rf"\n(?:{_PASSED_LINE.pattern})", re.MULTILINE)


def quiet_feedback(text: str) -> str:
    """A log with its install output and its passing tests each counted in one line: what is left of a
    verifier's log is the tests' failures and whatever else it says."""
    padded = "\n" + text
    starts = [match.start() for match in (_FIRST_INSTALL.search(padded),
                                          _FIRST_PASSED.search(padded) if "PASSED" in text else None) if match]
    if not starts:
        return text
    first = min(starts)
    head, text = text[:first], text[first:]  # offsets shift by one: head ends with its newline
    out: list[str] = []
    kind, run = "", 0

    def flush() -> None:
        if run and kind == "install":
            out.append(f"[… {run} line{'' if run == 1 else 's'} of package installation …]")
        elif run:
            out.append(f"[… {run} passing test{'' if run == 1 else 's'} …]")

    for line in text.split("\n"):
        if _PASSED_LINE.match(line):
            now = "passed"
        elif _INSTALL_LINE.match(line) or (kind == "install" and _PACKAGE_LIST.match(line)):
            now = "install"
        elif run and not line.strip():
            run += 1 if kind == "install" else 0  # blank lines inside a run go with it
            continue
        else:
            now = ""
        if now != kind:
            flush()
            kind, run = now, 0
        if now:
            dropped = _DROPPED.match(line.strip()) if now == "install" else None
            run += int(dropped.group(1)) if dropped else 1
        else:
            out.append(line)
    flush()
    return head + "\n".join(out)
