"""Model replies: the schema sent for decoding, parsing, and the repairs code can make itself.

Constrained decoders compile the schema into a grammar; length bounds and patterns blow it
up (llama.cpp gave up on `maxLength: 1024` and its server died), so the schema sent to the
server is a relaxed copy and the strict one is checked in code afterwards. A name's format
and length, a description's length, duplicate list items and unknown keys need no
judgement: code fixes them and says so, instead of spending a repair round on a model.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

_FENCED_JSON = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.S)
# Keywords a grammar compiler may choke on, or that only matter to the strict check in code. Bounds on a
# list's items stay: they are cheap for a grammar (unlike length bounds on strings) and stop a small model
# that fills a list until its reply is cut off.
_STRICT_ONLY = frozenset({"maxLength", "minLength", "pattern", "format", "$schema", "$id", "title",
                          "description", "examples", "default"})
# What a prompt's copy of the schema leaves out: identifiers that tell a model nothing.
_NOT_FOR_PROMPTS = frozenset({"$schema", "$id", "title"})
NAME_LIMIT = 64
DESCRIPTION_LIMIT = 1024
_LIST_FIELDS = {
    "creation": ("approaches", "pitfalls", "verification", "scripts", "references"),
    "reflection": ("unjustified_steps", "missed_edge_cases", "repeated_patterns", "pitfalls", "verification_gaps",
                   "what_worked", "lessons"),
}


def _relax(node: Any) -> Any:
    """A schema without the strict-only keywords; the keys of `properties` and `$defs` are names, kept."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    relaxed = {}
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            relaxed[key] = {name: _relax(member) for name, member in value.items()}
        elif key not in _STRICT_ONLY:
            relaxed[key] = _relax(value)
    return relaxed


# Optional fields a small model is not asked for: it fills them with noise, and every field it writes
# costs minutes on a CPU.
_NOT_FOR_SMALL_MODELS = frozenset({"what_worked"})


def _bounded(node: Any, max_items: int | None) -> Any:
    """The schema with every list's `maxItems` at most `max_items` (None: as it is), as for a small
    model, which is not asked for the optional fields it would fill with noise either."""
    if max_items is None:
        return node
    if isinstance(node, dict) and isinstance(node.get("properties"), dict):
        required = set(node.get("required", ()))
        node = {**node, "properties": {key: value for key, value in node["properties"].items()
                                       if key in required or key not in _NOT_FOR_SMALL_MODELS}}
    if isinstance(node, list):
        return [_bounded(item, max_items) for item in node]
    if not isinstance(node, dict):
        return node
    bounded = {key: _bounded(value, max_items) for key, value in node.items()}
    if bounded.get("type") == "array":
        bounded["maxItems"] = min(int(bounded.get("maxItems", max_items)), max_items)
    return bounded


@lru_cache(maxsize=None)
def _decoding_schema(name: str, max_items: int | None) -> str:
    from git_skill.learning.templates import schema

    return json.dumps(_relax(_bounded(schema(name), max_items)))


def decoding_schema(name: str, max_items: int | None = None) -> dict[str, Any]:
    """The schema without length bounds, patterns, titles and descriptions: what a grammar compiler accepts.
    `max_items` lowers the lists' bounds, as for a small model (see `ModelSettings.max_items`)."""
    return json.loads(_decoding_schema(name, max_items))


@lru_cache(maxsize=None)
def schema_text(name: str, max_items: int | None = None) -> str:
    """The schema a prompt shows: the very one the reply is checked against (with the same lowered bounds
    as the decoding schema, when `max_items` is given), less its identifiers."""
    from git_skill.learning.templates import schema

    shown = {k: v for k, v in _bounded(schema(name), max_items).items() if k not in _NOT_FOR_PROMPTS}
    return json.dumps(shown, ensure_ascii=False)


def parse_reply(content: str) -> dict[str, Any] | str:
    """The reply's JSON object, or a description of why it is not one."""
    text = content.strip()
    fenced = _FENCED_JSON.search(text)
    if fenced:
        text = fenced.group(1)
    try:
        value = json.loads(text, strict=False)  # a raw tab or newline inside a string is no reason to ask again
    except ValueError as error:
        return f"it is not valid JSON ({error.msg} at line {error.lineno})"
    if not isinstance(value, dict):
        return "it is not a JSON object"
    return value


