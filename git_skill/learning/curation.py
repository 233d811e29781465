"""Curation: the library a plan is made against, and the one operation the distiller chooses.

"Similar" is `text.similarity.resemblance`, the measure lint's `near-duplicate` uses, at its
threshold: a skill of the same name, or one lint would call a near-duplicate of the new
lessons, is extended with a section for the new variant (or left as it is when that section
would add nothing); otherwise a new skill is created. Never a near-duplicate lint then flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from git_skill.learning.plan import Operation
from git_skill.skills.discovery import SkillLocation
from git_skill.skills.skill import SkillFile
from git_skill.text.similarity import Profile, Resemblance, resemblance
from git_skill.workspace import Workspace


@dataclass(frozen=True)
class Candidate:
    """An existing skill and how alike it is to the lessons at hand."""

    location: SkillLocation
    skill: SkillFile
    resemblance: Resemblance

    @property
    def name(self) -> str:
        return str((self.skill.fields or {}).get("name") or self.location.folder.name)

    @property
    def score(self) -> float:
        return self.resemblance.score


@dataclass(frozen=True)
class Library:
    """The skills a plan is made against, parsed; `fingerprint` tells whether they changed since."""

    skills: tuple[tuple[SkillLocation, SkillFile], ...]
    fingerprint: str
    profiles: tuple[Profile, ...] = ()  # each skill's topic words, taken once

    def __post_init__(self) -> None:
        if len(self.profiles) != len(self.skills):
            object.__setattr__(self, "profiles", tuple(_profile(skill) for _, skill in self.skills))

    @classmethod
    def read(cls, workspace: Workspace, skills_dirs: tuple[str, ...]) -> Library:
        from git_skill.skills.discovery import discover

        found = discover(workspace, (), skills_dirs)
        return cls(tuple(_parsed(found.skills)), found.fingerprint())

    def with_skill(self, path: Path, text: str) -> Library:
        """The library as it will be once `text` is written at `path` (a dry run writes nothing, yet
        the next task of the batch must see the skill this one would write)."""
        skill = SkillFile.from_bytes(text.encode("utf-8"), str(path), path.parent.name)
        kept = [index for index, (location, _) in enumerate(self.skills) if location.skill_file != path]
        return Library((*(self.skills[i] for i in kept), (SkillLocation(path.parent, path), skill)), self.fingerprint,
                       (*(self.profiles[i] for i in kept), _profile(skill)))

    def named(self, name: str) -> Candidate | None:
        """The skill called `name` (by its field or its folder)."""
        index = self._index_of(name)
        if index is None:
            return None
        (location, skill), profile = self.skills[index], self.profiles[index]
        return Candidate(location, skill, resemblance(profile, profile))

    def names(self) -> list[str]:
        """Every name a new skill cannot take: each skill's name field and folder."""
        taken = {location.folder.name for location, _ in self.skills}
        taken |= {str(skill.fields["name"]) for _, skill in self.skills if skill.fields and skill.fields.get("name")}
        return sorted(taken)

    def clash(self, name: str, description: str, body: str) -> Candidate | None:
        """The skill already called `name` when a new skill with this description and body is not similar to
        it (lint's near-duplicate measure): taking the name would file these lessons where no agent loads them."""
        index = self._index_of(name)
        if index is None:
            return None
        (location, skill), profile = self.skills[index], self.profiles[index]
        found = Candidate(location, skill, resemblance(Profile.of(description, body), profile))
        return None if found.resemblance.near_duplicate else found

    def _index_of(self, name: str) -> int | None:
        return next((index for index, (location, skill) in enumerate(self.skills) if skill.fields is not None
                     and (skill.fields.get("name") == name or location.folder.name == name)), None)

    def ranked(self, description: str, body: str) -> list[Candidate]:
        """Every well-formed skill, the most alike first."""
        profile = Profile.of(description, body)
        candidates = [Candidate(location, skill, resemblance(profile, other))
                      for (location, skill), other in zip(self.skills, self.profiles) if skill.fields is not None]
        return sorted(candidates, key=lambda c: (-c.score, str(c.location.folder)))

    def near_duplicate(self, description: str, body: str, besides: Path | None = None) -> Candidate | None:
        """The skill lint would call a near-duplicate of a skill with this description and body."""
        return next((c for c in self.ranked(description, body)
                     if c.resemblance.near_duplicate and c.location.skill_file != besides), None)


