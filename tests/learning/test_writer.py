"""Writing skills: whole folders appear at once, failures leave nothing behind, the lock excludes."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.learning.writer import write_skill_folder
from git_skill.workspace import RepositoryLock, open_workspace
from tests.lock_holder import lock_held_elsewhere


def test_a_new_skill_folder_appears_whole(tmp_path: Path) -> None:
    folder = tmp_path / "skills" / "new-skill"
    write_skill_folder(folder, b"---\nname: new-skill\n---\n", {"scripts/run.sh": b"#!/bin/sh\n", "references/a.md": b"a"})
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "SKILL.md", "references/a.md", "scripts/run.sh"]
    assert (folder / "scripts/run.sh").stat().st_mode & 0o111
    assert [p.name for p in folder.parent.iterdir()] == ["new-skill"]


def test_a_failed_write_leaves_no_folder_and_no_staging(tmp_path: Path) -> None:
    folder = tmp_path / "skills" / "broken"
    with pytest.raises(OSError):
        write_skill_folder(folder, b"x", {"scripts": b"a file", "scripts/run.sh": b"then a folder of the same name"})
    assert not folder.exists() and list((tmp_path / "skills").iterdir()) == []


def test_the_lock_excludes_another_process_and_is_reentrant_in_one(repo: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_SKILL_LOCK_TIMEOUT", "0")
    workspace = open_workspace(repo)
    with RepositoryLock(workspace):
        with RepositoryLock(workspace):  # the same run, deeper: no self-deadlock
            pass
    with lock_held_elsewhere(repo):
        with pytest.raises(GitSkillError) as raised:
            with RepositoryLock(workspace):
                pass
        assert raised.value.exit_code == 5
    with RepositoryLock(workspace):  # released by the holder's exit
        pass
    assert not (repo / ".git" / "git-skill.lock").exists()  # a clean release leaves no file


def test_an_existing_folder_is_swapped_whole_keeping_what_it_does_not_rewrite(tmp_path: Path) -> None:
    folder = tmp_path / "skills" / "old-skill"
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text("old\n")
    (folder / "references" / "private.md").write_text("mine\n")
    (folder / "references" / "private.md").chmod(0o600)
    (folder / "link.md").symlink_to("references/private.md")
    (folder / "SKILL.md.bak").symlink_to("/etc/hostname")  # a link is replaced, never written through
    write_skill_folder(folder, b"new\n", {"scripts/run.sh": b"#!/bin/sh\n", "SKILL.md.bak": b"plain now\n"})
    assert (folder / "SKILL.md").read_text() == "new\n"
    assert (folder / "references" / "private.md").stat().st_mode & 0o777 == 0o600
    assert (folder / "link.md").is_symlink() and (folder / "link.md").read_text() == "mine\n"
    assert not (folder / "SKILL.md.bak").is_symlink() and (folder / "SKILL.md.bak").read_text() == "plain now\n"
    assert (folder / "scripts" / "run.sh").stat().st_mode & 0o111
    assert [p.name for p in folder.parent.iterdir()] == ["old-skill"]
