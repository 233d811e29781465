"""`git skill list`: what skills the repository has and what they cost an agent.

The listing cost (name + description, kept in every request so the agent can pick
a skill) and the body cost (paid when the skill loads) are approximate tokens.
"""

from __future__ import annotations

import json
from dataclasses import replace

import click

from git_skill.skills.discovery import discover
from git_skill.options import context_window_option, skills_dir_option
from git_skill.skills.skill import read_skill_file
from git_skill.text.tokens import approx_tokens
from git_skill.workspace import escape_controls, open_workspace

DESCRIPTION_WIDTH = 60


def _trim(text: str, width: int) -> str:
    flat = escape_controls(" ".join(text.split()))
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@click.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@skills_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@context_window_option
def command(paths: tuple[str, ...], skills_dirs: tuple[str, ...], output_format: str, context_window: int | None) -> None:
    """List skills: name, trimmed description, path, and approximate tokens for description and body;
    then each agent's listing budget (docs/agents.md), what the skills use of it, and whose
    descriptions it drops (the least loaded first, from the sessions recorded for this repository)."""
    from git_skill.listing.budget import entry_of, plan, settings_from
    from git_skill.usage.collect import recorded_loads

    workspace = open_workspace()
    settings = settings_from(context_window, workspace)
    found = discover(workspace, paths, skills_dirs)
    rows = []
    entries = []
    for location in found.skills:
        skill = read_skill_file(location.skill_file, location.display)
        fields = skill.fields or {}
        name = fields.get("name") if isinstance(fields.get("name"), str) else location.folder.name
        description = fields.get("description") if isinstance(fields.get("description"), str) else ""
        rows.append({
            "name": name,
            "description": description,
            "path": location.display,
            "description_tokens": approx_tokens(f"{name}: {description}"),
            "body_tokens": approx_tokens(skill.body),
            "readable": skill.fields is not None,
        })
        entries.append(entry_of(name, fields, location.display))
    listing = sum(r["description_tokens"] for r in rows)
    bodies = sum(r["body_tokens"] for r in rows)
    budgets = plan(entries, settings)
    if any(b.dropped for b in budgets):  # what is dropped first depends on use: read it only when something is
        budgets = plan(entries, replace(settings, loads=recorded_loads(workspace.root)))
    if output_format == "json":
        click.echo(json.dumps({"skills": rows, "total": {"description_tokens": listing, "body_tokens": bodies},
                               "budgets": [b.to_dict() for b in budgets],
                               "findings": [f.to_dict() for f in found.findings]}, indent=2, ensure_ascii=False))
        return
    from git_skill.reporting import format_finding

    for finding in found.findings:  # links that loop or escape, a SKILL.md that is not a file: not listed, said
        click.echo(format_finding(finding), err=True)
    if not rows:
        click.echo("no skills found", err=True)
        return
    names = [escape_controls(r["name"]) for r in rows]  # a name holding a newline or an escape forges no line
    name_width = max(4, *(len(name) for name in names))
    click.echo(f"{'NAME':<{name_width}}  {'DESCRIPTION':<{DESCRIPTION_WIDTH}}  {'DESC~TOK':>8}  {'BODY~TOK':>8}  PATH")
    for name, r in zip(names, rows):
        description = _trim(r["description"], DESCRIPTION_WIDTH) if r["readable"] else "(unreadable: run git skill validate)"
        click.echo(f"{name:<{name_width}}  {description:<{DESCRIPTION_WIDTH}}  "
                   f"{r['description_tokens']:>8}  {r['body_tokens']:>8}  {r['path']}")
    click.echo(f"{len(rows)} skill{'s' if len(rows) != 1 else ''}: listing ≈ {listing} tokens in every request; "
               f"bodies ≈ {bodies} tokens when loaded")
    for budget in budgets:
        click.echo(budget.line())
