"""`git skill link`: real symbolic links and copies in temporary repositories, kept in step by the writers."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import REPO_ROOT, Upstream, git, run_cli, skill_text, write_skill


def skills_in(repo: Path) -> Path:
    root = repo / ".agents" / "skills"
    write_skill(root, "pdf-forms")
    write_skill(root, "csv-cleaning")
    return root


def listed(repo: Path) -> list[str]:
    result = run_cli("list", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return sorted(skill["path"] for skill in json.loads(result.out)["skills"])


def test_link_makes_relative_links_records_the_agent_and_counts_each_skill_once(repo: Path) -> None:
    skills_in(repo)
    result = run_cli("link", "claude-code", "codex", cwd=repo)
    assert result.code == 0, result.out + result.err
    assert "Codex: reads every skill where it is" in result.out
    link = repo / ".claude" / "skills" / "pdf-forms"
    assert link.is_symlink() and os.readlink(link) == "../../.agents/skills/pdf-forms"
    assert (link / "SKILL.md").read_text() == (repo / ".agents/skills/pdf-forms/SKILL.md").read_text()
    assert git(repo, "config", "--get-all", "skill.agents").stdout.split() == ["claude-code", "codex"]
    # .claude/skills is a default skills root too: each skill is still counted (and named) once
    assert listed(repo) == [".agents/skills/csv-cleaning/SKILL.md", ".agents/skills/pdf-forms/SKILL.md"]
    validated = run_cli("validate", cwd=repo)
    assert validated.code == 0 and "2 skills checked" in validated.out, validated.out
    linted = run_cli("lint", "--format", "json", cwd=repo)
    assert not [f for f in json.loads(linted.out)["findings"] if f["rule"] == "shadowed-name"], linted.out
    checked = run_cli("link", "--check", cwd=repo)
    assert checked.code == 0 and "in step" in checked.out
    status = run_cli("status", cwd=repo)  # no skills.lock, but agents to report on
    assert status.code == 0 and "every agent's links and copies are in step" in status.out
    again = run_cli("link", "claude-code", cwd=repo)  # idempotent
    assert again.code == 0 and "0 of 2 links" in again.out


def test_copies_are_refreshed_when_their_skill_changes_and_an_edited_copy_is_reported(repo: Path) -> None:
    root = skills_in(repo)
    assert run_cli("link", "claude-code", "--copy", cwd=repo).code == 0
    copy = repo / ".claude" / "skills" / "pdf-forms"
    assert copy.is_dir() and not copy.is_symlink() and (copy / ".git-skill-copy").is_file()
    assert git(repo, "config", "skill.agents").stdout.strip() == "claude-code:copy"
    assert len(listed(repo)) == 2  # a copy is the same skill again, not a third one
    (root / "pdf-forms" / "SKILL.md").write_text(skill_text("pdf-forms", body="# Steps\n\nFlatten first.\n"))
    stale = run_cli("link", "--check", cwd=repo)
    assert stale.code == 1 and "pdf-forms: stale (its source changed)" in stale.out
    assert "[agent-copy-drift]" in run_cli("validate", cwd=repo).out
    assert run_cli("link", cwd=repo).code == 0  # no AGENT: every recorded agent brought up to date
    assert "Flatten first." in (copy / "SKILL.md").read_text()
    (copy / "SKILL.md").write_text(skill_text("pdf-forms", body="# Steps\n\nMy own edit.\n"))
    drifted = run_cli("link", "--check", cwd=repo)
    assert drifted.code == 1 and "a copy edited by hand" in drifted.out
    kept = run_cli("link", cwd=repo)
    assert kept.code == 1 and "My own edit." in (copy / "SKILL.md").read_text()  # never overwritten
    status = run_cli("status", "--no-fetch", "--exit-code", cwd=repo)
    assert status.code == 1 and "agent link  Claude Code: .claude/skills/pdf-forms: a copy edited by hand" in status.out


def test_add_update_remove_and_learn_keep_every_linked_agent_in_step(repo: Path, upstream: Upstream) -> None:
    git(repo, "config", "skill.dir", "skills")  # a folder no agent reads by itself
    write_skill(repo / "skills", "own-skill")
    assert run_cli("link", "claude-code", cwd=repo).code == 0
    assert run_cli("link", "gemini-cli", "--copy", cwd=repo).code == 0
    claude, gemini = repo / ".claude/skills", repo / ".gemini/skills"
    assert (claude / "own-skill").is_symlink() and (gemini / "own-skill" / ".git-skill-copy").is_file()
    assert os.readlink(claude / "own-skill") == "../../skills/own-skill"

    added = run_cli("add", f"{upstream.url}//skills", cwd=repo)
    assert added.code == 0, added.out + added.err
    assert os.readlink(claude / "pdf-forms") == "../../skills/pdf-forms"
    assert (gemini / "pdf-forms" / "scripts" / "fill.sh").is_file()

    upstream.write("skills/pdf-forms/SKILL.md", skill_text(
        "pdf-forms", "Fill PDF forms with the project's filler. Use when a PDF form must be filled.",
        "# Steps\n\nRun scripts/fill.sh on the form, then flatten it.\n\n## Pitfalls\n\nNone recorded.\n"))
    upstream.commit("flatten")
    assert run_cli("update", "pdf-forms", cwd=repo).code == 0
    assert "then flatten it" in (gemini / "pdf-forms" / "SKILL.md").read_text()

    assert run_cli("remove", "csv-cleaning", cwd=repo).code == 0
    assert not os.path.lexists(claude / "csv-cleaning") and not os.path.lexists(gemini / "csv-cleaning")

    learned = run_cli("learn", str(REPO_ROOT / "examples/sessions/fix-csv-report"), cwd=repo)
    assert learned.code == 0, learned.err
    assert os.readlink(claude / "fix-csv-report") == "../../skills/fix-csv-report"
    assert (gemini / "fix-csv-report" / "SKILL.md").is_file()
    assert "seen by Claude Code, Gemini CLI" in learned.out  # linked agents see it too
    assert run_cli("link", "--check", cwd=repo).code == 0
    assert len(listed(repo)) == 3


def test_uninstall_removes_only_what_it_made(repo: Path) -> None:
    skills_in(repo)
    own = write_skill(repo / ".claude/skills", "claude-only")  # the user's own skill in the agent's folder
    os.symlink("../../README.md", repo / ".claude/skills/notes")  # a link git-skill did not make
    os.symlink("claude-only", repo / ".claude/skills/alias")  # nor this one, into the agent's own folder
    (repo / "README.md").write_text("readme\n")
    (repo / ".claude/skills/csv-cleaning").write_text("notes, not a skill\n")  # a name already taken
    linked = run_cli("link", "claude-code", cwd=repo)
    assert linked.code == 1 and "csv-cleaning: exists and was not made by git-skill" in linked.out
    assert (repo / ".claude/skills/pdf-forms").is_symlink()
    assert not (repo / ".claude/skills/csv-cleaning").is_symlink()
    removed = run_cli("link", "--uninstall", "claude-code", cwd=repo)
    assert removed.code == 0 and "removed 1 link" in removed.out
    assert sorted(p.name for p in (repo / ".claude/skills").iterdir()) == ["alias", "claude-only", "csv-cleaning",
                                                                           "notes"]
    assert (own / "SKILL.md").is_file() and os.path.islink(repo / ".claude/skills/notes")
    assert git(repo, "config", "--get-all", "skill.agents", check=False).stdout == ""


def test_an_edited_copy_survives_uninstall_without_force(repo: Path) -> None:
    skills_in(repo)
    assert run_cli("link", "claude-code", "--copy", cwd=repo).code == 0
    (repo / ".claude/skills/pdf-forms/SKILL.md").write_text(skill_text("pdf-forms", body="# Mine\n"))
    kept = run_cli("link", "--uninstall", "claude-code", cwd=repo)
    assert kept.code == 0 and "kept .claude/skills/pdf-forms: edited by hand" in kept.out
    assert (repo / ".claude/skills/pdf-forms/SKILL.md").is_file()
    assert not (repo / ".claude/skills/csv-cleaning").exists()
    assert run_cli("link", "--uninstall", "claude-code", "--force", cwd=repo).code == 0
    assert not (repo / ".claude").exists()  # the folders it made, once empty, go too


def test_a_dangling_link_is_reported_then_removed(repo: Path) -> None:
    root = skills_in(repo)
    assert run_cli("link", "claude-code", cwd=repo).code == 0
    for path in (root / "csv-cleaning").iterdir():
        path.unlink()
    (root / "csv-cleaning").rmdir()
    checked = run_cli("link", "--check", cwd=repo)
    assert checked.code == 1 and "csv-cleaning: its skill is gone" in checked.out
    assert run_cli("link", cwd=repo).code == 0
    assert not os.path.lexists(repo / ".claude/skills/csv-cleaning")


def test_bad_input(repo: Path, tmp_path: Path) -> None:
    skills_in(repo)
    unknown = run_cli("link", "claude", cwd=repo)
    assert unknown.code == 2 and "unknown agent 'claude'" in unknown.err and "claude-code" in unknown.err
    assert run_cli("link", "--force", "claude-code", cwd=repo).code == 2
    assert run_cli("link", "--check", "--uninstall", "claude-code", cwd=repo).code == 2
    assert run_cli("link", "--uninstall", cwd=repo).code == 2
    assert run_cli("link", "--copy", cwd=repo).code == 2
    nothing = run_cli("link", "--check", cwd=repo)
    assert nothing.code == 2 and "no agents recorded" in nothing.err
    git(repo, "config", "skill.agents", "vim")
    broken = run_cli("link", "--check", cwd=repo)
    assert broken.code == 2 and "skill.agents holds 'vim'" in broken.err and "Traceback" not in broken.err
    plain = tmp_path / "plain"
    plain.mkdir()
    assert run_cli("link", "claude-code", cwd=plain).code == 2
    listing = run_cli("link", "--list", cwd=plain)
    assert listing.code == 0 and "letta-code" in listing.out


def test_staged_checks_count_a_linked_or_copied_skill_once(repo: Path) -> None:
    skills_in(repo)
    assert run_cli("link", "claude-code", "--copy", cwd=repo).code == 0
    git(repo, "add", "-A")
    for command in ("validate", "lint"):
        for extra in ((), ("--staged",)):
            result = run_cli(command, *extra, cwd=repo)
            assert result.code == 0 and "2 skills checked" in result.out, (command, extra, result.out)
            assert ".claude/skills" not in result.out and "shadowed-name" not in result.out, result.out


def test_an_agent_folder_that_is_itself_a_link(repo: Path, tmp_path: Path) -> None:
    root = skills_in(repo)
    (repo / ".claude").mkdir()
    os.symlink("../.agents/skills", repo / ".claude/skills")  # the user already shares the folder
    linked = run_cli("link", "claude-code", cwd=repo)
    assert linked.code == 0 and "nothing to link" in linked.out
    assert (root / "pdf-forms").is_dir() and not (root / "pdf-forms").is_symlink()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo / ".claude/skills").unlink()
    os.symlink(str(outside), repo / ".claude/skills")
    refused = run_cli("link", "claude-code", cwd=repo)
    assert refused.code == 4 and "outside the repository" in refused.err
    assert list(outside.iterdir()) == []


def test_staging_left_by_an_interrupted_run_is_cleaned_up(repo: Path) -> None:
    skills_in(repo)
    assert run_cli("link", "claude-code", "--copy", cwd=repo).code == 0
    leftover = repo / ".claude/skills/.pdf-forms.git-skill-4242"
    (leftover / "scripts").mkdir(parents=True)
    (leftover / "SKILL.md").write_text("half a copy")
    checked = run_cli("link", "--check", cwd=repo)
    assert checked.code == 1 and "left by an interrupted run" in checked.out
    assert run_cli("link", cwd=repo).code == 0
    assert not leftover.exists() and (repo / ".claude/skills/pdf-forms/SKILL.md").is_file()


def test_learn_commit_commits_the_agents_links_with_the_skill(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    assert run_cli("link", "claude-code", cwd=repo).code == 0
    learned = run_cli("learn", str(REPO_ROOT / "examples/sessions/fix-csv-report"), "--commit", cwd=repo)
    assert learned.code == 0, learned.err
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").stdout.split()
    assert ".claude/skills/fix-csv-report" in committed and ".agents/skills/fix-csv-report/SKILL.md" in committed
    assert git(repo, "status", "--porcelain").stdout == ""


def test_an_unwritable_agent_folder_is_one_clear_message(repo: Path, upstream: Upstream) -> None:
    write_skill(repo / ".agents" / "skills", "csv-cleaning")  # not pdf-forms: add refuses a name another root has
    (repo / ".claude").write_text("a file where the agent's folder should be\n")
    failed = run_cli("link", "claude-code", cwd=repo)
    assert failed.code == 3 and "cannot write .claude/skills/" in failed.err and "Traceback" not in failed.err
    git(repo, "config", "skill.agents", "claude-code")
    added = run_cli("add", f"{upstream.url}//skills/pdf-forms", "--skills-dir", "team", cwd=repo)
    assert added.code == 0 and "warning: cannot write .claude/skills/" in added.err  # the add itself succeeded
    assert (repo / "team/pdf-forms/SKILL.md").is_file()


def test_a_name_the_agent_already_has_gets_no_link(repo: Path) -> None:
    skills_in(repo)
    own = write_skill(repo / ".claude/skills", "pdf-forms", skill_text("pdf-forms", body="# Claude's own\n"))
    linked = run_cli("link", "claude-code", cwd=repo)
    assert linked.code == 0 and "1 of 1 links" in linked.out, linked.out
    assert not own.is_symlink() and "Claude's own" in (own / "SKILL.md").read_text()
    assert (repo / ".claude/skills/csv-cleaning").is_symlink()
    assert run_cli("link", "--check", cwd=repo).code == 0
