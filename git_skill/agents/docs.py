"""Render `docs/agents.md` from the agents table, so the page cannot drift from the data.

Run `python -m git_skill.agents.docs > docs/agents.md` after changing `table.py`; a test
fails while the page and the table disagree.
"""

from __future__ import annotations

from git_skill.agents.table import AGENTS

HEADER = """# Which agents see your skills

Generated from `git_skill/agents/table.py` by `python -m git_skill.agents.docs`; do not edit by hand.

Each agent loads skills from folders of its own. A skill in a folder an agent does not read is
invisible to it: `git skill learn` writes where the agent whose session it learned from looks,
and `git skill link AGENT…` exposes the repository's skills to the others (a relative symbolic
link per skill in the agent's own folder, or a copy with `--copy`). `git skill index` lists the
skills in `AGENTS.md` for agents that read that file but load no skills.

| agent | id | project folders | user folders | home variable | link folder | ambiguous | source |
|---|---|---|---|---|---|---|---|
"""


def _code(paths: tuple[str, ...]) -> str:
    return ", ".join(f"`{p}`" for p in paths)


def render() -> str:
    """The whole page: the table, then each agent's notes (ambiguities said out loud)."""
    rows = [f"| {a.name} | `{a.id}` | {_code(a.project_dirs)} | {_code(a.user_dirs)} | "
            f"{f'`{a.home_variable}`' if a.home_variable else '-'} | `{a.link_dir}` | {a.ambiguous or '-'} | "
            f"<{a.source}> |" for a in AGENTS]
    notes = [f"- **{a.name}**: {a.notes}" for a in AGENTS if a.notes]
    return HEADER + "\n".join(rows) + "\n\n## Notes\n\n" + "\n".join(notes) + "\n"


if __name__ == "__main__":
    print(render(), end="")
