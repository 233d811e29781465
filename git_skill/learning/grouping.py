"""Between the phases: which attempts one skill is consolidated from.

Attempts at one task go together (the success/failure contrast), then variants of one task
family (`name.easy`, `name.hard`), then tasks whose lessons lint would call near-duplicates
of each other (`text.similarity`, the one measure of "similar"): without this, tasks learned at
once, each blind to the others, give one near-duplicate skill per task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from git_skill.learning.attempts import Attempt
from git_skill.text.similarity import Profile, resemblance

_VARIANT = re.compile(r"^(?P<family>.*[a-z].*?)\.(?=[0-9]*[a-z])[a-z0-9]{1,12}$")  # a word, not a version number


@dataclass
class Group:
    """Attempts phase two consolidates into one plan, and why they are together (for --debug)."""

    attempts: list[Attempt]
    why: list[str] = field(default_factory=list)

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(attempt.task for attempt in self.attempts))

    @property
    def label(self) -> str:
        return ", ".join(self.tasks)

    @property
    def family_name(self) -> str | None:
        """A skill name for a group of variants of one task family (`crack-7z-hash` for `.easy` and `.hard`),
        else None: the skill is named as one task's would be."""
        families = {family(task) for task in self.tasks}
        if len(self.tasks) < 2 or len(families) != 1:
            return None
        return re.sub(r"[^a-z0-9]+", "-", families.pop().lower()).strip("-")[:64] or None


def family(task: str) -> str:
    """The task family: `crack-7z-hash.easy` and `crack-7z-hash.hard` are variants of `crack-7z-hash`."""
    found = _VARIANT.match(task)
    return found.group("family") if found else task


def group_attempts(attempts: list[Attempt], debug: Callable[[str], None] | None = None) -> list[Group]:
    """Attempts by task, tasks by family, then families whose lessons are near-duplicates; in input order."""
    by_family: dict[str, Group] = {}
    for attempt in attempts:
        group = by_family.setdefault(family(attempt.task), Group([]))
        if group.attempts and attempt.task not in group.tasks:
            group.why.append(f"{attempt.task} is a variant of {group.tasks[0]} (task family {family(attempt.task)})")
        group.attempts.append(attempt)
    groups = list(by_family.values())
    profiles = [_profile(group) for group in groups]
    merged: list[Group] = []
    merged_profiles: list[Profile] = []
    for group, profile in zip(groups, profiles):
        if _teaches(group):
            alike = next(((other, resemblance(profile, kept)) for other, kept in zip(merged, merged_profiles)
                          if _teaches(other) and resemblance(profile, kept).near_duplicate),
                         None)
            if alike is not None:
                other, found = alike
                other.why.append(f"{group.label} learned with {other.tasks[0]}: their lessons are near-duplicates "
                                 f"({found})")
                other.attempts += group.attempts
                other.why += group.why
                continue
        merged.append(group)
        merged_profiles.append(profile)
    if debug:
        for group in merged:
            for why in group.why:
                debug(f"grouped: {why}")
    return merged


def _teaches(group: Group) -> bool:
    from git_skill.learning.distiller import nothing_to_learn

    return any(nothing_to_learn(attempt.lessons) is None for attempt in group.attempts)


def _profile(group: Group) -> Profile:
    from git_skill.learning.distiller import body, description
    from git_skill.learning.synthesis import merge

    lessons = merge([attempt.lessons for attempt in group.attempts])
    return Profile.of(description(lessons), body(lessons))
