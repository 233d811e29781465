"""Documentation kept in step with the code: every rule documented, README commands real."""

from __future__ import annotations

import re
from pathlib import Path

from git_skill.cli import COMMANDS
from git_skill.skills.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_rules_doc_lists_exactly_the_catalog() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \| (?:error|warning|info) \|", text, re.M))
    assert documented == set(RULES)


def test_every_rule_id_used_in_code_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in (ROOT / "git_skill").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:_finding|add|Problem)\(\s*"([a-z]+(?:-[a-z0-9]+)+)"', source))
        used |= set(re.findall(r'RULES\["([a-z-]+)"\]', source))
    schema = (ROOT / "schemas" / "skill-frontmatter.schema.json").read_text(encoding="utf-8")
    used |= set(re.findall(r'"(?:type|required|additionalProperties|minLength|maxLength|pattern)": "([a-z]+-[a-z-]+)"', schema))
    assert used, "the scan found no rule ids"
    assert used - set(RULES) == set()


def test_readme_mentions_every_command_and_the_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"git skill {name}" in readme, name
    for code in ("0", "1", "2", "3", "4", "5", "6", "130"):
        assert f"| {code} |" in readme


def test_lint_doc_lists_exactly_the_lint_catalog() -> None:
    from git_skill.lint.catalog import LINT_RULES

    text = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \| (?:error|warning|info) \|", text, re.M))
    assert documented == set(LINT_RULES)
