"""Finding skills: roots, nesting, config overrides, symlinks that stay or leave, ignored folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from git_skill.skills.discovery import discover, enclosing_skill
from git_skill.errors import GitSkillError
from git_skill.workspace import open_workspace

from git_skill.atomic import write_atomic
from tests.conftest import git, skill_text, write_skill


def names(discovery) -> list[str]:
    return sorted(location.folder.name for location in discovery.skills)


def test_every_default_root_is_searched(repo: Path) -> None:
    for root, name in [(".agents/skills", "a"), (".claude/skills", "b"), (".skills", "c"), (".codex/skills", "d"),
                       ("skills", "e")]:
        write_skill(repo / root, name)
    write_skill(repo / "elsewhere", "f")
    assert names(discover(open_workspace(repo))) == ["a", "b", "c", "d", "e"]


def test_discovery_works_from_a_subfolder(repo: Path) -> None:
    write_skill(repo / ".claude/skills", "a")
    sub = repo / "src" / "deep"
    sub.mkdir(parents=True)
    workspace = open_workspace(sub)
    assert workspace.root == repo.resolve()
    assert names(discover(workspace)) == ["a"]


def test_plain_folder_without_repository(tmp_path: Path) -> None:
    write_skill(tmp_path / "skills", "a")
    workspace = open_workspace(tmp_path)
    assert workspace.repo is None
    assert names(discover(workspace)) == ["a"]


def test_nested_skills_and_ignored_folders(repo: Path) -> None:
    outer = write_skill(repo / "skills", "outer")
    write_skill(outer / "variants", "inner")
    write_skill(repo / "skills" / "node_modules", "vendored")
    write_skill(repo / "skills" / ".git", "hidden")
    assert names(discover(open_workspace(repo))) == ["inner", "outer"]


def test_skills_dir_option_and_git_config_override_the_defaults(repo: Path) -> None:
    write_skill(repo / "skills", "default-one")
    write_skill(repo / "custom", "custom-one")
    workspace = open_workspace(repo)
    assert names(discover(workspace, skills_dirs=("custom",))) == ["custom-one"]
    git(repo, "config", "skill.dir", "custom")
    assert names(discover(open_workspace(repo))) == ["custom-one"]


def test_symlink_leaving_the_repository_is_reported_not_followed(repo: Path, tmp_path: Path) -> None:
    outside = write_skill(tmp_path / "outside", "stranger")
    (repo / "skills").mkdir()
    os.symlink(outside, repo / "skills" / "stranger")
    discovery = discover(open_workspace(repo))
    assert names(discovery) == []
    assert [f.rule for f in discovery.findings] == ["symlink-escape"]


def test_symlink_inside_the_repository_is_followed_once(repo: Path) -> None:
    write_skill(repo / ".agents/skills", "shared")
    (repo / ".claude").mkdir()
    os.symlink("../.agents/skills", repo / ".claude" / "skills")
    os.symlink(".", repo / ".agents/skills" / "loop")  # a cycle must not hang
    discovery = discover(open_workspace(repo))
    assert names(discovery) == ["shared"]
    assert discovery.findings == []


def test_paths_files_map_to_their_skill(repo: Path) -> None:
    skill = write_skill(repo / "skills", "a")
    (skill / "scripts").mkdir()
    (skill / "scripts" / "run.sh").write_text("#!/bin/sh\n")
    (repo / "README.md").write_text("x")
    workspace = open_workspace(repo)
    found = discover(workspace, (str(skill / "scripts" / "run.sh"), str(repo / "README.md")))
    assert names(found) == ["a"]
    assert enclosing_skill(repo / "README.md", repo) is None


def test_missing_path_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(GitSkillError) as raised:
        discover(open_workspace(repo), ("does-not-exist",))
    assert raised.value.exit_code == 2


def test_the_skills_fingerprint_changes_with_every_write_and_only_then(repo: Path) -> None:
    root = repo / ".agents" / "skills"
    write_skill(root, "alpha")
    write_skill(root, "bravo")
    workspace = open_workspace(repo)
    seen = discover(workspace).fingerprint()
    assert discover(workspace).fingerprint() == seen  # reading changes nothing
    (root / "alpha" / "SKILL.md").read_bytes()
    assert discover(workspace).fingerprint() == seen

    same_bytes = (root / "bravo" / "SKILL.md").read_bytes()
    write_atomic(root / "bravo" / "SKILL.md", same_bytes)  # another run's write: a new file, even with the same text
    replaced = discover(workspace).fingerprint()
    assert replaced != seen

    skill = root / "alpha" / "SKILL.md"
    status = skill.stat()
    with open(skill, "r+b") as handle:  # an edit in place that keeps the size: the time still tells
        handle.write(b"-")
    os.utime(skill, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))
    assert discover(workspace).fingerprint() != replaced

    edited = discover(workspace).fingerprint()
    write_skill(root, "charlie", skill_text("charlie"))
    assert discover(workspace).fingerprint() != edited  # a new skill
