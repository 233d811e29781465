"""Line-by-line JSON reading that keeps what is readable and counts what is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import orjson

from git_skill.transcripts.events import ReadReport


def iter_json_lines(path: Path, report: ReadReport) -> Iterator[dict[str, Any]]:
    """Yield each JSON object line; count lines that are not objects, by reason (a bad last line
    without its newline is a truncated write, not garbage)."""
    failed: bytes | None = None  # a line that did not decode: judged once we know whether it was the last
    with path.open("rb") as handle:
        for raw in handle:
            if failed is not None:
                report.skip("lines that are not JSON")
                failed = None
            try:
                value = orjson.loads(raw)  # the fast path: about twice the standard library's speed
            except orjson.JSONDecodeError:
                value = _decode_slowly(raw, report)  # invalid UTF-8, NaN, huge integers, garbage
                if value is None:
                    failed = raw if raw.strip() else None
                    continue
            if isinstance(value, dict):
                yield value
            else:
                report.skip("JSON lines that are not objects")
    if failed is not None:
        report.skip("lines that are not JSON" if failed.endswith(b"\n") else "truncated last line")


def _decode_slowly(raw: bytes, report: ReadReport) -> Any:
    """None when the line is blank or not JSON."""
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
