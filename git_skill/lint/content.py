"""Discoverability and structure: will an agent pick this skill, and can it use what it loads?"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from git_skill.lint.text_rules import Hit
from git_skill.skills.skill import SkillFile
from git_skill.text.tokens import approx_tokens

_TRIGGER = re.compile(
    r"\b(?:(?:use|load|invoke|apply|activate|consult|read)\s+(?:this\s+(?:skill\s+)?|it\s+)?(?:when|whenever|if|for|to|before|after|while|on|any\s*time)|should\s+be\s+used\s+(?:when|for|to|if)|"
    r"when\s+(?:you|the\s+user|a\s+user|asked|working|the\s+task|a\s+task|users?)|trigger(?:s|ed)?\s+(?:when|on|by)|"
    r"invoke\s+(?:when|for)|applies\s+(?:when|to))\b", re.I)


def says_when_to_use(description: str) -> bool:
    """Whether a description has a trigger ("Use when …"): also the learn gate's test for model-written skills."""
    return bool(_TRIGGER.search(description))


_FILLER = re.compile(r"\b(?:various\s+tasks|general[- ]purpose|useful\s+(?:skill|tool)|helps?\s+with\s+(?:stuff|things|tasks)|"
                     r"misc(?:ellaneous)?)\b", re.I)
GENERIC_NAMES = frozenset({"helper", "helpers", "utils", "util", "utilities", "misc", "tools", "tool", "skill", "my-skill",
                           "test", "tests", "general", "common", "stuff", "things", "default", "new-skill", "example",
                           "temp", "tmp", "notes", "main"})
_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")


def check(skill: SkillFile, max_lines: int, max_tokens: int) -> Iterator[Hit]:
    fields = skill.fields or {}
    description = fields.get("description") if isinstance(fields.get("description"), str) else ""
    name = fields.get("name") if isinstance(fields.get("name"), str) else ""
    description_line = skill.field_line("description") or 2
    if description and not _TRIGGER.search(description):
        yield Hit("description-no-trigger", description_line,
                  "the description does not say when to use the skill (add 'Use when …')")
    if description and (len(description.strip()) < 40 or _FILLER.search(description)):
        yield Hit("description-generic", description_line, "the description is too short or generic to choose the skill by")
    mimics = sorted({c for c in name if not c.isascii() and any(
        script in unicodedata.name(c, "") for script in ("CYRILLIC", "GREEK", "ARMENIAN", "FULLWIDTH"))})
    if mimics:
        shown = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in mimics)
        yield Hit("confusable-name", skill.field_line("name") or 2, f"the name mixes in look-alike letters: {shown}")
    if name in GENERIC_NAMES:  # a short name can be exact ('pdf', 'xlsx' name the files the skill handles)
        yield Hit("name-generic", skill.field_line("name") or 2, f"the name '{name}' does not say what the skill does")
    yield from _structure(skill, max_lines, max_tokens)


def _structure(skill: SkillFile, max_lines: int, max_tokens: int) -> Iterator[Hit]:
    body = skill.body
    start = skill.body_start_line
    lines = body.split("\n")
    count = len(lines) - (1 if lines and lines[-1] == "" else 0)
    if count > max_lines:
        yield Hit("body-line-budget", start, f"the body has {count} lines; the budget is {max_lines}")
    tokens = approx_tokens(body)
    if tokens > max_tokens:
        yield Hit("body-token-budget", start, f"the body is about {tokens} tokens; the budget is {max_tokens}")
    headings: list[tuple[int, int]] = []  # (index, level)
    in_fence = False
    content_after: dict[int, bool] = {}
    conflict_start: int | None = None
    for index, line in enumerate(lines):
        if not in_fence and (line.startswith(("<<<<<<< ", ">>>>>>> ")) or line in ("<<<<<<<", ">>>>>>>")):
            if line.startswith("<"):
                conflict_start = index if conflict_start is None else conflict_start
            elif conflict_start is not None:
                yield Hit("merge-conflict", start + conflict_start, "an unresolved merge conflict (<<<<<<< … >>>>>>>)")
                conflict_start = None
        if _FENCE.match(line):
            in_fence = not in_fence
            if headings:
                content_after[headings[-1][0]] = True
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            headings.append((index, len(match.group(1))))
            content_after[index] = False
        elif line.strip() and headings:
            content_after[headings[-1][0]] = True
    if count > 30 and not headings:
        yield Hit("body-no-headings", start, f"a {count}-line body without headings")
    for position, (index, level) in enumerate(headings):
        if content_after.get(index):
            continue
        following = headings[position + 1][1] if position + 1 < len(headings) else None
        if following is None or following <= level:
            yield Hit("section-empty", start + index, f"the section '{lines[index].strip()}' is empty")
