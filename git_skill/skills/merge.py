"""Three-way merge of a SKILL.md: frontmatter key by key, body section by section, lines last.

Frontmatter keys merge independently (`metadata` recursively), so two people editing
different fields never conflict. The body is cut at Markdown headings (outside code
fences); sections merge as units, and only a section both sides changed goes through a
line-level three-way merge (libgit2's, through pygit2). A real conflict gets standard
markers in the smallest unit that conflicts: the one field, or inside the one section.
Untouched parts keep "ours" bytes exactly.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from git_skill.skills.skill import SkillFile, body_sections, dump_field

MISSING = object()


@dataclass
class MergeResult:
    text: str
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


@lru_cache(maxsize=1)
def _scratch() -> Any:
    """A throwaway bare repository whose object store holds the blobs libgit2 merges; deleted at exit
    (SIGTERM included: the CLI turns it into an orderly exit), so nothing is left in the temp folder."""
    import atexit
    import shutil

    import pygit2

    folder = tempfile.mkdtemp(prefix="git-skill-merge-")
    atexit.register(shutil.rmtree, folder, True)
    return pygit2.init_repository(folder, bare=True)


def merge_lines(base: str, ours: str, theirs: str) -> MergeResult:
    """libgit2's line-level three-way merge, with standard conflict markers."""
    if ours == theirs or base == theirs:
        return MergeResult(ours, 0)
    if base == ours:
        return MergeResult(theirs, 0)
    if "\0" in base + ours + theirs:  # libgit2 takes it for binary and returns no text: conflict on the whole
        return MergeResult(_conflict_block(ours, theirs), 1)
    import pygit2

    repo = _scratch()
    entries = [pygit2.IndexEntry("SKILL.md", repo.create_blob(text.encode("utf-8")), pygit2.GIT_FILEMODE_BLOB)
               for text in (base, ours, theirs)]
    result = repo.merge_file_from_index(*entries)
    text = result.contents if isinstance(result.contents, str) else result.contents.decode("utf-8")
    text = text.replace("<<<<<<< SKILL.md", "<<<<<<< ours").replace(">>>>>>> SKILL.md", ">>>>>>> theirs")
    return MergeResult(text, 0 if result.automergeable else max(1, text.count("<<<<<<< ")))


def _ordered_keys(ours: list[Any], theirs: list[Any]) -> list[Any]:
    """Ours' order, with keys only theirs has inserted after the key they follow in theirs."""
    keys = list(ours)
    for index, key in enumerate(theirs):
        if key in keys:
            continue
        previous = next((theirs[i] for i in range(index - 1, -1, -1) if theirs[i] in keys), None)
        keys.insert(keys.index(previous) + 1 if previous is not None else 0, key)
    return keys


def _conflict_block(ours: str, theirs: str) -> str:
    def ended(text: str) -> str:
        return text if not text or text.endswith("\n") else text + "\n"

    return f"<<<<<<< ours\n{ended(ours)}=======\n{ended(theirs)}>>>>>>> theirs\n"


def merge_body(base: str, ours: str, theirs: str) -> MergeResult:
    b, o, t = (dict(body_sections(text)) for text in (base, ours, theirs))
    keys = _ordered_keys([k for k, _ in body_sections(ours)], [k for k, _ in body_sections(theirs)])
    pieces, conflicts = [], 0
    for key in keys:
        base_text, our_text, their_text = b.get(key, MISSING), o.get(key, MISSING), t.get(key, MISSING)
        if our_text == their_text:
            chosen = our_text
        elif base_text == our_text:
            chosen = their_text
        elif base_text == their_text:
            chosen = our_text
        elif MISSING in (our_text, their_text):  # deleted on one side, changed on the other
            conflicts += 1
            chosen = _conflict_block("" if our_text is MISSING else our_text, "" if their_text is MISSING else their_text)
        else:
            merged = merge_lines("" if base_text is MISSING else base_text, our_text, their_text)
            conflicts += merged.conflicts
            chosen = merged.text
        if chosen is not MISSING:
            pieces.append(chosen)
    return MergeResult("".join(pieces), conflicts)


def _merge_values(base: Any, ours: Any, theirs: Any) -> tuple[Any, bool]:
    """(merged value, conflict?) for one frontmatter key; mappings merge key by key."""
    if ours == theirs:
        return ours, False
    if base == ours:
        return theirs, False
    if base == theirs:
        return ours, False
    if all(isinstance(v, dict) for v in (ours, theirs)) and (base is MISSING or isinstance(base, dict)):
        base_map = base if isinstance(base, dict) else {}
        merged: dict[str, Any] = {}
        conflict = False
        for key in _ordered_keys(list(ours), list(theirs)):
            value, clash = _merge_values(base_map.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING))
            conflict = conflict or clash
            if value is not MISSING:
                merged[key] = ours[key] if clash else value
        return merged, conflict
    return ours, True


def merge_skill(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge three versions of one SKILL.md (text); falls back to a line merge when one is unreadable."""
    if ours == theirs or base == theirs:
        return MergeResult(ours, 0)
    if base == ours:
        return MergeResult(theirs, 0)
    parsed = [SkillFile.from_bytes(text.encode("utf-8"), "SKILL.md", "skill") for text in (base, ours, theirs)]
    if any(p.fields is None or not p.has_frontmatter for p in parsed):
        return merge_lines(base, ours, theirs)
    base_skill, our_skill, their_skill = parsed
    result = SkillFile.from_bytes(ours.encode("utf-8"), "SKILL.md", "skill")
    conflicts = 0
    conflicted: list[tuple[str, Any]] = []
    for key in _ordered_keys(list(our_skill.fields or {}), list(their_skill.fields or {})):
        value, clash = _merge_values((base_skill.fields or {}).get(key, MISSING), (our_skill.fields or {}).get(key, MISSING),
                                     (their_skill.fields or {}).get(key, MISSING))
        if clash:  # the whole field, mapping or not, becomes one marked block
            conflicts += 1
            conflicted.append((key, (their_skill.fields or {}).get(key, MISSING)))
            continue
        current = (result.fields or {}).get(key, MISSING)
        if value is MISSING and current is not MISSING:
            result.remove_field(key)
        elif value is not MISSING and value != current:
            result.set_field(key, value)
    body = merge_body(base_skill.body, our_skill.body, their_skill.body)
    conflicts += body.conflicts
    lines = list(result.frontmatter_lines)
    for key, their_value in reversed(sorted(conflicted, key=lambda kv: result.spans[kv[0]].start_line
                                            if kv[0] in result.spans else len(lines))):
        span = result.spans.get(key)
        our_lines = "".join(lines[span.start_line:span.end_line]) if span else ""
        their_lines = "".join(dump_field(key, their_value, result.newline)) if their_value is not MISSING else ""
        block = _conflict_block(our_lines, their_lines).replace("\n", result.newline)
        if span:
            lines[span.start_line:span.end_line] = [block]
        else:
            lines.append(block)
    text = result.opening + "".join(lines) + result.closing + body.text
    return MergeResult(("\ufeff" if result.bom else "") + text, conflicts)
