"""Find the newest agent session recorded for a repository, in Claude Code's, Codex's, Gemini CLI's
and OpenCode's stores.

Claude Code keeps `<config>/projects/<cwd with every non-alphanumeric character as ->/<id>.jsonl`
(`CLAUDE_CONFIG_DIR` or `~/.claude`); Codex keeps `<home>/sessions/YYYY/MM/DD/rollout-*.jsonl`
(`CODEX_HOME` or `~/.codex`), whose first record names the working directory; Gemini CLI keeps
`<home>/.gemini/tmp/<sha256 of the project root>/chats/session-*.json` (`GEMINI_CLI_HOME` or the
home folder); OpenCode keeps `<data>/opencode/storage/session/<project>/<id>.json` naming its
directory (`XDG_DATA_HOME` or `~/.local/share`). A session counts when its working directory is
the repository or a folder inside it (for Gemini CLI: the repository root).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.folders import require_readable
from git_skill.transcripts.jsonl import leading_fields
from git_skill.workspace import display_path

MAX_CODEX_FILES = 2000
MAX_TRIAL_DEPTH = 5  # how deep a run or job folder's trials may sit
T = TypeVar("T")


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


_LINE_LIMIT = 256 * 1024


def _first_cwd(path: Path, limit: int = 20) -> str | None:
    try:
        with path.open("rb") as handle:
            for _ in range(limit):
                line = handle.readline(_LINE_LIMIT)  # a first record of 200 MB: its leading fields are enough
                if not line:
                    break
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    record = leading_fields(line) if len(line) == _LINE_LIMIT else None
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


def sessions_for(root: Path) -> list[Path]:
    """Every session recorded for the repository at `root`: Claude Code's, Codex's, Gemini CLI's, OpenCode's."""
    from git_skill.transcripts import gemini, opencode

    root = root.resolve()
    return (claude_sessions_for(root) + codex_sessions_for(root) + gemini.sessions_for(root)
            + opencode.sessions_for(root, _inside))


def newest_session(root: Path) -> Path | None:
    candidates = sessions_for(root)
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def stores_searched(root: Path) -> str:
    """The session stores `sessions_for` looks in, for a message that found none."""
    return f"{claude_projects()}, {codex_sessions()}, {_gemini_chats(root)} and {_opencode_storage()}"


def resolve_source(source: str | None, root: Path) -> Path:
    """SOURCE as given, or the newest session recorded for the repository at `root` (said on stderr)."""
    if source:
        require_readable(Path(source), folder_ok=True)
        return Path(source)
    found = newest_session(root)
    if found is None:
        raise GitSkillError(
            f"no agent session recorded for {root} (looked in {stores_searched(root)}); "
            "pass a transcript or trial folder as SOURCE",
            exit_codes.USAGE,
        )
    click.echo(f"git-skill: using the newest session for this repository: {display_path(found)}", err=True)
    return found


def _gemini_chats(root: Path) -> Path:
    from git_skill.transcripts import gemini

    return gemini.chats_folder(root.resolve())


def _opencode_storage() -> Path:
    from git_skill.transcripts import opencode

    return opencode.storage() / "session"


def is_trial(folder: Path) -> bool:
    """A trial folder of a benchmark a registered reader reads (git_skill.transcripts.registry)."""
    from git_skill.transcripts.registry import is_trial as recognised

    return recognised(folder)


def walk_folders(root: Path, found: Callable[[Path], T | None], max_depth: int = MAX_TRIAL_DEPTH,
                 strict: bool = False) -> Iterator[tuple[Path, T]]:
    """The one walk over run and job folders (`learn`, `usage` and `compare` all use it): depth first in
    sorted order, `root` included, each folder for which `found` gives a value, without descending into
    it; no deeper than `max_depth`, never through a symbolic link. A folder that cannot be listed is
    skipped, or with `strict` an error (exit 3)."""
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        value = found(folder)
        if value is not None:
            yield folder, value
            continue
        if depth >= max_depth:
            continue
        try:
            with os.scandir(folder) as entries:  # the entry types come with the listing: no stat per child
                children = sorted((Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)), reverse=True)
        except OSError as error:
            if strict:
                raise GitSkillError(f"cannot read {folder}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
            continue
        stack.extend((child, depth + 1) for child in children)


def expand_sources(path: Path) -> list[Path]:
    """A trial or transcript as itself; a run or job folder as the trials inside it (sorted)."""
    if not path.is_dir() or is_trial(path):
        return [path]
    trials = [folder for folder, _ in walk_folders(path, lambda folder: True if is_trial(folder) else None)]
    return sorted(trials) or [path]


def single_trial(path: Path) -> Path:
    """A folder that holds exactly one trial stands for it (said on stderr); one that holds
    several is refused with examples, since a digest is of one session."""
    trials = expand_sources(path)
    if trials == [path]:
        return path  # a file, a trial, or no trial inside (format detection explains what is known)
    if len(trials) == 1:
        click.echo(f"git-skill: reading the only trial in it: {display_path(trials[0])}", err=True)
        return trials[0]
    examples = "\n  ".join(display_path(t) for t in trials[:3])
    raise GitSkillError(f"{display_path(path)} holds {len(trials)} trials; a digest is of one, for example:\n  {examples}\n"
                        "('git skill learn' takes the whole folder)", exit_codes.USAGE)
