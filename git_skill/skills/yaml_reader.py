"""A strict, position-aware YAML reader for frontmatter.

Why our own instead of `yaml.safe_load` or python-frontmatter: frontmatter must give
precise findings (line of a duplicate key, of an alias, of a syntax error) and must
read scalars as agents do. We follow the YAML 1.2 core schema (what JavaScript
loaders such as Claude Code's use): `yes`, `no`, `on`, `off` and dates stay strings,
`true`/`false` are booleans. Anchors and aliases are refused (alias bombs), as are
custom tags. Events come from libyaml when available, and the tree is built
iteratively, so deep nesting cannot exhaust the stack.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_CORE_TAGS = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
    "tag:yaml.org,2002:map": dict,
    "tag:yaml.org,2002:seq": list,
}


@dataclass(frozen=True)
class Problem:
    """A reader-level problem; lines are 0-based within the YAML text."""

    rule: str
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class KeySpan:
    """Where one top-level key and its value stand (0-based lines, end exclusive)."""

    key: str
    start_line: int
    end_line: int
    column: int


@dataclass
class YamlResult:
    value: Any = None
    spans: dict[str, KeySpan] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar under the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if _BOOL_TRUE.match(text):
        return True
    if _BOOL_FALSE.match(text):
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def _scalar_value(event: yaml.ScalarEvent) -> tuple[Any, str | None]:
    """The Python value of a scalar event, and a problem message if its tag is refused."""
    tag = event.tag
    if tag in (None, "!"):
        if event.implicit[0] and tag is None:
            return resolve_plain(event.value), None
        return event.value, None
    if tag not in _CORE_TAGS:
        return event.value, f"tag {tag!r} is not allowed in frontmatter"
    target = _CORE_TAGS[tag]
    if target is str:
        return event.value, None
    resolved = resolve_plain(event.value)
    if target is float and isinstance(resolved, int) and not isinstance(resolved, bool):
        resolved = float(resolved)
    if not isinstance(resolved, target) or (target is int and isinstance(resolved, bool)):
        return event.value, f"{event.value!r} is not a valid {tag.rsplit(':', 1)[-1]}"
    return resolved, None


class _Frame:
    """One open mapping or sequence while events stream in."""

    __slots__ = ("container", "is_map", "pending_key", "key_line", "key_col", "seen")

    def __init__(self, is_map: bool) -> None:
        self.is_map = is_map
        self.container: Any = {} if is_map else []
        self.pending_key: str | None = None
        self.key_line = 0
        self.key_col = 0
        self.seen: dict[str, int] = {}


def load(text: str, line_offset: int = 0) -> YamlResult:
    """Parse one YAML document into plain Python values, with top-level key spans.

    `line_offset` is only used to name lines in messages as the file numbers them.
    """
    result = YamlResult()
    loader = _Loader(text)
    stack: list[_Frame] = []
    documents = 0
    top_key_starts: list[tuple[str, int, int]] = []
    top_value_ends: dict[str, tuple[int, int]] = {}
    try:
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    result.problems.append(
                        Problem("frontmatter-yaml-syntax", "frontmatter holds more than one YAML document", mark.line, mark.column)
                    )
                    break
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            mark = event.start_mark
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                result.problems.append(
                    Problem("frontmatter-yaml-alias", "YAML anchors and aliases are not allowed in frontmatter", mark.line, mark.column)
                )
            value: Any
            closes = isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent))
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.tag not in (None, "!") and event.tag not in _CORE_TAGS:
                    result.problems.append(
                        Problem("frontmatter-yaml-tag", f"tag {event.tag!r} is not allowed in frontmatter", mark.line, mark.column)
                    )
                if stack and stack[-1].is_map and stack[-1].pending_key is None:
                    result.problems.append(
                        Problem("frontmatter-yaml-syntax", "a mapping key must be a plain value, not a collection", mark.line, mark.column)
                    )
                stack.append(_Frame(is_map))
                continue
            if closes:
                frame = stack.pop()
                value = frame.container
                end = event.end_mark
            elif isinstance(event, yaml.ScalarEvent):
                value, tag_problem = _scalar_value(event)
                if tag_problem:
                    result.problems.append(Problem("frontmatter-yaml-tag", tag_problem, mark.line, mark.column))
                end = event.end_mark
            else:  # AliasEvent
                value, end = None, event.end_mark
            if not stack:
                result.value = value
                continue
            parent = stack[-1]
            if not parent.is_map:
                parent.container.append(value)
            elif parent.pending_key is None:
                if closes:
                    key = "<collection>"
                else:
                    key = event.value if isinstance(event, yaml.ScalarEvent) else str(value)
                if key in parent.seen:
                    result.problems.append(
                        Problem(
                            "frontmatter-duplicate-key",
                            f"duplicate key {key!r} (first defined on line {parent.seen[key] + 1 + line_offset})",
                            mark.line,
                            mark.column,
                        )
                    )
                else:
                    parent.seen[key] = mark.line
                parent.pending_key, parent.key_line, parent.key_col = key, mark.line, mark.column
                if len(stack) == 1:
                    top_key_starts.append((key, mark.line, mark.column))
            else:
                key = parent.pending_key
                if key not in parent.container:  # duplicates keep the first value
                    parent.container[key] = value
                if len(stack) == 1 and key not in top_value_ends:
                    top_value_ends[key] = (end.line, end.column)
                parent.pending_key = None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line, mark.column) if mark else (0, 0)
        problem = error.problem or "invalid YAML"
        if "tab" in problem.lower() or _tab_near(text, line):
            result.problems.append(
                Problem("frontmatter-tab", "tab characters cannot indent YAML; use spaces", line, column)
            )
        else:
            result.problems.append(Problem("frontmatter-yaml-syntax", f"invalid YAML: {problem}", line, column))
        result.value = None
    except yaml.YAMLError as error:  # reader errors: control characters and the like
        mark = getattr(error, "problem_mark", None)
        result.problems.append(
            Problem("frontmatter-yaml-syntax", f"invalid YAML: {error}", mark.line if mark else 0, mark.column if mark else 0)
        )
        result.value = None
    finally:
        loader.dispose()
    if isinstance(result.value, dict):
        result.spans = _spans(top_key_starts, top_value_ends)
    return result


def _tab_near(text: str, line: int) -> bool:
    """True when the failing line, or the one before it, is indented with a tab."""
    lines = text.splitlines()
    return any(0 <= n < len(lines) and lines[n][:1] == "\t" for n in (line, line - 1))


def _spans(starts: list[tuple[str, int, int]], ends: dict[str, tuple[int, int]]) -> dict[str, KeySpan]:
    spans: dict[str, KeySpan] = {}
    for key, line, column in starts:
        if key in spans or key not in ends:
            continue
        end_line, end_column = ends[key]
        # A value that ends at column 0 (block scalars, nested blocks) ends before that line.
        end = end_line if end_column == 0 else end_line + 1
        spans[key] = KeySpan(key, line, max(end, line + 1), column)
    return spans
