"""Library hygiene: near-duplicate skills and names that shadow each other across roots.

Candidates are found through an inverted index of rare words, so a thousand skills are
compared in near-linear time rather than pair by pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

from git_skill.text.similarity import Profile, resemblance

_COMMON = 50  # words in more skills than this do not make two skills candidates


@dataclass(frozen=True)
class Entry:
    path: str
    root: str
    name: str
    description: str
    body: str


def check(entries: list[Entry]) -> Iterator[tuple[str, str, str]]:
    """(path, rule, message) for each near-duplicate pair and each shadowed name."""
    by_name: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_name[entry.name].append(entry)
    for name, same in by_name.items():
        if name and len({e.root for e in same}) > 1:
            for entry in same:
                others = ", ".join(e.path for e in same if e is not entry)
                yield entry.path, "shadowed-name", f"the name '{name}' is also used by {others}"
    words = [set(w for w in f"{e.name} {e.description}".lower().replace("-", " ").split() if len(w) > 3) for e in entries]
    index: dict[str, list[int]] = defaultdict(list)
    for i, found in enumerate(words):
        for word in found:
            index[word].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in index.values():
        if len(holders) > _COMMON:
            continue
        for a_position, a in enumerate(holders):
            for b in holders[a_position + 1:]:
                shared[(a, b)] += 1
    profiles: dict[int, Profile] = {}
    for (a, b), count in sorted(shared.items()):
        if count < 3:
            continue
        left, right = entries[a], entries[b]
        for i in (a, b):
            if i not in profiles:
                profiles[i] = Profile.of(entries[i].description, entries[i].body)
        found = resemblance(profiles[a], profiles[b])
        if found.near_duplicate:
            yield left.path, "near-duplicate", f"nearly duplicates {right.path} ({found})"
            yield right.path, "near-duplicate", f"nearly duplicates {left.path} ({found})"
