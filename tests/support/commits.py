"""The ways `git commit` can be run, each giving the hooks a different index to read."""

from __future__ import annotations


COMMIT_FORMS = {
    "git commit": (True, ["commit", "-m", "edit"]),
    "git commit -a": (False, ["commit", "-a", "-m", "edit"]),
    "git commit -- PATH": (False, ["commit", "-m", "edit", "--", "skills/tidy/SKILL.md"]),
    "git commit --only PATH": (False, ["commit", "--only", "-m", "edit", "skills/tidy/SKILL.md"]),
    "git commit -i PATH": (False, ["commit", "-i", "-m", "edit", "skills/tidy/SKILL.md"]),
}
