"""Listing budgets per agent in `list` and lint's `listing-budget`; lint's `skill-never-loaded`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_FIXTURES, git, run_cli, skill_text, write_skill
from tests.support.transcripts import claude_session

PUBLISHED = SHARED_FIXTURES / "skills"


def budgets(repo: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = run_cli("list", "--format", "json", *args, cwd=repo)
    assert result.code == 0, result.err
    return {b["agent"]: b for b in json.loads(result.out)["budgets"]}


def listing_findings(repo: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("lint", "--format", "json", *args, cwd=repo)
    assert result.code in (0, 1), result.err
    return [f for f in json.loads(result.out)["findings"] if f["rule"] == "listing-budget"]


def long_skills(root: Path, count: int, words: int = 60) -> list[str]:
    """`count` skills of our own, each description `words` words long (different lengths)."""
    names = []
    for number in range(count):
        name = f"task-{number:02d}"
        description = "Use when " + " ".join(f"step{number}x{w}" for w in range(words + number)) + "."
        write_skill(root, name, skill_text(name, description))
        names.append(name)
    return names


@pytest.mark.skipif(not PUBLISHED.is_dir(), reason="../shared/fixtures is not here")
def test_31_published_skills_overflow_claude_codes_listing(repo: Path) -> None:
    skills = repo / ".claude" / "skills"
    for folder in sorted(PUBLISHED.glob("*/*")):
        if (folder / "SKILL.md").is_file():
            shutil.copytree(folder, skills / folder.name)
    write_skill(skills, "release-notes", skill_text("release-notes", "Write release notes from merged pull "
                "requests, grouped by area, with breaking changes first. Use when cutting a release or tagging."))
    write_skill(skills, "flaky-tests", skill_text("flaky-tests", "Find and quarantine flaky tests: rerun failures, "
                "compare seeds and timings, mark with a tracking issue. Use when CI fails on unrelated changes."))
    assert len(list(skills.glob("*/SKILL.md"))) == 31
    found = budgets(repo)
    claude = found["claude-code"]
    assert claude["budget_chars"] == 8000 and claude["used_chars"] > 8000 and claude["dropped"]
    assert found["codex"]["budget_chars"] == 5440 and found["codex"]["dropped"]
    warnings = listing_findings(repo)
    assert {f["severity"] for f in warnings} == {"warning"}
    assert any("Claude Code" in f["message"] and claude["dropped"][0] in f["message"] for f in warnings)
    text = run_cli("list", cwd=repo).out
    assert re.search(r"^Claude Code listing: [\d,]+ of 8,000 characters: drops the descriptions of \d+ skill", text, re.M)
    roomy = budgets(repo, "--context-window", "1000000")["claude-code"]
    assert roomy["budget_chars"] == 40000 and roomy["dropped"] == []


def test_three_small_skills_fit_every_listing(repo: Path) -> None:
    for name in ("format-code", "run-tests", "write-docs"):
        write_skill(repo / ".agents" / "skills", name)
    assert all(b["dropped"] == [] and b["used_chars"] < b["budget_chars"] for b in budgets(repo).values())
    assert listing_findings(repo) == []
    assert "Claude Code listing: " in run_cli("list", cwd=repo).out and ": fits" in run_cli("list", cwd=repo).out


def test_longest_dropped_first_then_least_loaded_first(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = long_skills(repo / ".claude" / "skills", 12)
    git(repo, "config", "skill.listingBudgetFraction", "0.005")  # 4,000 characters
    claude = budgets(repo)["claude-code"]
    assert claude["budget_chars"] == 4000
    assert claude["dropped"][0] == names[-1]  # the longest description goes first without usage data
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    root = str(repo.resolve())
    folder = tmp_path / "claude" / "projects" / re.sub(r"[^A-Za-z0-9]", "-", root)
    claude_session(folder / "s.jsonl", root, [("t1", "Skill", {"skill": names[-1]})])
    used = budgets(repo)["claude-code"]
    assert names[-1] not in used["dropped"] and used["dropped"][0] == names[-2]
    assert len(listing_findings(repo)) == 2  # Claude Code and Codex


def test_budget_settings_that_are_not_numbers_are_usage_errors(repo: Path) -> None:
    write_skill(repo / ".claude" / "skills", "format-code")
    git(repo, "config", "skill.listingBudgetFraction", "lots")
    bad = run_cli("list", cwd=repo)
    assert bad.code == 2 and "skill.listingBudgetFraction" in bad.err and "Traceback" not in bad.err
    git(repo, "config", "skill.listingBudgetFraction", "2")
    assert run_cli("lint", cwd=repo).code == 2
    git(repo, "config", "--unset", "skill.listingBudgetFraction")
    git(repo, "config", "skill.listingContextWindow", "-5")
    assert run_cli("list", cwd=repo).code == 2
    assert run_cli("list", "--context-window", "0", cwd=repo).code == 2


def test_lint_warns_on_skills_never_loaded_when_configured(repo: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("format-code", "run-tests"):
        write_skill(repo / ".claude" / "skills", name)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    root = str(repo.resolve())
    folder = tmp_path / "claude" / "projects" / re.sub(r"[^A-Za-z0-9]", "-", root)
    claude_session(folder / "one.jsonl", root, [("t1", "Skill", {"skill": "format-code"})])

    def never_loaded() -> list[str]:
        result = run_cli("lint", "--format", "json", cwd=repo)
        return [f["path"] for f in json.loads(result.out)["findings"] if f["rule"] == "skill-never-loaded"]

    assert never_loaded() == []  # not configured
    (repo / ".git-skill.toml").write_text("[lint]\nnever-loaded-sessions = 2\n", encoding="utf-8")
    assert never_loaded() == []  # one session recorded: too little to judge
    claude_session(folder / "two.jsonl", root, [("t1", "Bash", {"command": "ls"})])
    assert never_loaded() == [".claude/skills/run-tests/SKILL.md"]
    (repo / ".git-skill.toml").write_text("[lint]\nnever-loaded-sessions = 0\n", encoding="utf-8")
    assert run_cli("lint", cwd=repo).code == 2  # not a positive integer
