"""Line-by-line JSON reading that keeps what is readable and counts what is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import orjson

from git_skill.transcripts.events import ReadReport


def iter_json_lines(path: Path, report: ReadReport) -> Iterator[dict[str, Any]]:
    """Yield each JSON object line; count blank-free lines that are not objects, by reason."""
    with path.open("rb") as handle:
        previous: bytes | None = None
        for raw in handle:
            if previous is not None:
                record = _decode(previous, report, last=False)
                if record is not None:
                    yield record
            previous = raw
        if previous is not None:
            record = _decode(previous, report, last=not previous.endswith(b"\n"))
            if record is not None:
                yield record


def _decode(raw: bytes, report: ReadReport, last: bool) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)  # the fast path: about twice the standard library's speed
    except orjson.JSONDecodeError:
        value = _decode_slowly(raw, report, last)  # invalid UTF-8, NaN, huge integers, garbage
        if value is None:
            return None
    if not isinstance(value, dict):
        report.skip("JSON lines that are not objects")
        return None
    return value


def _decode_slowly(raw: bytes, report: ReadReport, last: bool) -> Any:
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        report.note("lines with invalid UTF-8 (bad bytes replaced)")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        report.skip("truncated last line" if last else "lines that are not JSON")
        return None


def text_of(content: Any) -> str:
    """The text of a message content: a string, or a list of text parts of any common shape."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                value = part.get("text") or part.get("content") or part.get("output")
                if isinstance(value, (str, list)):
                    parts.append(text_of(value))
        return "\n".join(p for p in parts if p)
    if isinstance(content, dict):
        return text_of(content.get("text") or content.get("content"))
    return ""


def parse_json_arguments(arguments: Any) -> Any:
    """Tool arguments arrive as objects or as JSON-encoded strings."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments
