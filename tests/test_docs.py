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


# Names of files agents and tools read (not documents of this project) that code mentions as examples.
_FILE_NAMES = {"SKILL.md", "AGENTS.md", "AGENT.md", "CLAUDE.md", "GEMINI.md", "README.md", "CONVENTIONS.md",
               "CHANGELOG.md", "CONTRIBUTING.md"}


def test_code_cites_only_documents_in_the_repository() -> None:
    """A docstring or comment that cites a document (an upper-case name, or one under docs/) sends a reader
    to a file that must exist."""
    missing = set()
    for folder in ("git_skill", "tests", "bench", "hooks"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for cited in re.findall(r"(?<![\w/.-])(docs/[a-z][\w-]+\.md|[A-Z][A-Z_]+\.md)\b", source):
                if cited not in _FILE_NAMES and not (ROOT / cited).is_file() and path.name != "test_docs.py":
                    missing.add(f"{path.relative_to(ROOT)}: {cited}")
    assert not missing, sorted(missing)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target, anchor in re.findall(r"\]\(([^)\s#]*)(?:#([^)]*))?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            linked = page.parent / target if target else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor}")
    assert not broken, broken


def _command_sections() -> dict[str, str]:
    """docs/commands.md cut at its `## \\`git skill NAME …\\`` headings: the text of each command's section."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `git skill ([a-z-]+)[^`]*`$", text, flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ")[0] for i in range(1, len(parts), 2)}


def test_the_readme_is_a_short_page_with_a_clone_line_and_one_row_per_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "git clone " in quick_start and "python3 -m venv" in quick_start
    assert "git skill learn examples/sessions/" in quick_start and "python -m pytest" in quick_start
    rows = dict(re.findall(r"^\| `git skill ([a-z-]+)[^`]*` \| (.+) \|$", readme, re.M))
    assert rows == COMMANDS  # the table says what `git skill -h` says, one line each


def test_every_option_of_every_command_is_in_the_command_reference() -> None:
    """docs/commands.md is the reference: each command has a section naming every option `-h` lists."""
    import click

    from git_skill.cli import cli

    sections = _command_sections()
    context = click.Context(cli)
    missing = []
    for name in COMMANDS:
        assert name in sections, f"docs/commands.md has no section for git skill {name}"
        command = cli.get_command(context, name)
        for param in command.params:
            for option in [*param.opts, *param.secondary_opts] if isinstance(param, click.Option) else []:
                if option.startswith("--") and option != "--help" and option not in sections[name]:
                    missing.append(f"{name} {option}")
    assert not missing, missing


def test_the_docs_explain_the_words_a_newcomer_meets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for word in ("the seed", "Harbor", "ATIF", "CTRF"):
        assert re.search(rf"\*\*{re.escape(word)}\*\*", readme, re.I), word
    assert "**The method**" in (ROOT / "docs" / "development.md").read_text(encoding="utf-8") or \
        "**the method**" in (ROOT / "docs" / "development.md").read_text(encoding="utf-8")


def test_the_development_page_names_every_package_and_top_level_module() -> None:
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    missing = [f"git_skill/{p.name}/" for p in (ROOT / "git_skill").iterdir()
               if (p / "__init__.py").is_file() and f"git_skill/{p.name}/" not in text]
    missing += [p.name for p in (ROOT / "git_skill").glob("*.py")
                if p.name not in ("__init__.py", "__main__.py") and f"`{p.name}`" not in text]
    assert not missing, missing


def test_the_readme_example_is_what_learn_writes(repo: Path) -> None:
    """Each line the README shows of the learned example is a line that `git skill learn
    examples/sessions/fix-csv-report --dry-run` prints, in the same order: a line the README cuts with `…`
    begins one; an indented line continuing a cut one is not checked (its wording may move)."""
    from tests.conftest import run_cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```markdown\n", 1)[1].split("```", 1)[0].splitlines()
    result = run_cli("learn", str(ROOT / "examples" / "sessions" / "fix-csv-report"), "--dry-run", cwd=repo)
    assert result.code == 0, result.err
    written = result.out.splitlines()
    position = 0
    for line in shown:
        if line.startswith("  ") and not line.lstrip().startswith("learned-"):
            continue
        cut = line.split("…", 1)[0].rstrip()
        found = next((i for i in range(position, len(written))
                      if (written[i].startswith(cut) if "…" in line else written[i] == line)), None)
        assert found is not None, line
        position = found + 1
