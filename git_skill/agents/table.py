"""Which agents read skills from which folders: the data behind `learn`, `link`, and `docs/agents.md`.

Researched from each agent's own documentation (the `source` of each row) in December 2026.
Where the documentation is silent or contradicts itself, `notes` says so instead of guessing;
`docs/agents.md` is rendered from this table and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ListingBudget:
    """How much of every request an agent gives the listing of skills (names and descriptions), as documented."""

    chars: int | None  # a fixed pool of characters
    context_fraction: float | None  # else this share of the context window (tokens, about 4 characters each)
    entry_cap: int | None  # each entry's description (with `when_to_use`) is cut to this many characters
    drops: str  # what goes first when the pool overflows
    source: str


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    project_dirs: tuple[str, ...]  # relative to the repository root, in the agent's documented order
    user_dirs: tuple[str, ...]  # `~` is the user's home folder
    home_variable: str | None  # the variable that moves the agent's user-level folder, where documented
    link_dir: str  # where `git skill link` puts this agent's links: its own project folder
    source: str
    notes: str = ""
    ambiguous: str = ""  # what the documentation leaves open, shown in the table itself
    listing: ListingBudget | None = None  # None: its documentation gives no limit

    def reads(self, relative_root: str) -> bool:
        """Whether the agent loads skills from this project folder (relative to the repository root)."""
        return relative_root.strip("/") in self.project_dirs


AGENTS: tuple[Agent, ...] = (
    Agent("claude-code", "Claude Code", (".claude/skills",), ("~/.claude/skills",), "CLAUDE_CONFIG_DIR",
          ".claude/skills", "https://code.claude.com/docs/en/skills",
          "Also plugin and enterprise (managed) skills. CLAUDE_CONFIG_DIR moves the configuration folder; "
          "the skills page does not say whether personal skills follow it.",
          "whether personal skills follow CLAUDE_CONFIG_DIR",
          ListingBudget(None, 0.01, 1536, "the descriptions of the least-invoked skills (cut to the bare name)",
                        "https://code.claude.com/docs/en/skills")),
    Agent("codex", "Codex", (".agents/skills",), ("~/.agents/skills",), None, ".agents/skills",
          "https://developers.openai.com/codex/skills",
          "Reads .agents/skills in every folder from the working folder up to the repository root, and "
          "/etc/codex/skills (admin). CODEX_HOME moves ~/.codex, which no longer holds user skills "
          "(older releases read ~/.codex/skills).",
          listing=ListingBudget(5440, None, None, "the descriptions past the pool (no skill can be left out)",
                                "https://github.com/openai/codex/issues/24299")),
    Agent("gemini-cli", "Gemini CLI", (".gemini/skills", ".agents/skills"), ("~/.gemini/skills", "~/.agents/skills"),
          "GEMINI_CLI_HOME", ".gemini/skills", "https://geminicli.com/docs/cli/using-agent-skills/",
          ".agents/skills is documented as an alias that wins over .gemini/skills within a tier. "
          "GEMINI_CLI_HOME is the folder that holds .gemini (its configuration reference)."),
    Agent("cursor", "Cursor", (".agents/skills", ".cursor/skills", ".claude/skills", ".codex/skills"),
          ("~/.agents/skills", "~/.cursor/skills", "~/.claude/skills", "~/.codex/skills"), None, ".cursor/skills",
          "https://cursor.com/docs/skills",
          "Claude and Codex folders are read for compatibility. An older version of the page listed no "
          ".agents/skills; no home variable is documented."),
    Agent("github-copilot", "GitHub Copilot", (".github/skills", ".claude/skills", ".agents/skills"),
          ("~/.copilot/skills", "~/.agents/skills"), "COPILOT_HOME", ".github/skills",
          "https://docs.github.com/en/copilot/concepts/agents/about-agent-skills",
          "Copilot CLI, cloud agent and VS Code agent mode. One how-to page also lists ~/.claude/skills. "
          "COPILOT_HOME moves the CLI's ~/.copilot (named in its issue tracker; not on the skills page).",
          "COPILOT_HOME is not on the skills page"),
    Agent("opencode", "OpenCode", (".opencode/skills", ".claude/skills", ".agents/skills"),
          ("~/.config/opencode/skills", "~/.claude/skills", "~/.agents/skills"), None, ".opencode/skills",
          "https://opencode.ai/docs/skills",
          "Project folders are read in every folder from the working folder up to the git work tree. "
          "No home variable is documented for skills."),
    Agent("goose", "Goose", (".claude/skills", ".goose/skills", ".agents/skills"),
          ("~/.claude/skills", "~/.config/agents/skills", "~/.config/goose/skills"), None, ".goose/skills",
          "https://block.github.io/goose/docs/guides/context-engineering/using-skills",
          "Later folders win on a name clash. The Skills extension page names only .agents/skills and "
          "~/.config/agents/skills. No home variable is documented.",
          "two of its pages list different folders"),
    Agent("amp", "Amp", (".agents/skills", ".claude/skills"),
          ("~/.config/agents/skills", "~/.config/amp/skills", "~/.claude/skills"), None, ".agents/skills",
          "https://ampcode.com/manual",
          "Ambiguous: the folders come from secondary sources (syllago.dev's Amp provider page); Amp's "
          "manual was not available to check. No home variable is documented.",
          "folders from secondary sources"),
    Agent("letta-code", "Letta Code", (".agents/skills", ".skills"), ("~/.letta/skills",), None, ".skills",
          "https://docs.letta.com/letta-code/skills",
          "Ambiguous: the Letta Code page names .skills/ at the project root, the newer configuration page "
          ".agents/skills; agent-scoped skills live in ~/.letta/agents/<id>/skills.",
          "project folder: .skills or .agents/skills"),
)

BY_ID: dict[str, Agent] = {agent.id: agent for agent in AGENTS}

# Transcript formats whose sessions come from an agent: a skill learned from one goes where that agent looks.
AGENT_OF_FORMAT: dict[str, str] = {"claude-code": "claude-code", "codex": "codex"}


def agents_reading(relative_root: str) -> list[Agent]:
    """The agents that load skills from this project folder without any link."""
    return [agent for agent in AGENTS if agent.reads(relative_root)]


def learn_root(agent_id: str) -> str:
    """The project folder a skill learned from this agent's session goes to: the first one it reads."""
    return BY_ID[agent_id].project_dirs[0]


def session_root(formats: Iterable[str]) -> str | None:
    """Where skills learned from these sessions go when nothing is configured: the folder their
    agent reads, when every session came from one agent whose sessions we read; else None."""
    agents = {AGENT_OF_FORMAT.get(name) for name in formats}
    return learn_root(agents.pop()) if len(agents) == 1 and None not in agents else None
