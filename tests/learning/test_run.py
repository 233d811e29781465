"""`learning/run.py`: what a task's write compares with what its planning saw."""

from __future__ import annotations

import os
from pathlib import Path

from git_skill.atomic import write_atomic
from git_skill.learning.run import skills_fingerprint
from git_skill.workspace import open_workspace
from tests.conftest import skill_text, write_skill


def test_the_skills_fingerprint_changes_with_every_write_and_only_then(repo: Path) -> None:
    root = repo / ".agents" / "skills"
    write_skill(root, "alpha")
    write_skill(root, "bravo")
    workspace = open_workspace(repo)
    seen = skills_fingerprint(workspace, ())
    assert skills_fingerprint(workspace, ()) == seen  # reading changes nothing
    (root / "alpha" / "SKILL.md").read_bytes()
    assert skills_fingerprint(workspace, ()) == seen

    same_bytes = (root / "bravo" / "SKILL.md").read_bytes()
    write_atomic(root / "bravo" / "SKILL.md", same_bytes)  # another run's write: a new file, even with the same text
    replaced = skills_fingerprint(workspace, ())
    assert replaced != seen

    skill = root / "alpha" / "SKILL.md"
    status = skill.stat()
    with open(skill, "r+b") as handle:  # an edit in place that keeps the size: the time still tells
        handle.write(b"-")
    os.utime(skill, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))
    assert skills_fingerprint(workspace, ()) != replaced

    edited = skills_fingerprint(workspace, ())
    write_skill(root, "charlie", skill_text("charlie"))
    assert skills_fingerprint(workspace, ()) != edited  # a new skill
