"""The verifier's expected values: found in its failure messages, kept out of every learned skill.

A failed check prints what it expected: `assert result == [3, 1, 2]`, `assert 0.59 > 0.62`,
`AssertionError: expected 'ok', got 'no'`, pytest's `- expected` / `+ actual` diff lines. Those
literals are the task's answers (or one run's values): a skill that quotes them teaches the
answer, not the method. `expected_values` finds them in feedback text; `scrub` turns each into
`<value>` anywhere in a text, except values the task itself states (a threshold, a format or
a limit the instruction gives stays). Both learners use these: the distiller on what it renders,
the model path on what the model wrote.
"""

from __future__ import annotations

import re
from typing import Iterable

PLACEHOLDER = "<value>"
MIN_STRING = 3  # shorter quoted values ('a', '') are not worth matching anywhere else
_COMPARISON = re.compile(r"\bassert\s+(?:not\s+)?(.+?)\s*(==|!=|<=|>=|<|>|\bin\b|\bnot in\b|\bis\b)\s*(.+)$")
_EXPECTED_WORDS = re.compile(r"(?i)\b(?:expected|expecting|should be|should equal|wanted|want)\b[:=]?\s*(.+?)"
                             r"(?:[,;]\s*(?:but\s+)?(?:got|found|was|actual)\b|\s+but\b|$)")
_DIFF_LINE = re.compile(r"^\s*(?:E\s+)?[-+?]\s+(\S.*)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:e-?\d+)?$")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_LITERAL_IN_MESSAGE = re.compile(r"""(?<![\w.])(?:[bru]{0,2}(['"])(?:\\.|(?!\1).)*\1|\[[^\[\]]*\]|\{[^{}]*\}|-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w.])""")
_STRING = re.compile(r"""^(?:[bru]{0,2})(['"])(.*)\1$""", re.S)


def _literal(text: str) -> str | None:
    """The value a literal spells (a string's content, a number, a list/dict/tuple/set as written), else None."""
    text = text.strip().rstrip(",")
    match = _STRING.match(text)
    if match:
        return match.group(2)
    if _NUMBER.match(text):
        return text
    if text[:1] in "[{(" and text[-1:] in "]})" and len(text) > 2 and re.search(r"[,'\":]|^.\s*-?\d", text):
        return text  # a list, dict, tuple or set literal (not `[Errno 2]`)
    return None


def _expected_in_line(line: str) -> list[str]:
    line = re.sub(r"^\s*(?:E\s+)?(?:AssertionError:\s*)?", "", line).strip()
    found: list[str] = []
    comparison = _COMPARISON.search(line)
    if comparison:
        left, operator, right = comparison.groups()
        right = re.split(r"\s+(?:#|where\b|\+\s+where\b)", right)[0]
        for side in (left, right) if operator in ("==", "!=", "<", ">", "<=", ">=") else (left,):
            value = _literal(side)
            if value is not None:
                found.append(value)
        return found
    wanted = _EXPECTED_WORDS.search(line)
    if wanted:
        value = _literal(wanted.group(1))
        if value is not None:
            found.append(value)
    return found


def _items(literal: str) -> list[str]:
    """The scalar values inside a list or dict literal: each is part of the answer too."""
    found = []
    for match in _LITERAL_IN_MESSAGE.finditer(literal[1:-1]):
        value = _literal(match.group(0))
        if value is not None and value[:1] not in "[{(":
            found.append(value)
    return found


def expected_values(texts: Iterable[str]) -> list[str]:
    """Literals a failed check compared against, in the order first seen: both sides of a failed
    equality or comparison, the value after "expected", and pytest's `- `/`+ ` diff lines."""
    values: list[str] = []
    for text in texts:
        text = _ANSI.sub("", text)
        in_diff = False
        for line in text.splitlines():
            if "assert" in line or re.search(r"(?i)\bexpect", line):
                candidates = _expected_in_line(line)
                in_diff = "==" in line
            elif in_diff and _DIFF_LINE.match(line):
                candidates = [_DIFF_LINE.match(line).group(1).strip()]  # type: ignore[union-attr]
            else:
                in_diff = in_diff and bool(line.strip()) and line.lstrip().startswith("E")
                candidates = []
            for value in candidates + [inner for c in candidates if c[:1] in "[{(" for inner in _items(c)]:
                if value.strip() and value not in values and (len(value) >= MIN_STRING or _NUMBER.match(value)):
                    values.append(value)
    return values


def _pattern(value: str) -> re.Pattern[str]:
    escaped = re.escape(value)
    if _NUMBER.match(value) or value[:1].isalnum():  # a whole token: `hello` is not the start of `hello.c`
        return re.compile(rf"(?<![\w.\-/]){escaped}(?![\w]|[.\-/]\w)")
    return re.compile(escaped)


def stated_by(task: str, value: str) -> bool:
    """The task states this value itself (a threshold such as 0.62, a format, a file name): not an answer."""
    return bool(task) and bool(_pattern(value).search(task))


def scrub(text: str, values: Iterable[str], task: str = "") -> tuple[str, int]:
    """`text` with every expected value the task does not state replaced by `<value>`; and how many were."""
    count = 0
    for value in sorted(set(values), key=len, reverse=True):  # longest first: a list before its items
        if stated_by(task, value) or _too_common(value):
            continue
        text, replaced = _pattern(value).subn(PLACEHOLDER, text)
        count += replaced
    return text, count


def leaked(text: str, values: Iterable[str], task: str = "") -> list[str]:
    """The expected values `text` quotes (the task's own stated values excepted)."""
    return [value for value in values if not stated_by(task, value) and not _too_common(value)
            and _pattern(value).search(text)]


def _too_common(value: str) -> bool:
    """A number of one or two digits (`base 10`, `step 12`) is everywhere in a skill: replacing it
    would garble more than it hides (a failed assertion's own line still shows it as `<value>`)."""
    return bool(_NUMBER.match(value)) and len(value.lstrip("-").replace(".", "")) < 3


def scrub_message(line: str, task: str = "") -> str | None:
    """A verifier's failure line with its literals (strings, lists, dicts, numbers of two digits or more)
    as `<value>`, the task's own stated values kept; None for a diff line (`- expected`, `+ actual`),
    which only ever spells a value."""
    line = _ANSI.sub("", line).strip()
    if _DIFF_LINE.match(line) or re.fullmatch(r"(?:E\s+)?[-+?]?\s*[0-9a-f]{16,}", line):
        return None
    if not re.search(r"(?i)\bassert|\bexpect|\bshould (?:be|equal)\b", line):
        return line  # an exception's own message: its values are the run's, and the expected ones are scrubbed later

    def replace(match: re.Match[str]) -> str:
        if _literal(match.group(0)) is None:
            return match.group(0)
        value = _literal(match.group(0)) or match.group(0)
        if stated_by(task, value) or (_NUMBER.match(value) and len(value.lstrip("-").replace(".", "")) < 2):
            return match.group(0)
        quote = match.group(1)
        return f"{quote}{PLACEHOLDER}{quote}" if quote else PLACEHOLDER

    return _LITERAL_IN_MESSAGE.sub(replace, line)
