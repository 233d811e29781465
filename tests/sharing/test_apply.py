"""The folder merge's file rules, and the staged swap's all-or-nothing promise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.sharing.apply import FolderSwap, changed_paths, merge_folders
from git_skill.sharing.fetch import EXECUTABLE, LINK, Entry, read_folder


def files(**named: bytes) -> dict[str, Entry]:
    return {name.replace("__", "/"): Entry(data) for name, data in named.items()}


def test_file_rules() -> None:
    base = files(a=b"1\n2\n3\n", b=b"same\n", gone=b"x\n", bin=b"\x00a")
    ours = files(a=b"1 ours\n2\n3\n", b=b"same\n", gone=b"x\n", bin=b"\x00b", mine=b"new\n")
    theirs = files(a=b"1\n2\n3 theirs\n", b=b"same\n", bin=b"\x00c", theirs_new=b"t\n")
    merged = merge_folders(base, ours, theirs)
    assert merged.files["a"].data == b"1 ours\n2\n3 theirs\n"
    assert "gone" not in merged.files  # deleted upstream, untouched here
    assert merged.files["mine"].data == b"new\n" and merged.files["theirs_new"].data == b"t\n"
    assert merged.files["bin"].data == b"\x00b" and "binary" in merged.conflicts["bin"]
    assert set(merged.conflicts) == {"bin"}
    assert changed_paths(ours, merged.files) == {"a": "changed", "gone": "removed", "theirs_new": "added"}


def test_mode_changes_merge_like_content() -> None:
    base = {"run.sh": Entry(b"echo\n")}
    theirs = {"run.sh": Entry(b"echo\n", EXECUTABLE)}
    assert merge_folders(base, dict(base), theirs).files["run.sh"].mode == EXECUTABLE
    base = {"run.sh": Entry(b"one\ntwo\nthree\n")}
    ours = {"run.sh": Entry(b"one mine\ntwo\nthree\n")}
    merged = merge_folders(base, ours, {"run.sh": Entry(b"one\ntwo\nthree theirs\n", EXECUTABLE)})
    assert merged.clean and merged.files["run.sh"] == Entry(b"one mine\ntwo\nthree theirs\n", EXECUTABLE)


def test_swap_rolls_everything_back_when_a_later_step_fails(tmp_path: Path) -> None:
    root = tmp_path / "skills"
    (root / "one").mkdir(parents=True)
    (root / "one" / "SKILL.md").write_text("old one\n")
    swap = FolderSwap(root)
    swap.stage(root / "one", {"SKILL.md": Entry(b"new one\n")})
    swap.stage(root / "two", {"SKILL.md": Entry(b"two\n"), "scripts/x.sh": Entry(b"#!/bin/sh\n", EXECUTABLE),
                              "link.md": Entry(b"SKILL.md", LINK)})

    def failing_lock_write() -> None:
        assert (root / "one" / "SKILL.md").read_text() == "new one\n"  # swapped in...
        raise OSError("disk full")

    with pytest.raises(OSError):
        swap.commit(then=failing_lock_write)
    assert (root / "one" / "SKILL.md").read_text() == "old one\n"  # ...and back
    assert sorted(p.name for p in root.iterdir()) == ["one"]


def test_swap_writes_modes_and_links_and_cleans_up(tmp_path: Path) -> None:
    root = tmp_path / "skills"
    swap = FolderSwap(root)
    swap.stage(root / "two", {"SKILL.md": Entry(b"two\n"), "scripts/x.sh": Entry(b"#!/bin/sh\n", EXECUTABLE),
                              "link.md": Entry(b"SKILL.md", LINK)})
    swap.commit()
    assert os.access(root / "two/scripts/x.sh", os.X_OK) and os.readlink(root / "two/link.md") == "SKILL.md"
    assert read_folder(root / "two") == {"SKILL.md": Entry(b"two\n"), "scripts/x.sh": Entry(b"#!/bin/sh\n", EXECUTABLE),
                                         "link.md": Entry(b"SKILL.md", LINK)}
    assert sorted(p.name for p in root.iterdir()) == ["two"]


def test_swap_refuses_destinations_outside_its_boundary(tmp_path: Path) -> None:
    swap = FolderSwap(tmp_path / "skills")
    with pytest.raises(GitSkillError):
        swap.stage(tmp_path / "elsewhere", {"SKILL.md": Entry(b"x\n")})
    with pytest.raises(GitSkillError):
        swap.stage(tmp_path / "skills", {"SKILL.md": Entry(b"x\n")})


def test_removal_is_applied_with_the_lock_or_not_at_all(tmp_path: Path) -> None:
    root = tmp_path / "skills"
    for name in ("one", "two"):
        (root / name).mkdir(parents=True)
        (root / name / "SKILL.md").write_text(f"{name}\n")
    swap = FolderSwap(root)
    swap.remove(root / "one")
    swap.stage(root / "two", {"SKILL.md": Entry(b"new two\n")})

    def failing_lock_write() -> None:
        assert not (root / "one").exists()
        raise OSError("disk full")

    with pytest.raises(OSError):
        swap.commit(then=failing_lock_write)
    assert (root / "one" / "SKILL.md").read_text() == "one\n" and (root / "two" / "SKILL.md").read_text() == "two\n"
    assert sorted(p.name for p in root.iterdir()) == ["one", "two"]
    again = FolderSwap(root)
    again.remove(root / "one")
    again.commit()
    assert sorted(p.name for p in root.iterdir()) == ["two"]
    with pytest.raises(GitSkillError):
        again.remove(tmp_path / "elsewhere")
