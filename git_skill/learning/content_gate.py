"""Refuse model-written skills whose words come from our own prompt rather than from a session.

A small model, given a prompt and a schema, can fill every field with the schema's title,
its field descriptions or sentences of the prompt: the result passes validation and lint
and teaches nothing. This gate compares the typed parts with that boilerplate, and asks
that the description name a task or a trigger. It also keeps the verifier's expected values
out of what the model wrote (`hide_answers`, the same detector the distiller uses).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

MIN_COPIED_WORDS = 5  # a run of this many words of boilerplate counts as a copy
_WORD = re.compile(r"[a-z0-9]+")
_GENERIC = frozenset("""a an the and or of to for in on at by with from as is are be this that these those it its
skill skills agent agents task tasks session sessions model reflection proposed typed parts part code renders render
use used using when whenever if helps help guidance general various things stuff something anything thing name
description field fields schema json object reply future similar new existing one more some any""".split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1)
def boilerplate() -> tuple[tuple[str, ...], frozenset[str]]:
    """Word sequences of the prompts and the schemas' titles and descriptions, and the schemas' key names."""
    from git_skill.learning.templates import PROMPTS, schema

    texts: list[str] = []
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "description") and isinstance(value, str):
                    texts.append(value)
                elif key == "properties" and isinstance(value, dict):
                    keys.update(name for name in value if "_" in name)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for name in ("reflection", "creation"):
        walk(schema(name))
    for path in sorted(PROMPTS.glob("*.md")):
        texts += [line for line in re.split(r"(?<=[.:!?])\s+|\n\s*[-*]\s+|\n\n", path.read_text(encoding="utf-8"))
                  if "{" not in line]
    return tuple(" ".join(_words(text)) for text in texts if len(_words(text)) >= 3), frozenset(keys)


def _copied(text: str, sources: tuple[str, ...]) -> str | None:
    """The boilerplate `text` repeats: a whole short title, or a run of MIN_COPIED_WORDS words."""
    words = _words(text)
    if not words:
        return None
    joined = " ".join(words)
    for source in sources:
        if joined == source or (len(source.split()) >= 3 and source in joined and len(source.split()) * 2 >= len(words)):
            return source
    for start in range(0, max(0, len(words) - MIN_COPIED_WORDS) + 1):
        run = " ".join(words[start:start + MIN_COPIED_WORDS])
        if len(words) >= MIN_COPIED_WORDS and any(run in source for source in sources):
            return run
    return None


def _fields(parts: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("name", "description", "when_to_use"):
        if isinstance(parts.get(key), str):
            yield key, parts[key].replace("-", " ") if key == "name" else parts[key]
    for key in ("approaches", "pitfalls", "verification"):
        for index, item in enumerate(parts.get(key) or []):
            yield f"{key}[{index}]", str(item)


def problems(parts: dict[str, Any]) -> list[str]:
    """Why the typed parts are not a skill learned from a session; empty when they are."""
    from git_skill.lint.content import says_when_to_use

    sources, keys = boilerplate()
    found = []
    for where, text in _fields(parts):
        leaked = sorted(key for key in keys if key in text)
        if leaked:
            found.append(f"{where} repeats the reply's own keys ({', '.join(leaked)})")
            continue
        copied = _copied(text, sources)
        if copied:
            found.append(f"{where} copies the prompt or the schema ({copied!r})")
    description = str(parts.get("description") or "")
    task_words = [w for w in _words(description) if w not in _GENERIC and len(w) > 2 and not w.isdigit()]
    if not says_when_to_use(description) and len(task_words) < 2:
        found.append("the description names no task and no trigger (it should say what the skill does and "
                     "'Use when …')")
    return found


def hide_answers(text: str, answers: list[str], task: str) -> tuple[str, int]:
    """Replace, in a planned skill's description and body, every expected value of a failed check the task
    does not state itself (`learning.leaks`); the frontmatter's other fields are left alone. Returns the
    text and how many were replaced."""
    from git_skill.learning.leaks import scrub

    if not answers or not text.startswith("---"):
        return text, 0
    end = text.find("\n---", 3)
    if end < 0:
        return text, 0
    head, rest = text[:end], text[end:]
    lines = head.split("\n")
    count = 0
    for number, line in enumerate(lines):
        if line.startswith("description:"):
            lines[number], found = scrub(line, answers, task)
            count += found
    scrubbed, found = scrub(rest, answers, task)
    if found:
        scrubbed = _without_hidden_claims(rest, scrubbed)
    return "\n".join(lines) + scrubbed, count + found


# What placeholders stand for: an instance's output a skill must not claim (learning/generalize.py, leaks.py)
_PLACEHOLDER = re.compile(r"<(?:value|hash|digest|uuid|timestamp|date|commit|address|ip|port|container-id)>")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
# Words that lead from a command to a claim about its output ("and check it prints the expected hash"),
# cut from the end of what is left once the claim's placeholder is gone.
_CLAIM_TAIL = re.compile(
    r"(?:[\s,;:(\u2014\u2013'\"-]|==|=|->|\u2192|\b(?:and|then|so|that|which|it|its|the|a|an|output|result|results|"
    r"hash|checksum|digest|value|expected|exact|exactly|should|must|will|to|check|checks|confirm|verify|ensure|"
    r"expect|expects|print|prints|output|outputs|return|returns|show|shows|give|gives|yield|yields|report|"
    r"reports|read|reads|match|matches|equal|equals|is|are|be|as|with)\b)+$", re.IGNORECASE)


def without_claim(bullet: str) -> str | None:
    """A verification bullet whose claim about the output a placeholder replaced (`md5sum FILE` prints
    `<hash>`): the command kept and the claim dropped, or None when no command is left. A placeholder
    inside a command (`grep <value> out.txt`) is an argument, not a claim: such a bullet is kept whole."""
    spans = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(bullet)]
    claim = None
    for found in _PLACEHOLDER.finditer(bullet):
        span = next(((a, b) for a, b in spans if a <= found.start() < b), None)
        if span is None:
            claim = found.start()
        elif _PLACEHOLDER.fullmatch(bullet[span[0] + 1:span[1] - 1].strip("'\" ")):
            claim = span[0]
        if claim is not None:
            break
    if claim is None:
        return bullet
    head = bullet[:claim]
    marker = re.match(r"\s*(?:[-*]|\d+\.)\s+", head)
    lead, kept = (head[:marker.end()], head[marker.end():]) if marker else ("", head)
    kept = _CLAIM_TAIL.sub("", kept.rstrip()).rstrip()
    if not _CODE_SPAN.search(kept):
        return None
    return f"{lead}{'Run ' if kept.startswith('`') else ''}{kept}."


def _without_hidden_claims(before: str, after: str) -> str:
    """`after` (`before` with answers hidden) with the verification bullets the hiding changed rid of their
    claims (`without_claim`); every other line as it was."""
    old, new = before.split("\n"), after.split("\n")
    if len(old) != len(new):
        return after
    out: list[str] = []
    verifying = False
    for was, line in zip(old, new):
        heading = _HEADING.match(line)
        if heading:
            verifying = heading.group(1).strip().lower().startswith("verification")
        if verifying and line != was and re.match(r"\s*(?:[-*]|\d+\.)\s", line):
            kept = without_claim(line)
            if kept is not None:
                out.append(kept)
            continue
        out.append(line)
    return "\n".join(out)
