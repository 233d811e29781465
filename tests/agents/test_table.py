"""The agents table: the agents the issue names, each with a source, and docs/agents.md rendered from it."""

from __future__ import annotations

from git_skill.agents.docs import render
from git_skill.agents.table import AGENTS, BY_ID, agents_reading, session_root
from tests.conftest import REPO_ROOT


def test_docs_agents_md_is_rendered_from_the_table() -> None:
    page = (REPO_ROOT / "docs" / "agents.md").read_text(encoding="utf-8")
    assert page == render(), "docs/agents.md is stale: run 'python -m git_skill.agents.docs > docs/agents.md'"


def test_every_required_agent_has_folders_a_link_folder_and_a_source() -> None:
    required = {"claude-code", "codex", "gemini-cli", "cursor", "github-copilot", "opencode", "goose", "amp",
                "letta-code"}
    assert required <= set(BY_ID)
    for agent in AGENTS:
        assert agent.project_dirs and agent.user_dirs, agent.id
        assert all(d.startswith("~/") for d in agent.user_dirs), agent.id
        assert not any(d.startswith(("/", "~")) for d in agent.project_dirs), agent.id
        assert agent.link_dir in agent.project_dirs, agent.id  # a link there is a folder the agent reads
        assert agent.source.startswith("https://"), agent.id


def test_which_agents_read_a_folder() -> None:
    assert [a.id for a in agents_reading(".claude/skills")] == ["claude-code", "cursor", "github-copilot",
                                                                "opencode", "goose", "amp"]
    assert "claude-code" not in {a.id for a in agents_reading(".agents/skills")}
    assert agents_reading("skills") == []


def test_a_session_goes_where_its_agent_looks() -> None:
    assert session_root(["claude-code"]) == ".claude/skills"
    assert session_root(["codex", "codex"]) == ".agents/skills"
    assert session_root(["claude-code", "codex"]) is None  # a mixed batch: the default root
    assert session_root(["harbor"]) is None
