"""folders: os.walk, mkdir(parents=True) and shutil.rmtree without recursion per level."""

from __future__ import annotations

import os
from pathlib import Path

from git_skill.folders import make_folders, remove_tree, require_readable, scratch_folder, walk


def sample_tree(root: Path, outside: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.txt").write_text("x")
    (root / "c").mkdir()
    (root / "top.txt").write_text("y")
    (root / "link-out").symlink_to(outside)
    (root / "loop").symlink_to("loop")


def test_walk_gives_what_os_walk_gives(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    sample_tree(tmp_path / "root", outside)
    ours = [(folder, sorted(dirs), sorted(names)) for folder, dirs, names in walk(tmp_path / "root")]
    theirs = [(folder, sorted(dirs), sorted(names)) for folder, dirs, names in os.walk(tmp_path / "root")]
    assert sorted(ours) == sorted(theirs)


def test_remove_tree_never_follows_a_link_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    sample_tree(tmp_path / "root", outside)
    remove_tree(tmp_path / "root")
    assert not (tmp_path / "root").exists() and (outside / "keep.txt").read_text() == "keep"
    remove_tree(tmp_path / "root")  # already gone: no error


def test_deep_folders_are_made_and_removed(tmp_path: Path) -> None:
    deep = tmp_path / "deep"
    for _ in range(1500):
        deep = deep / "d"
    try:
        make_folders(deep)
        (deep / "f").write_text("x")
        assert deep.is_dir() and len(list(walk(tmp_path / "deep"))) == 1501
    finally:  # even on failure: pytest's own clean-up of a later session would hit RecursionError on it
        remove_tree(tmp_path / "deep")
    assert not (tmp_path / "deep").exists()


def test_scratch_folder_is_removed_and_fifos_are_refused(tmp_path: Path) -> None:
    with scratch_folder("git-skill-test-") as scratch:
        (scratch / "x").write_text("x")
    assert not scratch.exists()
    os.mkfifo(tmp_path / "pipe")
    for path, folder_ok in ((tmp_path / "pipe", True), (tmp_path, False)):
        try:
            require_readable(path, folder_ok)
        except Exception as error:  # noqa: BLE001 - the type is what is checked
            assert type(error).__name__ == "GitSkillError" and getattr(error, "exit_code") == 3
        else:
            raise AssertionError(f"{path} was accepted")
    require_readable(tmp_path, folder_ok=True)
    require_readable(tmp_path / "missing")  # missing is for the caller to report
