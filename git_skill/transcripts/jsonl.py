"""Line-by-line JSON reading that keeps what is readable and counts what is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import orjson

from git_skill.transcripts.events import ReadReport


LONG_LINE_BYTES = 8 * 1024 * 1024  # lines up to this size are parsed as they are
STRING_KEEP_BYTES = 320 * 1024  # of a longer line, each string keeps this much of its head and of its tail
SHRUNK_LINE_BYTES = 32 * 1024 * 1024  # a long line still over this once shrunk is skipped, not parsed
TOO_LARGE = "records too large to read (over 32 MB without their long texts)"


def read_lines(handle: BinaryIO, report: ReadReport) -> Iterator[bytes]:
    """The lines of a file in memory bounded by a cap per text, not by line length: a line over
    LONG_LINE_BYTES (a 200 MB paste in one record) is streamed through `shrink_long_line`, which
    keeps each JSON string's head and tail. Later stages clip texts to far less anyway."""
    while raw := handle.readline(LONG_LINE_BYTES):
        if len(raw) < LONG_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        shrunk = shrink_long_line(raw, handle)
        if shrunk is None:
            report.skip(TOO_LARGE)
        else:
            yield shrunk


def shrink_long_line(start: bytes, handle: BinaryIO) -> bytes | None:
    """The rest of a long JSON line, read in chunks, with every string longer than twice
    STRING_KEEP_BYTES cut to its head and tail around a marker. None when even the shrunk line is over
    SHRUNK_LINE_BYTES (its bulk is not strings). Hand-written because streaming parsers such as ijson
    still hand over each string whole. The line is consumed either way."""
    shrinker = _LineShrinker()
    chunk = start
    while chunk:
        masked = _masked(chunk)
        while masked.endswith(b"\\"):  # a chunk never ends between a backslash and what it escapes
            extra = handle.read(1)
            if not extra:
                break
            chunk += extra
            masked = _masked(chunk)
        shrinker.feed(chunk, masked)
        if chunk.endswith(b"\n") or shrinker.out_of_room:
            break
        chunk = handle.readline(1 << 20)
    while chunk and not chunk.endswith(b"\n"):  # the rest of a line given up on
        chunk = handle.readline(1 << 20)
    return None if shrinker.out_of_room else bytes(shrinker.out)


def _masked(chunk: bytes) -> bytes:
    """`chunk` with escaped backslashes and escaped quotes overwritten, so that every `"` left is a
    string delimiter (same length: positions match). Two C-speed passes instead of a loop per escape."""
    return chunk.replace(b"\\\\", b"__").replace(b'\\"', b"__")


class _LineShrinker:
    def __init__(self) -> None:
        self.out = bytearray()
        self.in_string = False
        self.head = bytearray()
        self.tail = bytearray()
        self.cut = 0

    @property
    def out_of_room(self) -> bool:
        return len(self.out) > SHRUNK_LINE_BYTES

    def feed(self, chunk: bytes, masked: bytes) -> None:
        position = 0
        while position < len(chunk) and not self.out_of_room:
            quote = masked.find(b'"', position)
            end = len(chunk) if quote < 0 else quote
            if self.in_string:
                self._add(chunk[position:end])
                if quote >= 0:
                    self.out += self._string() + b'"'
            else:
                self.out += chunk[position:end]
                if quote >= 0:
                    self.out += b'"'
                    self.head, self.tail, self.cut = bytearray(), bytearray(), 0
            if quote >= 0:
                self.in_string = not self.in_string
            position = end + 1

    def _add(self, piece: bytes) -> None:
        room = STRING_KEEP_BYTES - len(self.head)
        if room > 0:
            self.head += piece[:room]
            piece = piece[room:]
        self.tail += piece
        if len(self.tail) > 2 * STRING_KEEP_BYTES:
            start = _safe_start(self.tail, len(self.tail) - STRING_KEEP_BYTES)
            self.cut += start
            del self.tail[:start]

    def _string(self) -> bytes:
        if not self.cut:
            return bytes(self.head + self.tail)
        # cut where no escape sequence or UTF-8 character is split
        head = next((self.head[:len(self.head) - k] for k in range(8) if _valid_string(self.head[:len(self.head) - k])),
                    b"")
        tail = self.tail
        cut = len(self.head) + self.cut + len(self.tail) - len(head) - len(tail)
        return bytes(head) + f"\\n[… {cut:,} bytes cut …]\\n".encode("utf-8") + bytes(tail)


def leading_fields(fragment: bytes) -> dict[str, Any]:
    """The top-level fields at the start of a JSON object cut short (the first part of a record too
    long to read whole): enough to recognise a format whose first record is a 200 MB paste."""
    text = fragment.decode("utf-8", "ignore")
    decoder = json.JSONDecoder()
    fields: dict[str, Any] = {}
    position = len(text) - len(text.lstrip())
    if not text.startswith("{", position):
        return fields
    position += 1
    while True:
        try:
            key, position = decoder.raw_decode(text, _skip_space(text, position))
            position = _skip_space(text, position)
            if not isinstance(key, str) or not text.startswith(":", position):
                return fields
            value, position = decoder.raw_decode(text, _skip_space(text, position + 1))
        except (ValueError, RecursionError):
            return fields
        fields[key] = value
        position = _skip_space(text, position)
        if not text.startswith(",", position):
            return fields
        position += 1


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _safe_start(content: bytearray, index: int) -> int:
    """`index`, or the first position after it that starts neither inside an escape sequence
    (`\\n`, `\\u00e9`) nor inside a UTF-8 character; the bytes before `index` give the context."""

    def escapes(position: int) -> bool:  # is content[position] a backslash that starts an escape?
        run = 0
        while position - run >= 0 and content[position - run] == 0x5C:
            run += 1
        return run % 2 == 1

    for back in range(1, 6):
        start = index - back
        if start >= 0 and escapes(start) and (start == 0 or not escapes(start - 1)):
            length = 6 if content[start + 1:start + 2] == b"u" else 2
            if start + length > index:
                index = start + length
            break
    while index < len(content) and content[index] & 0xC0 == 0x80:
        index += 1
    return index


def _valid_string(content: bytes | bytearray) -> bool:
    """Is `content` the inside of a JSON string (no escape or UTF-8 sequence cut in half)?"""
    try:
        orjson.loads(b'"' + content + b'"')
    except orjson.JSONDecodeError:
        return False
    return True


def iter_json_lines(path: Path, report: ReadReport) -> Iterator[dict[str, Any]]:
    """Yield each JSON object line; count lines that are not objects, by reason (a bad last line
    without its newline is a truncated write, not garbage)."""
    failed: bytes | None = None  # a line that did not decode: judged once we know whether it was the last
    with path.open("rb") as handle:
        for raw in read_lines(handle, report):
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
