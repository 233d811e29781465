"""One large JSON document read a piece at a time with ijson's C parser: the items under a path are
built one by one, so a 150 MB ATIF trajectory costs one step's objects in memory, not the
document's bytes, text and objects together."""

from __future__ import annotations

from typing import Any, BinaryIO, Iterator

import ijson

STREAM_ERRORS = (ijson.JSONError, UnicodeDecodeError)


def items(handle: BinaryIO, prefix: str) -> Iterator[Any]:
    """Each value at `prefix` (ijson's dotted path, `steps.item` for each member of `steps`), in file
    order. Raises one of STREAM_ERRORS on malformed JSON, after the values before the fault."""
    return ijson.items(handle, prefix, use_float=True)  # type: ignore[no-any-return]


def first_item(handle: BinaryIO, prefix: str) -> Any:
    """The first value at `prefix`, or None (also when the JSON breaks off or is malformed before
    it); parsing stops there."""
    try:
        return next(items(handle, prefix), None)
    except STREAM_ERRORS:
        return None