def skill_name(text: str) -> str:
    """A valid skill name from any text: lowercase letters and digits joined by single hyphens, at most 64."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    name = ""
    for word in words:
        candidate = f"{name}-{word}" if name else word
        if len(candidate) > NAME_LIMIT:
            break
        name = candidate
    return name or (words[0][:NAME_LIMIT] if words else "")


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut after the last whole sentence (else word) that fits."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence = max(cut.rfind(". "), cut.rfind(".\n"))
    if sentence >= limit // 2:
        return cut[:sentence + 1]
    return cut[:cut.rfind(" ")].rstrip(" ,;:") if " " in cut else cut


def repair_in_code(schema_name: str, value: dict[str, Any], defaults: dict[str, str] | None = None) -> list[str]:
    """Fix in place what needs no judgement; returns what was changed, for the report. `defaults`
    fill fields the reply left empty that code can name (a skill's name: the task's)."""
    from git_skill.learning.templates import schema

    repairs: list[str] = []
    allowed = set(schema(schema_name).get("properties", {}))
    extra = sorted(key for key in value if key not in allowed)
    for key in extra:
        del value[key]
    if extra:
        repairs.append(f"dropped unknown keys {', '.join(extra)}")
    properties = schema(schema_name).get("properties", {})
    for key in _LIST_FIELDS.get(schema_name, ()):
        items = value.get(key)
        if isinstance(items, str) and key not in ("scripts", "references", "what_worked"):
            value[key] = items = [items]
            repairs.append(f"{key}: a single text made a list")
        if isinstance(items, list):
            unique = list(dict.fromkeys(json.dumps(item, sort_keys=True) if not isinstance(item, str)
                                        else " ".join(item.split()) for item in items))
            if len(unique) < len(items):
                repairs.append(f"{key}: {len(items) - len(unique)} duplicate item(s) removed")
                value[key] = items = [json.loads(item) if item.startswith(("{", "[")) else item for item in unique]
            bound = properties.get(key, {}).get("maxItems")
            if bound and len(items) > bound:  # the schema's bound: the first items are the ones a model puts first
                value[key] = items[:bound]
                repairs.append(f"{key}: {len(items) - bound} item(s) beyond the schema's {bound} left out")
    if schema_name == "creation":
        edits = value.get("edits")
        if isinstance(edits, list) and edits:
            if value.get("operation") != "update":  # only an update applies edits: the rest carry them for nothing
                del value["edits"]
                repairs.append(f"edits: dropped, {len(edits)} of them, the operation being {value.get('operation')!r}")
            else:
                kept = [e for e in edits if not (isinstance(e, dict) and not str(e.get("find") or "").strip())]
                if len(kept) < len(edits):
                    value["edits"] = kept
                    repairs.append(f"edits: {len(edits) - len(kept)} with nothing to find removed (they match no line)")
        name = value.get("name")
        fallback = (defaults or {}).get("name")
        if fallback and not (isinstance(name, str) and skill_name(name)):
            value["name"] = name = fallback
            repairs.append(f"name left empty: the task's name {fallback!r} used")
        if isinstance(name, str) and name and (skill_name(name) != name):
            fixed = skill_name(name)
            if fixed:
                value["name"] = fixed
                repairs.append(f"name {name[:80]!r} made {fixed!r}")
        for folder in ("scripts", "references"):
            items = value.get(folder)
            if isinstance(items, list):
                kept = [i for i in items if not (isinstance(i, dict) and not str(i.get("content") or "").strip())]
                if len(kept) < len(items):  # nothing to write: a file without content says nothing
                    value[folder] = kept
                    repairs.append(f"{folder}: {len(items) - len(kept)} without content removed")
            for item in value.get(folder) or []:
                path = item.get("path") if isinstance(item, dict) else None
                if isinstance(path, str) and not re.fullmatch(r"[A-Za-z0-9_.-]+", path):
                    fixed = re.sub(r"[^A-Za-z0-9_.-]+", "-", path).strip("-.")  # no '..', no folders
                    if fixed:
                        item["path"] = fixed
                        repairs.append(f"{folder} path {path[:80]!r} made {fixed!r}")
        description = value.get("description")
        if isinstance(description, str):
            flat = " ".join(description.split())
            if len(flat) > DESCRIPTION_LIMIT:
                value["description"] = shorten(flat, DESCRIPTION_LIMIT)
                repairs.append(f"description cut from {len(flat)} to {len(value['description'])} characters")
    return repairs