_PARSED: dict[tuple[str, int, int, int], SkillFile] = {}  # the skills as last parsed, by path and stat


def _parsed(locations: list[SkillLocation]) -> list[tuple[SkillLocation, SkillFile]]:
    """Every skill found, parsed. A skill whose stat is the same as when a previous task of this run
    parsed it is not read again: a batch of hundreds of tasks would otherwise parse every skill once per task."""
    from git_skill.skills.discovery import stat_key
    from git_skill.skills.skill import read_skill_file

    kept: dict[tuple[str, int, int, int], SkillFile] = {}
    existing = []
    for location in locations:
        status = stat_key(location.skill_file)
        key = (str(location.skill_file), *status) if status else None
        skill = _PARSED.get(key) if key else None
        if skill is None:
            skill = read_skill_file(location.skill_file, location.display)
        if key:
            kept[key] = skill
        existing.append((location, skill))
    _PARSED.clear()  # only the skills there are now: memory stays bounded by the library
    _PARSED.update(kept)
    return existing


def _profile(skill: SkillFile) -> Profile:
    return Profile.of(str((skill.fields or {}).get("description", "")), skill.body)


@dataclass(frozen=True)
class Decision:
    operation: Operation
    target: Candidate | None
    reason: str


def new_lines(section: str, existing_body: str) -> list[str]:
    """Bullet and numbered lines of `section` that the existing body does not already hold."""
    have = {line.strip() for line in existing_body.splitlines()}
    return [line for line in section.splitlines()
            if re.match(r"\s*(?:[-*]|\d+\.)\s", line) and line.strip() not in have]


def choose(name: str, description: str, body: str, library: Library) -> Decision:
    """Extend the skill of the same name or the one lint would call a near-duplicate; else create."""
    same_name = library.named(name)
    ranked = library.ranked(description, body)
    best = same_name or (ranked[0] if ranked and ranked[0].resemblance.near_duplicate else None)
    if best is None:
        closest = f" (closest: {ranked[0].location.folder.name}, {ranked[0].resemblance})" if ranked else ""
        return Decision(Operation.CREATE, None, f"no similar skill{closest}")
    why = "same name" if best is same_name else f"a near-duplicate: {best.resemblance}"
    if not new_lines(body, best.skill.body):
        return Decision(Operation.NONE, best, f"{best.location.folder.name} already holds every lesson ({why})")
    return Decision(Operation.EXTEND, best, f"extends {best.location.folder.name} ({why})")


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


_REFERENCE_HEADING = re.compile(r"^#{1,2}\s+(files|references|scripts|resources|links|see also|related( skills)?|"
                                r"further reading)\s*$", re.IGNORECASE)


def with_variant(body: str, section: str) -> str:
    """The skill's body with a variant's section added: before the trailing reference sections (`## Files`,
    `## References`, ...) and whatever follows them, else at the end; no line of the body is changed."""
    from git_skill.skills.skill import body_sections

    sections = body_sections(body)
    start = None  # the first of the trailing run of reference sections
    for index, ((heading, _), _text) in enumerate(sections):
        if heading and len(heading) - len(heading.lstrip("#")) <= 2:
            start = (index if start is None else start) if _REFERENCE_HEADING.match(heading) else None
    if start is None or start == 0:
        return body.rstrip("\n") + "\n\n" + section
    before = "".join(text for _, text in sections[:start])
    after = "".join(text for _, text in sections[start:])
    return before.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n\n" + after
