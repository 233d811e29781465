"""Verifier and reviewer feedback: test results and the assertion messages that explain them."""

from __future__ import annotations

import re
from pathlib import Path

from git_skill.transcripts.events import Feedback
from git_skill.transcripts.terminal import clean_text

MAX_FEEDBACK_CHARS = 512 * 1024
_RESULT_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S+?)(?:\s+-\s+(.*))?$")
_INLINE_RESULT = re.compile(r"^(\S+::\S+)\s+(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
_SECTION = re.compile(r"^_{3,}\s+(.+?)\s+_{3,}$")
_ASSERTION = re.compile(r"^E\s{1,4}(.*)$")
# What the harness, not the tests, leaves in a recorded verifier terminal: asciinema's notices, a bare
# prompt, the `exit` that ends the recording; at the start, the prompt starting the recording and clearing.
_PROMPT = r"[\w.-]+@[\w.-]+:\S*[#$]"
_HARNESS_LINE = re.compile(rf"^\s*(?:asciinema: .*|exit|{_PROMPT}|)\s*$")
_HARNESS_START = re.compile(rf"^\s*(?:{_PROMPT}(?:\s+(?:asciinema rec\b.*|clear))?|)\s*$")


def test_name(node_id: str) -> str:
    """`tests/test_outputs.py::test_x[param]` -> `test_x[param]`."""
    return node_id.rsplit("::", 1)[-1]


def parse_test_output(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Per-test statuses and, for failures, their `E ...` assertion lines (pytest style)."""
    statuses: dict[str, str] = {}
    messages: dict[str, list[str]] = {}
    section: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        match = _RESULT_LINE.match(stripped)
        if match:
            name = test_name(match.group(2))
            statuses[name] = match.group(1).lower()
            if match.group(3) and match.group(1) in ("FAILED", "ERROR"):
                messages.setdefault(name, [])
                if match.group(3) not in messages[name]:
                    messages[name].append(match.group(3)[:500])
            continue
        match = _INLINE_RESULT.match(stripped)
        if match:
            statuses[test_name(match.group(1))] = match.group(2).lower()
            continue
        match = _SECTION.match(stripped)
        if match:
            title = match.group(1)
            section = None if " " in title and not title.startswith("test") else test_name(title.split(" ")[0])
            continue
        match = _ASSERTION.match(line)
        if match and section:
            bucket = messages.setdefault(section, [])
            if len(bucket) < 8 and match.group(1).strip():
                bucket.append(match.group(1).strip()[:500])
    return statuses, messages


def without_harness(text: str) -> str:
    """A verifier log without the harness's lines around the tests: `asciinema rec` and `clear` at the start;
    the bare prompt, `exit` and asciinema's notices at the end (and its notices anywhere)."""
    lines = [line for line in text.split("\n") if not line.lstrip().startswith("asciinema: ")]
    while lines and _HARNESS_LINE.match(lines[-1]):
        lines.pop()
    start = 0
    while start < len(lines) and _HARNESS_START.match(lines[start]):
        start += 1
    return "\n".join(lines[start:])


def verifier_feedback(text: str, source: str, path: str | None, known: dict[str, str] | None = None,
                      resolved: bool | None = None, reward: float | None = None,
                      known_messages: dict[str, list[str]] | None = None) -> Feedback:
    """Feedback from a verifier's log: statuses from the log, overridden by `known` results (a
    structured report's), whose messages come first."""
    cleaned = without_harness(clean_text(text[-MAX_FEEDBACK_CHARS:]))
    statuses, messages = parse_test_output(cleaned)
    statuses.update(known or {})
    for name, extra in (known_messages or {}).items():
        bucket = messages.setdefault(name, [])
        bucket[:0] = [m for m in extra if m not in bucket]
    failed = [name for name, status in statuses.items() if status in ("failed", "error")]
    lines = []
    for name in failed:
        lines.append(f"FAILED {name}")
        lines += [f"    {m}" for m in messages.get(name, [])]
    summary = "\n".join(lines)
    body = (summary + "\n\n" if summary else "") + cleaned.strip()
    return Feedback(source=source, text=body, tests=statuses, reward=reward, resolved=resolved, path=path)


def user_feedback(path: Path) -> Feedback:
    """A file the user passes with --feedback: a CI log, a reviewer's note. Test results are read if present."""
    data = path.read_bytes()[-MAX_FEEDBACK_CHARS:]
    text = data.decode("utf-8", "replace")
    statuses, _ = parse_test_output(clean_text(text))
    if statuses:  # a checker's output: all passed, or some failed, is the outcome when nothing else gives one
        verdict = [status for status in statuses.values() if status not in ("skipped", "xfail")]
        resolved = all(status in ("passed", "xpass") for status in verdict) if verdict else None
        return verifier_feedback(text, "user", path.name, resolved=resolved)
    return Feedback(source="user", text=clean_text(text).strip(), path=path.name)


def ctrf_results(path: Path) -> tuple[dict[str, str], dict[str, list[str]]] | None:
    """Per-test statuses and messages from a CTRF report (`{"results": {"tests": [{"name", "status",
    "message", "trace"}]}}`, https://ctrf.io); None when the file is not one."""
    import json

    try:
        data = json.loads(path.read_bytes().decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return None
    results = data.get("results") if isinstance(data, dict) else None
    tests = results.get("tests") if isinstance(results, dict) else None
    if not isinstance(tests, list):
        return None
    statuses: dict[str, str] = {}
    messages: dict[str, list[str]] = {}
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("name"), str):
            continue
        name = test_name(test["name"])
        status = str(test.get("status") or "other").lower()
        statuses[name] = {"pending": "skipped", "other": "error"}.get(status, status)
        message = test.get("message") if isinstance(test.get("message"), str) else ""
        if not message and isinstance(test.get("trace"), str):
            message = next((line[1:].strip() for line in test["trace"].splitlines() if line.startswith("E ")), "")
        if message and statuses[name] in ("failed", "error"):
            messages[name] = [line.strip()[:500] for line in message.strip().splitlines()[:3] if line.strip()]
    return statuses, messages
