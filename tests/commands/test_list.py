"""`git skill list`: names, trimmed descriptions, paths and token estimates."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GOOD_DESCRIPTION, run_cli, skill_text, write_skill


def test_list_shows_name_description_path_and_tokens(repo: Path) -> None:
    write_skill(repo / ".agents/skills", "alpha", skill_text("alpha", description="A" * 200, body="b" * 400))
    write_skill(repo / ".agents/skills", "beta")
    result = run_cli("list", cwd=repo)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split()[:2] == ["NAME", "DESCRIPTION"]
    alpha = next(line for line in lines if line.startswith("alpha"))
    assert "A" * 59 + "…" in alpha and ".agents/skills/alpha/SKILL.md" in alpha
    assert "101" in alpha.split()  # body of 400 characters (+ blank line) ≈ 101 tokens
    assert lines[-3].startswith("2 skills: listing ≈")
    assert lines[-2:] == [f"Claude Code listing: {len('- alpha: ' + 'A' * 200) + len('- beta: ' + GOOD_DESCRIPTION) + 2} of "
                          "8,000 characters: fits", lines[-1]] and lines[-1].startswith("Codex listing: ")


def test_list_json_and_unreadable_skill(repo: Path) -> None:
    write_skill(repo / "skills", "broken", "no frontmatter here\n")
    result = run_cli("list", "--format", "json", cwd=repo)
    document = json.loads(result.out)
    assert document["skills"][0]["name"] == "broken" and document["skills"][0]["readable"] is False
    assert document["total"]["body_tokens"] == 5
