"""`git skill link AGENT…`: expose the repository's skills to agents that read other folders."""

from __future__ import annotations

from contextlib import nullcontext

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.workspace import display_path, open_workspace, require_repository


@click.command("link")
@click.argument("agents", nargs=-1, metavar="[AGENT]...")
@click.option("--copy", "as_copies", is_flag=True, help="Copy the skills instead of linking them (for agents or "
              "checkouts that do not follow symbolic links); copies are refreshed when their skill changes.")
@click.option("--check", is_flag=True,
              help="Change nothing; report missing, stale or edited links and copies (exit 1).")
@click.option("--uninstall", is_flag=True, help="Remove the named agents' links and copies (only those git-skill made) "
              "and forget the agents.")
@click.option("--force", is_flag=True, help="With --uninstall: also delete copies edited by hand.")
@click.option("--list", "list_agents", is_flag=True, help="List the agents git-skill knows and the folders they read.")
def command(agents: tuple[str, ...], as_copies: bool, check: bool, uninstall: bool, force: bool,
            list_agents: bool) -> None:
    """Give AGENT (claude-code, codex, gemini-cli, cursor, github-copilot, opencode, goose, amp,
    letta-code) the repository's skills: a relative symbolic link per skill in the agent's own
    folder (for example .claude/skills/NAME -> ../../.agents/skills/NAME), or a copy with
    --copy. A skill the agent already reads where it is gets nothing. The agents are recorded
    in 'git config skill.agents', and learn, add, update and remove keep their links and copies
    in step. No AGENT: bring every recorded agent up to date. Nothing that git-skill did not
    make is ever replaced or deleted; a copy edited by hand is reported, not overwritten.
    Exit 1 when a link or copy cannot be put in step (a name taken, a copy edited by hand),
    and with --check when anything is not in step. See docs/agents.md for the folders each
    agent reads.
    """
    from git_skill.agents.links import Choice, apply, chosen_agents, plan, record_agents, skill_sources
    from git_skill.agents.links import uninstall as remove_links
    from git_skill.agents.links import unknown_agent
    from git_skill.agents.table import AGENTS, BY_ID
    from git_skill.workspace import RepositoryLock

    if list_agents:
        for agent in AGENTS:
            click.echo(f"{agent.id:<15} {agent.name:<15} {', '.join(agent.project_dirs)}")
        return
    if check and uninstall:
        raise GitSkillError("--check and --uninstall do not go together", exit_codes.USAGE)
    if force and not uninstall:
        raise GitSkillError("--force goes with --uninstall", exit_codes.USAGE)
    for name in agents:
        if name not in BY_ID:
            raise unknown_agent(name)
    workspace = open_workspace()
    require_repository(workspace, "git skill link")
    recorded = chosen_agents(workspace)
    if uninstall:
        if not agents:
            raise GitSkillError("--uninstall needs the AGENT(s) to unlink", exit_codes.USAGE)
        with RepositoryLock(workspace):
            for name in agents:
                removed, kept = remove_links(workspace, BY_ID[name], force)
                click.echo(f"{BY_ID[name].name}: removed {len(removed)} link(s) or copies")
                for entry in kept:
                    click.echo(f"  kept {display_path(entry.path)}: edited by hand (--force deletes it)")
            record_agents(workspace, [c for c in recorded if c.agent.id not in agents])
        return
    by_id = {choice.agent.id: choice for choice in recorded}
    if as_copies and not agents:
        raise GitSkillError("--copy applies to the AGENT(s) you name", exit_codes.USAGE)
    wanted = [Choice(BY_ID[name], as_copies) for name in agents] or recorded
    if not wanted:
        raise GitSkillError("no agents recorded in 'git config skill.agents'; name one or more (see --list)",
                            exit_codes.USAGE)
    troubled = 0
    with RepositoryLock(workspace) if not check else nullcontext():
        sources = skill_sources(workspace)  # under the lock: a racing remove must not leave a dangling link
        if not check:
            record_agents(workspace, [c for c in recorded if c.agent.id not in agents] + wanted if agents else recorded)
        for choice in wanted:
            entries = plan(workspace, choice, sources)
            if check:
                bad = [e for e in entries if e.state != "ok"]
                troubled += len(bad)
                for entry in bad:
                    click.echo(entry.describe())
                if choice.agent.id not in by_id:
                    click.echo(f"{choice.agent.name}: not recorded in 'git config skill.agents'")
                    troubled += 1
                continue
            changed = apply(entries, workspace.root)
            left = [e for e in entries if e.state in ("drifted", "conflict")]
            troubled += len(left)
            kind = "copies" if choice.copy else "links"
            if not entries:
                click.echo(f"{choice.agent.name}: reads every skill where it is; nothing to link")
            else:
                click.echo(f"{choice.agent.name}: {len(changed)} of {len(entries)} {kind} in "
                           f"{choice.agent.link_dir} made or updated")
            for entry in left:
                click.echo(f"  {entry.describe()}")
    if check and not troubled:
        click.echo(f"{len(wanted)} agent(s): every link and copy in step")
    raise SystemExit(exit_codes.FINDINGS if troubled else exit_codes.OK)

