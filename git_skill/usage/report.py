"""Per-skill usage over sessions: the versioned JSON `git skill usage` prints, and its text table.

    {"version": 1, "sessions": N, "skills": [{"name", "path", "loads", "sessions", "last_loaded",
     "outcomes": {"loaded": {"trials", "passed"}, "not_loaded": {"trials", "passed"}}}]}

`path` is the repository's skill of that name (null when the repository has none); skills of the
repository that no session loaded are listed with loads 0, so the never-loaded ones show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from git_skill.usage.sessions import SessionUse

VERSION = 1


@dataclass(frozen=True)
class RepoSkill:
    name: str
    path: str  # as shown to the user


def _repo_match(loaded: str, by_name: dict[str, RepoSkill]) -> RepoSkill | None:
    """The repository's skill a loaded name means: the same name, or a plugin's `plugin:name`."""
    return by_name.get(loaded) or by_name.get(loaded.rsplit(":", 1)[-1])


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def build(sessions: list[SessionUse], repo_skills: list[RepoSkill], stale_days: int | None = None,
          now: datetime | None = None) -> dict[str, Any]:
    """The usage report; with `stale_days`, only skills not loaded in that many days (or never)."""
    by_name = {skill.name: skill for skill in repo_skills}
    totals: dict[str, dict[str, Any]] = {}
    trials = [s for s in sessions if s.passed is not None]
    loaded_in: dict[str, set[int]] = {}  # skill -> the sessions (indexes) that loaded it
    session_ids: dict[str, set[str]] = {}
    for index, session in enumerate(sessions):
        for use in session.skills.values():
            match = _repo_match(use.name, by_name)
            name = match.name if match else use.name
            row = totals.setdefault(name, {"name": name, "path": match.path if match else None, "loads": 0,
                                           "sessions": 0, "last_loaded": None})
            if index not in loaded_in.setdefault(name, set()):  # once per session, however often loaded there
                loaded_in[name].add(index)
                row["loads"] += 1
                session_ids.setdefault(name, set()).add(session.session_id)
                row["sessions"] = len(session_ids[name])
            if use.last and (row["last_loaded"] is None or use.last > row["last_loaded"]):
                row["last_loaded"] = use.last
    for skill in repo_skills:
        totals.setdefault(skill.name, {"name": skill.name, "path": skill.path, "loads": 0, "sessions": 0,
                                       "last_loaded": None})
    rows = sorted(totals.values(), key=lambda r: (-r["loads"], r["name"]))
    if stale_days is not None:
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=stale_days)
        rows = [r for r in rows if r["last_loaded"] is None or r["last_loaded"] < cutoff]
    for row in rows:
        held = loaded_in.get(row["name"], set())
        with_skill = [s for i, s in enumerate(sessions) if s.passed is not None and i in held]
        row["outcomes"] = {
            "loaded": {"trials": len(with_skill), "passed": sum(bool(s.passed) for s in with_skill)},
            "not_loaded": {"trials": len(trials) - len(with_skill),
                           "passed": sum(bool(s.passed) for s in trials) - sum(bool(s.passed) for s in with_skill)},
        }
        row["last_loaded"] = _iso(row["last_loaded"])
    report: dict[str, Any] = {"version": VERSION, "sessions": len(sessions), "skills": rows}
    if stale_days is not None:
        report["stale_days"] = stale_days
    return report


def _rate(outcome: dict[str, int]) -> str:
    return f"{outcome['passed']}/{outcome['trials']}" if outcome["trials"] else "-"


def text(report: dict[str, Any], repo_count: int) -> str:
    """The report as a table, a line per skill, and what was read."""
    rows = report["skills"]
    trials = max((r["outcomes"]["loaded"]["trials"] + r["outcomes"]["not_loaded"]["trials"] for r in rows),
                 default=0)
    lines = []
    if rows:
        width = max(5, *(len(r["name"]) for r in rows))
        lines.append(f"{'SKILL':<{width}}  {'LOADS':>5}  {'SESSIONS':>8}  {'LAST LOADED':<20}  "
                     f"{'PASSED LOADED':>13}  {'NOT LOADED':>10}  PATH")
        for r in rows:
            lines.append(f"{r['name']:<{width}}  {r['loads']:>5}  {r['sessions']:>8}  "
                         f"{r['last_loaded'] or 'never':<20}  {_rate(r['outcomes']['loaded']):>13}  "
                         f"{_rate(r['outcomes']['not_loaded']):>10}  {r['path'] or '(not in this repository)'}")
    never = [r["name"] for r in rows if r["loads"] == 0]
    read = f"{report['sessions']} session{'s' if report['sessions'] != 1 else ''}"
    if trials:
        read += f" ({trials} with an outcome)"
    if "stale_days" in report:
        lines.append(f"{read} read; {len(rows)} skill{'s' if len(rows) != 1 else ''} not loaded in "
                     f"{report['stale_days']} days")
    elif never:
        lines.append(f"{read} read; {len(never)} of {repo_count} repository skills never loaded: {', '.join(never)}")
    else:
        lines.append(f"{read} read; every repository skill was loaded at least once" if repo_count
                     else f"{read} read")
    return "\n".join(lines) + "\n"
