"""Render `docs/agents.md` from the agents table, so the page cannot drift from the data.

Run `python -m git_skill.agents.docs > docs/agents.md` after changing `table.py`; a test
fails while the page and the table disagree.
"""

from __future__ import annotations

from git_skill.agents.table import AGENTS, ListingBudget

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
    budgets = [f"| {a.name} | {_pool(a.listing)} | {a.listing.entry_cap or '-'} | {a.listing.drops} | "
               f"<{a.listing.source}> |" for a in AGENTS if a.listing]
    return (HEADER + "\n".join(rows) + "\n\n## Notes\n\n" + "\n".join(notes) + "\n\n" + LISTING_HEADER
            + "\n".join(budgets) + "\n")


LISTING_HEADER = """## Listing budgets

Every request carries the listing of skills (each skill's name and description) so the agent can
pick one; past its budget an agent cuts descriptions. `git skill list` shows each agent's budget,
what the repository's skills use and which descriptions it drops; lint's `listing-budget` warns.
Agents whose documentation gives no limit are not listed. A share of the context window counts
about 4 characters a token; `--context-window` (or `git config skill.listingContextWindow`,
default 200,000 tokens) and `git config skill.listingBudgetFraction` change it.

| agent | budget | characters per entry | dropped first | source |
|---|---|---|---|---|
"""


def _pool(budget: ListingBudget) -> str:
    if budget.chars is not None:
        return f"{budget.chars:,} characters"
    return f"{budget.context_fraction:.0%} of the context window"


if __name__ == "__main__":
    print(render(), end="")
