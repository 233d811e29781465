"""Find the newest agent session recorded for a repository, in Claude Code's and Codex's stores.

Claude Code keeps `<config>/projects/<cwd with every non-alphanumeric character as ->/<id>.jsonl`
(`CLAUDE_CONFIG_DIR` or `~/.claude`); Codex keeps `<home>/sessions/YYYY/MM/DD/rollout-*.jsonl`
(`CODEX_HOME` or `~/.codex`), whose first record names the working directory. A session
counts when its working directory is the repository or a folder inside it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.workspace import display_path

MAX_CODEX_FILES = 2000


def claude_projects() -> Path:
    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude") / "projects"


def codex_sessions() -> Path:
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex") / "sessions"


def _inside(folder: str | None, root: Path) -> bool:
    if not folder:
        return False
    try:
        return os.path.commonpath([os.path.realpath(folder), str(root)]) == str(root)
    except ValueError:
        return False


def _first_cwd(path: Path, limit: int = 20) -> str | None:
    try:
        with path.open("rb") as handle:
            for _ in range(limit):
                line = handle.readline()
                if not line:
                    break
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    payload = record.get("payload") if isinstance(record.get("payload"), dict) else record
                    if isinstance(payload.get("cwd"), str):
                        return payload["cwd"]
    except OSError:
        return None
    return None


def claude_sessions_for(root: Path) -> list[Path]:
    store = claude_projects()
    if not store.is_dir():
        return []
    prefix = re.sub(r"[^A-Za-z0-9]", "-", str(root))
    found = []
    for project in store.iterdir():
        if project.is_dir() and project.name.startswith(prefix):
            for session in project.glob("*.jsonl"):
                if project.name == prefix or _inside(_first_cwd(session), root):
                    found.append(session)
    return found


def codex_sessions_for(root: Path) -> list[Path]:
    store = codex_sessions()
    if not store.is_dir():
        return []
    files = sorted(store.rglob("rollout-*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)[:MAX_CODEX_FILES]
    return [f for f in files if _inside(_first_cwd(f, 3), root)]


def newest_session(root: Path) -> Path | None:
    root = root.resolve()
    candidates = claude_sessions_for(root) + codex_sessions_for(root)
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def resolve_source(source: str | None, root: Path) -> Path:
    """SOURCE as given, or the newest session recorded for the repository at `root` (said on stderr)."""
    if source:
        return Path(source)
    found = newest_session(root)
    if found is None:
        raise GitSkillError(
            f"no agent session recorded for {root} (looked in {claude_projects()} and {codex_sessions()}); "
            "pass a transcript or trial folder as SOURCE",
            exit_codes.USAGE,
        )
    click.echo(f"git-skill: using the newest session for this repository: {display_path(found)}", err=True)
    return found
