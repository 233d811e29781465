"""`git skill index`: a managed block in AGENTS.md, the rest of the file untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import git, run_cli, skill_text, write_skill
from tests.lock_holder import lock_held_elsewhere

HUMAN = "# Working in this repository\n\nRun `make test` before pushing.\n"


def test_index_appends_a_block_leaves_the_rest_alone_and_is_idempotent(repo: Path) -> None:
    write_skill(repo / ".agents/skills", "pdf-forms")
    write_skill(repo / ".claude/skills", "csv-cleaning", skill_text(
        "csv-cleaning", "Clean CSV files.\n  Use when parsing fails."))
    agents_md = repo / "AGENTS.md"
    agents_md.write_text(HUMAN)
    os.chmod(agents_md, 0o600)
    assert run_cli("link", "claude-code", cwd=repo).code == 0  # a link is not a second skill in the index
    written = run_cli("index", cwd=repo)
    assert written.code == 0 and "updated" in written.out
    text = agents_md.read_text()
    assert text.startswith(HUMAN + "\n<!-- git-skill index: start")
    entry = "- **csv-cleaning** (`.claude/skills/csv-cleaning/SKILL.md`): Clean CSV files. Use when parsing fails."
    assert entry in text
    assert text.count("**pdf-forms**") == 1 and "(`.agents/skills/pdf-forms/SKILL.md`)" in text
    assert os.stat(agents_md).st_mode & 0o777 == 0o600
    again = run_cli("index", cwd=repo)
    assert again.code == 0 and "up to date" in again.out and agents_md.read_text() == text
    assert run_cli("index", "--check", cwd=repo).code == 0

    agents_md.write_text(text + "\n## Later notes\n\nKeep me.\n")
    write_skill(repo / ".agents/skills", "new-skill")
    stale = run_cli("index", "--check", cwd=repo)
    assert stale.code == 1 and "stale" in stale.out
    assert run_cli("index", cwd=repo).code == 0
    updated = agents_md.read_text()
    assert updated.startswith(HUMAN) and updated.endswith("\n## Later notes\n\nKeep me.\n")
    assert "**new-skill**" in updated and updated.count("<!-- git-skill index: start") == 1


def test_index_creates_the_file_and_keeps_crlf(repo: Path) -> None:
    write_skill(repo / ".agents/skills", "pdf-forms")
    assert run_cli("index", "--check", cwd=repo).code == 1
    assert not (repo / "AGENTS.md").exists()
    assert run_cli("index", cwd=repo).code == 0
    assert (repo / "AGENTS.md").read_text().startswith("<!-- git-skill index: start")
    (repo / "docs").mkdir()
    crlf = repo / "docs" / "AGENTS.md"
    crlf.write_bytes(b"# Notes\r\n\r\nHello.\r\n")
    assert run_cli("index", "--file", "docs/AGENTS.md", cwd=repo).code == 0
    data = crlf.read_bytes()
    assert data.startswith(b"# Notes\r\n\r\nHello.\r\n\r\n<!-- git-skill index")
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line ending stays CRLF


def test_bad_input(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_skill(repo / ".agents/skills", "pdf-forms")
    agents_md = repo / "AGENTS.md"
    agents_md.write_bytes(b"\xff\xfe not utf-8")
    bad = run_cli("index", cwd=repo)
    assert bad.code == 3 and "not valid UTF-8" in bad.err
    assert agents_md.read_bytes() == b"\xff\xfe not utf-8"
    agents_md.write_text("<!-- git-skill index: end -->\ntext\n<!-- git-skill index: start -->\n")
    broken = run_cli("index", cwd=repo)
    assert broken.code == 3 and "markers" in broken.err and "Traceback" not in broken.err
    assert (repo / "AGENTS.md").read_text().startswith("<!-- git-skill index: end -->")
    agents_md.write_text(HUMAN)
    monkeypatch.setenv("GIT_SKILL_LOCK_TIMEOUT", "0.3")
    with lock_held_elsewhere(repo):
        locked = run_cli("index", cwd=repo)
    assert locked.code == 5 and agents_md.read_text() == HUMAN
    git(repo, "status")  # the repository is untouched


def test_check_staged_reads_the_file_and_the_skills_from_the_index(repo: Path) -> None:
    write_skill(repo / ".agents/skills", "pdf-forms")
    assert run_cli("index", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "skills and their index")
    write_skill(repo / ".agents/skills", "draft-skill")  # not added to git: not part of the next commit
    (repo / "notes.txt").write_text("unrelated change")
    git(repo, "add", "notes.txt")
    assert run_cli("index", "--check", cwd=repo).code == 1  # the work tree has a skill the index lacks
    staged = run_cli("index", "--check", "--staged", cwd=repo)
    assert staged.code == 0, staged.out  # the commit records no new skill: its index is right

    git(repo, "add", ".agents/skills/draft-skill")
    stale = run_cli("index", "--check", "--staged", cwd=repo)
    assert stale.code == 1 and "as staged is stale" in stale.out and "stage the file" in stale.out
    assert run_cli("index", cwd=repo).code == 0  # rewritten in the work tree, not yet staged
    assert run_cli("index", "--check", "--staged", cwd=repo).code == 1
    git(repo, "add", "AGENTS.md")
    assert run_cli("index", "--check", "--staged", cwd=repo).code == 0
    (repo / ".agents/skills/draft-skill/SKILL.md").write_text(skill_text("draft-skill", "Changed but not staged. "
                                                                             "Use when testing the index."))
    assert run_cli("index", "--check", "--staged", cwd=repo).code == 0  # the staged description still matches


def test_staged_goes_with_check(repo: Path) -> None:
    result = run_cli("index", "--staged", cwd=repo)
    assert result.code == 2 and "--staged goes with --check" in result.err
