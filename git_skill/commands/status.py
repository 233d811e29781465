"""`git skill status [NAME…]`: where each shared skill stands against its lock entry and its upstream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.workspace import open_workspace


def skill_status(entry: Any, root: Path, fetch: bool, fetched: dict[Any, Any]) -> dict[str, Any]:
    """One row: local state (clean, modified, missing), upstream state (same, ahead, unknown, …), overall."""
    from git_skill.sharing.fetch import read_folder
    from git_skill.sharing.library import content_digest, load_source, upstream_failure

    folder = root / entry.path
    local = "missing" if not folder.is_dir() else (
        "clean" if content_digest(read_folder(folder)) == entry.digest else "modified")
    row: dict[str, Any] = {"path": entry.path, "source": entry.origin.describe(), "commit": entry.commit,
                           "local": local, "upstream": "not checked", "upstream_commit": None, "detail": None}
    if fetch:
        try:
            snapshot = load_source(entry.origin, root, fetched=fetched)
            row["upstream_commit"] = snapshot.commit or None
            row["upstream"] = "same" if content_digest(snapshot.files) == entry.digest else "ahead"
        except GitSkillError as error:
            row["upstream"] = upstream_failure(error)  # unreachable, refused, gone or unreadable
            row["detail"] = error.message
    ahead = row["upstream"] == "ahead"
    row["state"] = ("missing" if local == "missing" else "both" if ahead and local == "modified"
                    else "upstream ahead" if ahead else "locally modified" if local == "modified"
                    else "up to date" if row["upstream"] in ("same", "not checked") else f"upstream {row['upstream']}")
    return row


@click.command("status")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--no-fetch", is_flag=True, help="Only compare local copies with the lock; do not contact upstream.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True,
              help="Exit 1 when any shared skill is not up to date, or an agent's link or copy is not in step.")
def command(names: tuple[str, ...], no_fetch: bool, output_format: str, exit_code: bool) -> None:
    """For each shared skill in skills.lock (NAME: folder name or lock path; default: all): up to
    date, locally modified (its content differs from the locked digest), upstream ahead (the
    source's ref now holds different content), both, or missing. With no NAME, also the links
    and copies of the agents recorded by 'git skill link' that are not in step. Exit 6 when an
    upstream cannot be reached, 3 when one cannot be read (a local setting, a damaged source);
    other skills are still shown.
    """
    from git_skill.agents.links import problems
    from git_skill.sharing.library import select_entries
    from git_skill.sharing.lockfile import read_lock

    workspace = open_workspace()
    entries = read_lock(workspace.root)
    links = problems(workspace) if not names else []  # agents' links and copies (see 'git skill link')
    if not entries and not workspace.config_all("skill.agents"):
        raise GitSkillError("no shared skills: skills.lock is missing or empty (add some with 'git skill add')",
                            exit_codes.USAGE)
    fetched: dict[Any, Any] = {}
    rows = [skill_status(entry, workspace.root, not no_fetch, fetched) for entry in select_entries(entries, names)]
    if output_format == "json":
        click.echo(json.dumps({"version": 1, "skills": rows, "agent_links": [
            {"agent": e.agent.id, "path": e.path.relative_to(workspace.root).as_posix(), "state": e.state}
            for e in links]}, indent=2))
    else:
        for entry in links:
            click.echo(f"agent link  {entry.describe()}")
        if not rows and not links:
            click.echo("no shared skills (skills.lock); every agent's links and copies are in step")
        width = max((len(r["state"]) for r in rows), default=0)
        for row in rows:
            moved = f" → {row['upstream_commit'][:12]}" if row["upstream_commit"] and row["upstream_commit"] != row[
                "commit"] else ""
            at = f" {row['commit'][:12]}" if row["commit"] else ""  # a plain folder has no commit
            click.echo(f"{row['state']:<{width}}  {row['path']}  {row['source']}{at}{moved}")
            if row["detail"]:
                click.echo(f"{'':<{width}}  {row['detail']}", err=True)
    if any(r["upstream"] == "unreachable" for r in rows):
        raise SystemExit(exit_codes.UNAVAILABLE)
    if any(r["upstream"] == "unreadable" for r in rows):  # a local setting or a damaged source: not "up to date"
        raise SystemExit(exit_codes.BAD_INPUT)
    troubled = links or any(r["state"] != "up to date" for r in rows)
    raise SystemExit(exit_codes.FINDINGS if exit_code and troubled else 0)
