"""`git skill usage [SOURCE…]`: which skills agents loaded, in which sessions, with which outcome."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.options import skills_dir_option
from git_skill.workspace import open_workspace


def _since(value: str | None) -> datetime | None:
    from git_skill.usage.sessions import parse_time

    if value is None:
        return None
    moment = parse_time(value)
    if moment is None:
        raise GitSkillError(f"--since {value!r} is not a date (YYYY-MM-DD or an ISO 8601 time)", exit_codes.USAGE)
    return moment


@click.command("usage")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path), metavar="[SOURCE]…")
@click.option("--since", metavar="DATE", help="Only sessions that ran on or after DATE (YYYY-MM-DD or ISO 8601).")
@click.option("--stale", "stale_days", type=click.IntRange(min=0), metavar="DAYS",
              help="List only the skills not loaded in the last DAYS days (never-loaded ones included).")
@skills_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(sources: tuple[Path, ...], since: str | None, stale_days: int | None, skills_dirs: tuple[str, ...],
            output_format: str) -> None:
    """Count the skills agents loaded: per skill, loads, sessions, last load, and pass counts of
    the trials that loaded it and of those that did not.

    A load is Claude Code's Skill tool call (Gemini CLI's activate_skill, OpenCode's skill) or any
    agent's read of a SKILL.md, counted once per session or trial however often its logs repeat it
    (sessions: the distinct agent sessions among those, by the id their logs record). SOURCE
    is a session transcript, a Harbor or Terminal-Bench trial, or a run or job folder of trials;
    with none, every session recorded for this repository (Claude Code, Codex, Gemini CLI, OpenCode).
    The repository's skills that no session loaded are listed with 0 loads. Nothing is deleted.
    JSON shape and lifecycle (lint's never-loaded-sessions): docs/usage.md.

    Exit 0 when counted (also with no session), 2 on usage errors, 3 when no SOURCE can be read.
    """
    from git_skill.text.redact import Redactor
    from git_skill.usage import collect, report
    from git_skill.usage.sessions import read_sessions

    moment = _since(since)
    workspace = open_workspace()
    paths = collect.session_paths(sources, workspace.root)
    sessions, problems = read_sessions(paths, Redactor(), moment)
    for problem in problems if len(problems) < len(paths) else ():
        click.echo(f"git-skill: skipped: {problem}", err=True)
    if paths and problems and len(problems) == len(paths):
        detail = problems[0] if len(problems) == 1 else f"none of the {len(paths)} sessions could be read: {problems[0]}"
        raise GitSkillError(detail, exit_codes.BAD_INPUT)
    skills = collect.repo_skills(workspace, skills_dirs)
    result = report.build(sessions, skills, stale_days, datetime.now(timezone.utc))
    if output_format == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(report.text(result, len(skills)), nl=False)
