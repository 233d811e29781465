"""What `usage` reads: the sessions named (trials inside run and job folders), else every session
recorded for the repository; and the repository's own skills, so that unloaded ones show."""

from __future__ import annotations

from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.skills.discovery import discover
from git_skill.skills.skill import read_skill_file
from git_skill.transcripts.sources import expand_sources, is_trial, sessions_for, stores_searched
from git_skill.usage.report import RepoSkill
from git_skill.workspace import Workspace, display_path

_SESSION_SUFFIXES = (".jsonl", ".json", ".cast", ".log", ".txt")


def session_paths(sources: tuple[Path, ...], root: Path) -> list[Path]:
    """Each SOURCE as its sessions: a trial or transcript as itself, a run or job folder as its
    trials, a folder of neither as the session files in it; none, the repository's recorded sessions."""
    if not sources:
        found = sorted(sessions_for(root))
        if not found:
            click.echo(f"git-skill: no agent session recorded for {root} (looked in {stores_searched(root)})",
                       err=True)
        return found
    paths: list[Path] = []
    for source in sources:
        if not source.exists():
            raise GitSkillError(f"no such file or folder: {source}", exit_codes.USAGE)
        expanded = expand_sources(source)
        if expanded == [source] and source.is_dir() and not is_trial(source):
            expanded = sorted(p for p in source.rglob("*") if p.suffix in _SESSION_SUFFIXES and p.is_file())
            if not expanded:
                raise GitSkillError(f"{display_path(source)} holds no trial folders and no session files",
                                    exit_codes.BAD_INPUT)
        paths += expanded
    return paths


def repo_skills(workspace: Workspace, skills_dirs: tuple[str, ...]) -> list[RepoSkill]:
    """The repository's skills by the name their frontmatter gives (else their folder's)."""
    skills = []
    for location in discover(workspace, (), skills_dirs).skills:
        fields = read_skill_file(location.skill_file, location.display).fields or {}
        name = fields.get("name") if isinstance(fields.get("name"), str) else location.folder.name
        skills.append(RepoSkill(name, location.display))
    return skills


RECENT_SESSIONS = 20  # the newest sessions `list` and `lint` read to order what a listing drops


def recorded_loads(root: Path, limit: int = RECENT_SESSIONS) -> dict[str, int] | None:
    """Loads per skill name in the newest sessions recorded for the repository; None when there are none."""
    read, counts = recent_usage(root, limit)
    return counts if read else None


def recent_usage(root: Path, limit: int) -> tuple[int, dict[str, int]]:
    """How many of the newest `limit` sessions recorded for the repository were read, and the loads
    per skill name in them (a plugin's `plugin:name` counted under `name`)."""
    from git_skill.text.redact import Redactor
    from git_skill.usage.sessions import file_time, read_sessions

    def newest_first(path: Path) -> float:
        moment = file_time(path)
        return moment.timestamp() if moment else 0.0

    newest = sorted(sessions_for(root), key=newest_first, reverse=True)[:limit]
    sessions, _ = read_sessions(newest, Redactor()) if newest else ([], [])
    counts: dict[str, int] = {}
    for session in sessions:
        for use in session.skills.values():
            name = use.name.rsplit(":", 1)[-1]
            counts[name] = counts.get(name, 0) + use.loads
    return len(sessions), counts
