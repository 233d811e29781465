"""`git skill remove`: a shared skill's folder and lock entry go together, local edits never silently."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from git_skill.sharing.lockfile import lock_path, read_lock, write_lock
from tests.conftest import Upstream, git, run_cli

SKILLS = ".agents/skills"


def shared(repo: Path, upstream: Upstream) -> None:
    assert run_cli("add", f"{upstream.url}//skills", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shared skills")


def test_remove_deletes_folder_and_entry_together(repo: Path, upstream: Upstream) -> None:
    shared(repo, upstream)
    planned = run_cli("remove", "csv-cleaning", "--dry-run", cwd=repo)
    assert planned.code == 0 and "would remove" in planned.out
    assert git(repo, "status", "--porcelain").stdout == ""
    removed = run_cli("remove", "csv-cleaning", cwd=repo)
    assert removed.code == 0, removed.err
    assert not (repo / SKILLS / "csv-cleaning").exists() and (repo / SKILLS / "pdf-forms/SKILL.md").exists()
    assert set(read_lock(repo)) == {f"{SKILLS}/pdf-forms"}
    assert run_cli("status", "--no-fetch", cwd=repo).code == 0
    assert run_cli("remove", f"{SKILLS}/pdf-forms", cwd=repo).code == 0  # by lock path; the last one
    assert not lock_path(repo).exists() and not (repo / SKILLS / "pdf-forms").exists()
    assert sorted(p.name for p in (repo / SKILLS).iterdir()) == []  # no staging or set-aside folders left


def test_local_edits_are_never_deleted_silently(repo: Path, upstream: Upstream) -> None:
    shared(repo, upstream)
    skill = repo / SKILLS / "pdf-forms/SKILL.md"
    skill.write_text(skill.read_text() + "\nOur own note.\n")
    refused = run_cli("remove", "pdf-forms", "csv-cleaning", cwd=repo)
    assert refused.code == 4 and "locally modified" in refused.err and "--keep-files" in refused.err
    assert "Our own note." in skill.read_text() and (repo / SKILLS / "csv-cleaning").is_dir()
    assert len(read_lock(repo)) == 2  # nothing removed, not even the unmodified one
    kept = run_cli("remove", "pdf-forms", "--keep-files", cwd=repo)
    assert kept.code == 0 and "the folder stays" in kept.out
    assert "Our own note." in skill.read_text() and set(read_lock(repo)) == {f"{SKILLS}/csv-cleaning"}
    lint = run_cli("lint", str(repo / SKILLS / "pdf-forms"), cwd=repo)
    assert "Traceback" not in lint.err
    skill.write_text(skill.read_text() + "More.\n")
    assert run_cli("update", cwd=repo).code == 0 and "More." in skill.read_text()  # update no longer touches it


def test_force_deletes_an_edited_folder_and_a_gone_folder_only_loses_its_entry(repo: Path, upstream: Upstream) -> None:
    shared(repo, upstream)
    skill = repo / SKILLS / "pdf-forms/SKILL.md"
    skill.write_text(skill.read_text() + "\nOur own note.\n")
    assert run_cli("remove", "pdf-forms", "--force", cwd=repo).code == 0
    assert not skill.parent.exists()
    shutil.rmtree(repo / SKILLS / "csv-cleaning")
    gone = run_cli("remove", "csv-cleaning", cwd=repo)
    assert gone.code == 0 and "already gone" in gone.out and not lock_path(repo).exists()


def test_bad_names_and_ambiguous_names_change_nothing(repo: Path, upstream: Upstream) -> None:
    assert run_cli("remove", "anything", cwd=repo).code == 2  # nothing shared
    shared(repo, upstream)
    # two roots sharing one name, as a skills.lock written before add refused that can hold (add never makes it now)
    shutil.copytree(repo / SKILLS / "pdf-forms", repo / ".claude/skills/pdf-forms")
    entries = read_lock(repo)
    entries[".claude/skills/pdf-forms"] = replace(entries[f"{SKILLS}/pdf-forms"], path=".claude/skills/pdf-forms")
    write_lock(repo, entries)
    before = lock_path(repo).read_text()
    unknown = run_cli("remove", "nope", cwd=repo)
    assert unknown.code == 2 and "not a shared skill" in unknown.err
    both = run_cli("remove", "pdf-forms", cwd=repo)
    assert both.code == 2 and "name one by its path" in both.err
    assert run_cli("remove", cwd=repo).code == 2  # a name is required
    assert lock_path(repo).read_text() == before
    assert (repo / SKILLS / "pdf-forms").is_dir() and (repo / ".claude/skills/pdf-forms").is_dir()
    assert run_cli("remove", ".claude/skills/pdf-forms", cwd=repo).code == 0
    assert (repo / SKILLS / "pdf-forms").is_dir() and not (repo / ".claude/skills/pdf-forms").exists()
