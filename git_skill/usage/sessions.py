"""The skills one session or trial loaded, and how the trial ended.

A session is read once through the transcript reader of its format (the same readers `learn`
and `digest` use), events unredacted since only tool names and SKILL.md paths are looked at;
what is reported of them (skill names, paths) is redacted. Each tool call that loads a skill is
kept once (streamed copies, the same call id in two of a trial's logs); the report counts a skill
once per session however often it was loaded there.
A trial (Harbor, Terminal-Bench) has an outcome: passed when its verifier resolved it; one
without a verifier result (crashed, timed out) counts as not passed, as `compare` counts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from git_skill.errors import GitSkillError
from git_skill.text.redact import Redactor
from git_skill.transcripts import events as ev
from git_skill.transcripts import open_unredacted
from git_skill.usage.loads import skill_load

TRIAL_FORMATS = frozenset({"harbor", "terminal-bench"})


@dataclass
class SkillInSession:
    name: str
    path: str | None  # the SKILL.md read, as the agent named it
    loads: int = 0
    last: datetime | None = None


@dataclass
class SessionUse:
    source: str
    format: str
    when: datetime | None  # the last moment the session records, else the file's time
    passed: bool | None  # None: not a trial (no outcome)
    skills: dict[str, SkillInSession] = field(default_factory=dict)
    session_id: str = ""  # the agent's own session id when its log records one, else the source


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time (a trailing Z, or none: taken as UTC), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def file_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc)
    except OSError:
        return None


def read_session(path: Path, redactor: Redactor) -> SessionUse:
    """The skill loads of one session or trial (raises GitSkillError when it cannot be read)."""
    transcript = open_unredacted(path)
    seen_calls: set[str] = set()
    skills: dict[str, SkillInSession] = {}
    latest: datetime | None = None
    for event in transcript.events:
        moment = parse_time(event.timestamp)
        if moment is not None and (latest is None or moment > latest):
            latest = moment
        if event.kind != ev.TOOL_CALL:
            continue
        load = skill_load(event.tool, event.arguments, event.command)
        if load is None:
            continue
        if event.call_id:
            if event.call_id in seen_calls:
                continue
            seen_calls.add(event.call_id)
        name = redactor.redact(load.skill)
        entry = skills.setdefault(name, SkillInSession(name, redactor.redact(load.path) if load.path else None))
        entry.loads += 1
        if moment is not None and (entry.last is None or moment > entry.last):
            entry.last = moment
    facts = transcript.facts
    when = latest or parse_time(facts.ended) or parse_time(facts.started) or file_time(path)
    for entry in skills.values():
        entry.last = entry.last or when
    passed = None
    if facts.format in TRIAL_FORMATS:
        passed = any(item.resolved for item in transcript.feedback)
    return SessionUse(str(path), facts.format, when, passed, skills, facts.session_id or str(path))


def read_sessions(paths: list[Path], redactor: Redactor, since: datetime | None = None
                  ) -> tuple[list[SessionUse], list[str]]:
    """Each readable session's use (those ending before `since` left out) and one line per source
    that could not be read."""
    found: list[SessionUse] = []
    problems: list[str] = []
    for path in paths:
        if since is not None and path.is_file():
            modified = file_time(path)
            if modified is not None and modified < since:
                continue  # nothing in a file is newer than its last write
        try:
            use = read_session(path, redactor)
        except GitSkillError as error:
            problems.append(error.message.splitlines()[0])
            continue
        if since is not None and use.when is not None and use.when < since:
            continue
        found.append(use)
    return found, problems
