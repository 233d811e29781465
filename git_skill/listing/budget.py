"""Each agent's listing budget against the repository's skills, and the descriptions it drops.

An entry costs a line `- name: description` (the description with `when_to_use`, which Claude
Code lists with it, cut to the agent's per-entry cap). Over the budget, Claude Code drops the
descriptions of the skills invoked least (from `git skill usage` counts when there are any, else
the longest first, which frees the most room per skill); Codex cuts what falls past its pool in
listing order. A dropped description leaves the bare name, which still costs its characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from git_skill import exit_codes
from git_skill.agents.table import AGENTS, Agent, ListingBudget
from git_skill.errors import GitSkillError

CHARS_PER_TOKEN = 4
DEFAULT_CONTEXT_WINDOW = 200_000
_LINE = 3  # each entry is a line "- name: description": "- " and the newline
_SEPARATOR = 2  # ": " before the description, gone with it when the description is dropped


@dataclass(frozen=True)
class Entry:
    name: str
    description: str  # description and when_to_use, as the agent lists them
    path: str


@dataclass(frozen=True)
class Settings:
    context_window: int = DEFAULT_CONTEXT_WINDOW  # tokens, for budgets that are a share of it
    fraction: float | None = None  # None: each agent's documented share
    loads: dict[str, int] | None = None  # loads per skill name, from usage; None: no data


@dataclass
class AgentBudget:
    agent: Agent
    budget_chars: int
    used_chars: int
    dropped: list[Entry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent.id, "budget_chars": self.budget_chars, "used_chars": self.used_chars,
                "dropped": [entry.name for entry in self.dropped]}

    def line(self) -> str:
        """One line for `list`: budget, use, and what is dropped."""
        head = f"{self.agent.name} listing: {self.used_chars:,} of {self.budget_chars:,} characters"
        if not self.dropped:
            return f"{head}: fits"
        names = ", ".join(entry.name for entry in self.dropped)
        return f"{head}: drops the descriptions of {len(self.dropped)} skill{'s' if len(self.dropped) != 1 else ''}: {names}"


def settings_from(context_window: int | None, config: Any, loads: dict[str, int] | None = None) -> Settings:
    """The budget settings: `--context-window`, else `git config skill.listingContextWindow`; the share from
    `git config skill.listingBudgetFraction` (`config` is a Workspace, or None)."""
    window = context_window or _config_number(config, "skill.listingContextWindow", int) or DEFAULT_CONTEXT_WINDOW
    fraction = _config_number(config, "skill.listingBudgetFraction", float)
    if fraction is not None and not 0 < fraction <= 1:
        raise GitSkillError(f"git config skill.listingBudgetFraction is {fraction}; it must be above 0 and at most 1",
                            exit_codes.USAGE)
    return Settings(window, fraction, loads)


def _config_number(config: Any, key: str, kind: type) -> Any:
    raw = config.config(key) if config is not None else None
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise GitSkillError(f"git config {key} is {raw!r}, not a number", exit_codes.USAGE) from None
    if value <= 0:
        raise GitSkillError(f"git config {key} is {raw!r}; it must be above 0", exit_codes.USAGE)
    return value


def budget_chars(listing: ListingBudget, settings: Settings) -> int:
    if listing.chars is not None:
        return listing.chars
    share = settings.fraction if settings.fraction is not None else listing.context_fraction or 0.0
    return int(settings.context_window * CHARS_PER_TOKEN * share)


def _description_chars(entry: Entry, listing: ListingBudget) -> int:
    size = len(entry.description)
    return min(size, listing.entry_cap) if listing.entry_cap else size


def plan(entries: list[Entry], settings: Settings) -> list[AgentBudget]:
    """Each agent with a documented budget: its budget, what the entries use, what it drops."""
    results = []
    for agent in AGENTS:
        if agent.listing is None:
            continue
        listing = agent.listing
        budget = budget_chars(listing, settings)
        sizes = {id(e): _description_chars(e, listing) for e in entries}
        used = sum(_LINE + len(e.name) + _SEPARATOR + sizes[id(e)] for e in entries)
        result = AgentBudget(agent, budget, used)
        if used > budget:
            result.dropped = _dropped(entries, sizes, listing, settings, used - budget)
        results.append(result)
    return results


def _dropped(entries: list[Entry], sizes: dict[int, int], listing: ListingBudget, settings: Settings,
             excess: int) -> list[Entry]:
    if listing.chars is not None:  # a fixed pool cut in listing order: what falls past it
        ordered = sorted(entries, key=lambda e: e.name)
        room = listing.chars
        dropped = []
        for entry in ordered:
            room -= _LINE + len(entry.name) + _SEPARATOR + sizes[id(entry)]
            if room < 0:
                dropped.append(entry)
        return dropped
    loads = settings.loads or {}
    order = sorted(entries, key=lambda e: (loads.get(e.name, 0), -sizes[id(e)], e.name))
    dropped = []
    for entry in order:
        if excess <= 0:
            break
        excess -= sizes[id(entry)] + _SEPARATOR
        dropped.append(entry)
    return dropped


def entry_of(name: str, fields: dict[str, Any], path: str) -> Entry:
    """A skill's listing entry from its frontmatter: the description, and `when_to_use` listed with it."""
    parts = [fields.get(key) for key in ("description", "when_to_use")]
    return Entry(name, " ".join(p for p in parts if isinstance(p, str) and p), path)
