"""One large JSON document read a piece at a time (ijson's C parser): an ATIF trajectory of 150 MB
costs one step's objects in memory, not the document's bytes, text and objects together."""

from __future__ import annotations

from typing import Any, BinaryIO, Iterator

import ijson
from ijson.common import ObjectBuilder

STREAM_ERRORS = (ijson.JSONError, UnicodeDecodeError)
_OPENING = frozenset({"start_map", "start_array"})
_CLOSING = frozenset({"end_map", "end_array"})


def top_level_items(handle: BinaryIO, streamed: str) -> Iterator[tuple[str, Any]]:
    """(key, value) for each field of the top-level object, in file order; the list under `streamed`
    comes as (`streamed`, []) and then one (`streamed.item`, item) pair per item. Raises one of STREAM_ERRORS on malformed JSON
    (after the pairs before the fault), and ValueError when the document is not an object."""
    builder: ObjectBuilder | None = None
    depth = 0
    key = ""
    item_prefix = f"{streamed}.item"
    for prefix, event, value in ijson.parse(handle, use_float=True):
        if builder is None:
            if prefix == "":
                if event == "map_key":
                    key = value
                elif event not in ("start_map", "end_map"):
                    raise ValueError("not a JSON object")
                continue
            if prefix == streamed and event in ("start_array", "end_array"):
                if event == "start_array":
                    yield streamed, []  # the list begins: its items follow
                continue
            builder, depth = ObjectBuilder(), 0
            key = item_prefix if prefix == item_prefix else key
        builder.event(event, value)
        if event in _OPENING:
            depth += 1
        elif event in _CLOSING:
            depth -= 1
        if depth == 0:
            yield key, builder.value
            builder = None
