"""Curation: before writing, compare with the skills the repository has and choose one operation.

The distiller decides by similarity: a skill of the same name, or one whose name,
description and body are close enough (EXTEND_THRESHOLD), is extended with a section
for the new variant; when that section would add nothing the skill lacks, the operation
is `none`; otherwise a new skill is created. Never a silent near-duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from git_skill.skills.discovery import SkillLocation
from git_skill.text.similarity import similarity
from git_skill.skills.skill import SkillFile

EXTEND_THRESHOLD = 0.45
OPERATIONS = ("create", "extend", "none")


@dataclass
class Candidate:
    location: SkillLocation
    skill: SkillFile
    score: float


@dataclass
class Decision:
    operation: str
    target: Candidate | None
    reason: str


def score(name: str, description: str, body: str, skill: SkillFile) -> float:
    fields = skill.fields or {}
    other_head = f"{fields.get('name', '')} {fields.get('description', '')}"
    return 0.6 * similarity(f"{name} {description}", other_head) + 0.4 * similarity(body, skill.body)


def rank(name: str, description: str, body: str, existing: list[tuple[SkillLocation, SkillFile]]) -> list[Candidate]:
    candidates = [Candidate(location, skill, score(name, description, body, skill))
                  for location, skill in existing if skill.fields is not None]
    return sorted(candidates, key=lambda c: (-c.score, str(c.location.folder)))


def new_lines(section: str, existing_body: str) -> list[str]:
    """Bullet and numbered lines of `section` that the existing body does not already hold."""
    have = {line.strip() for line in existing_body.splitlines()}
    return [line for line in section.splitlines()
            if re.match(r"\s*(?:[-*]|\d+\.)\s", line) and line.strip() not in have]


def choose(name: str, description: str, body: str, existing: list[tuple[SkillLocation, SkillFile]]) -> Decision:
    ranked = rank(name, description, body, existing)
    same_name = next((c for c in ranked if (c.skill.fields or {}).get("name") == name or c.location.folder.name == name), None)
    best = same_name or (ranked[0] if ranked and ranked[0].score >= EXTEND_THRESHOLD else None)
    if best is None:
        closest = f" (closest: {ranked[0].location.folder.name}, similarity {ranked[0].score:.2f})" if ranked else ""
        return Decision("create", None, f"no similar skill{closest}")
    why = "same name" if best is same_name else f"similarity {best.score:.2f}"
    if not new_lines(body, best.skill.body):
        return Decision("none", best, f"{best.location.folder.name} already holds every lesson ({why})")
    return Decision("extend", best, f"extends {best.location.folder.name} ({why})")


def variant_section(title: str, body: str, existing_body: str) -> str:
    """The new lessons as one section for an existing skill: headings demoted, known lines dropped."""
    keep = set(new_lines(body, existing_body))
    out = [f"## Variant: {title}", ""]
    section: list[str] = []
    heading = None
    for line in body.splitlines():
        if line.startswith("# ") or line.startswith("## When to use"):
            heading = None
            continue
        if line.startswith("## "):
            if section:
                out += section + [""]
            heading, section = line, []
            continue
        if heading and line in keep:
            if not section:
                section = ["#" + heading, ""]
            section.append(line)
    if section:
        out += section + [""]
    return "\n".join(out)
