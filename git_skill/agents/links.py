"""Expose the repository's skills to agents that read other folders, and keep them in step.

`git skill link AGENT…` records the agents in `git config skill.agents` (`ID`, or `ID:copy` for
copies) and gives each skill a relative symbolic link in the agent's own folder
(`.claude/skills/pdf-forms -> ../../.agents/skills/pdf-forms`), or a copy holding a marker
file (`COPY_MARKER`: the source folder and the digest it was copied at) where links are not
followed. A skill the agent already reads where it is gets nothing. After every write of
skills (`learn`, `add`, `update`, `remove`) `keep_agents_in_step` brings the links and copies
up to date: missing ones made, stale ones replaced, ones whose skill is gone removed. Only what
this module made is ever touched: a symbolic link resolving into the repository's skills, or a
folder holding the marker; a copy edited by hand is reported, never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from git_skill import exit_codes
from git_skill.atomic import STAGING_MARK, is_staging_name, remove_tree, set_aside
from git_skill.agents.table import AGENTS, BY_ID, Agent, agents_reading
from git_skill.digests import folder_digest
from git_skill.errors import GitSkillError
from git_skill.skills.discovery import COPY_MARKER, configured_roots, copy_source, discover, is_inside
from git_skill.workspace import Workspace, display_path

CONFIG_KEY = "skill.agents"
_SKIP = frozenset({COPY_MARKER})


@dataclass(frozen=True)
class Choice:
    """One agent from `skill.agents`, and whether it gets copies instead of links."""

    agent: Agent
    copy: bool = False

    @property
    def value(self) -> str:
        return f"{self.agent.id}:copy" if self.copy else self.agent.id


@dataclass
class Entry:
    """One skill in one agent's folder: what it is, what it should be, and where it stands."""

    agent: Agent
    path: Path  # the link or copy in the agent's folder
    source: Path | None  # the skill it stands for (None: an orphan whose skill is gone)
    copy: bool  # whether this agent gets copies
    state: str  # ok, missing, stale, drifted, conflict, orphan
    detail: str = ""

    def describe(self) -> str:
        shown = display_path(self.path)
        reasons = {
            "missing": "missing",
            "stale": f"stale ({self.detail})",
            "drifted": "a copy edited by hand, differs from "
                       + (display_path(self.source) if self.source else "its source"),
            "conflict": "exists and was not made by git-skill; left alone",
            "orphan": self.detail or "its skill is gone",
            "ok": "in step",
        }
        return f"{self.agent.name}: {shown}: {reasons[self.state]}"


def unknown_agent(name: str) -> GitSkillError:
    return GitSkillError(f"unknown agent {name!r}; choose from: {', '.join(a.id for a in AGENTS)}", exit_codes.USAGE)


def chosen_agents(workspace: Workspace) -> list[Choice]:
    """The agents `skill.agents` names (unknown names are refused: a typo must not pass silently)."""
    choices = []
    for value in workspace.config_all(CONFIG_KEY):
        name, _, mode = value.strip().partition(":")
        if name not in BY_ID or mode not in ("", "copy"):
            raise GitSkillError(f"git config {CONFIG_KEY} holds {value!r}; expected an agent id, optionally "
                                f"followed by ':copy' ({', '.join(a.id for a in AGENTS)})", exit_codes.USAGE)
        choices.append(Choice(BY_ID[name], mode == "copy"))
    return choices


def record_agents(workspace: Workspace, choices: list[Choice]) -> None:
    """Write `skill.agents` in the repository's own config, one value per agent."""
    root = str(workspace.root)
    subprocess.run(["git", "config", "--local", "--unset-all", CONFIG_KEY], cwd=root, capture_output=True)
    for choice in choices:
        done = subprocess.run(["git", "config", "--local", "--add", CONFIG_KEY, choice.value], cwd=root,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise GitSkillError(f"git could not record {CONFIG_KEY}: {done.stderr.strip()}", exit_codes.BAD_INPUT)


def _relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def skill_sources(workspace: Workspace) -> list[Path]:
    """Every skill of the repository, once, as its real folder (links and copies are not sources)."""
    found: dict[Path, None] = {}
    for location in discover(workspace).skills:
        found.setdefault(Path(os.path.realpath(location.folder)), None)
    return list(found)


def _is_ours_link(path: Path, roots: list[Path]) -> bool:
    """A symbolic link this module made: relative, and resolving (even dangling) into a skills root other
    than the agent's own folder (a link from one of its skills to another is the user's, never ours)."""
    target = os.readlink(path)
    if os.path.isabs(target):
        return False
    lexical = Path(os.path.normpath(path.parent / target))
    if is_inside(lexical, Path(os.path.realpath(path.parent))):
        return False
    return any(is_inside(lexical, Path(os.path.realpath(root))) or is_inside(lexical, root) for root in roots)


def _marked_digest(copy: Path) -> str | None:
    """The digest the copy had when it was made, from its marker."""
    try:
        return json.loads((copy / COPY_MARKER).read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError, AttributeError):
        return None


def _copy_state(copy: Path, source: Path) -> tuple[str, str]:
    """`ok`, `stale` (the source moved on, the copy is untouched) or `drifted` (the copy was edited)."""
    current = folder_digest(copy, _SKIP)
    if _marked_digest(copy) != current:
        return "drifted", ""
    return ("ok", "") if current == folder_digest(source) else ("stale", "its source changed")


def plan(workspace: Workspace, choice: Choice, sources: list[Path] | None = None) -> list[Entry]:
    """Where every skill stands in one agent's folder; changes nothing."""
    agent, root = choice.agent, workspace.root
    sources = skill_sources(workspace) if sources is None else sources
    roots = configured_roots(workspace)
    folder = root / agent.link_dir
    if not is_inside(folder, Path(os.path.realpath(root))):
        raise GitSkillError(f"{display_path(folder)} leads outside the repository (a symbolic link); {agent.name}'s "
                            "links were not touched", exit_codes.REFUSED)
    real_folder = Path(os.path.realpath(folder))
    folder = real_folder  # a folder reached through a link inside the repository: its links are made where it is
    # Names the agent already has where they are: no link (a second skill of that name would shadow one).
    native = {source.name for source in sources
              if agent.reads(_relative(source.parent, root)) or source.parent == real_folder}
    wanted: dict[str, Path] = {}
    for source in sources:
        if source.name not in native:
            wanted.setdefault(source.name, source)
    present: dict[str, Path] = {}
    entries = []
    if folder.is_dir():
        for item in os.scandir(folder):
            if is_staging_name(item.name):
                entries.append(Entry(agent, Path(item.path), None, choice.copy, "orphan", "left by an interrupted run"))
            elif not item.name.startswith("."):
                present[item.name] = Path(item.path)
    for name in sorted(set(wanted) | set(present)):
        path, source = folder / name, wanted.get(name)
        ours_link = path.is_symlink() and _is_ours_link(path, roots)
        ours_copy = not path.is_symlink() and (path / COPY_MARKER).is_file()
        if source is None:
            if ours_link or ours_copy:  # an edited copy is kept even when its skill is gone
                edited = ours_copy and folder_digest(path, _SKIP) != _marked_digest(path)
                why = "no longer needed: the agent reads its skill where it is" if name in native else ""
                entries.append(Entry(agent, path, copy_source(path, root) if ours_copy else None, choice.copy,
                                     "drifted" if edited else "orphan", why))
            continue
        if not os.path.lexists(path):
            entries.append(Entry(agent, path, source, choice.copy, "missing"))
        elif path.is_symlink():
            if not ours_link:
                entries.append(Entry(agent, path, source, choice.copy, "conflict"))
            elif Path(os.path.realpath(path)) != source:
                entries.append(Entry(agent, path, source, choice.copy, "stale", "points elsewhere"))
            else:
                entries.append(Entry(agent, path, source, choice.copy, "stale" if choice.copy else "ok",
                                     "a link where a copy is wanted" if choice.copy else ""))
        elif ours_copy:
            state, detail = _copy_state(path, source)
            if state == "ok" and not choice.copy:
                state, detail = "stale", "a copy where a link is wanted"
            entries.append(Entry(agent, path, source, choice.copy, state, detail))
        else:
            entries.append(Entry(agent, path, source, choice.copy, "conflict"))
    return entries


def _remove(path: Path) -> None:
    """Delete a link, or a copy renamed aside first (a run cut short never leaves half a copy behind)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        remove_tree(set_aside(path))


def _place(entry: Entry, root: Path) -> None:
    """Make the link or copy beside its destination, then swap it in (a reader never sees half a copy)."""
    assert entry.source is not None
    path = entry.path
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.parent / f".{path.name}{STAGING_MARK}{os.getpid()}"
    remove_tree(staging)
    try:
        if entry.copy:
            shutil.copytree(entry.source, staging, symlinks=True)
            marker = {"source": _relative(entry.source, root), "digest": folder_digest(entry.source)}
            (staging / COPY_MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        else:
            os.symlink(os.path.relpath(entry.source, os.path.realpath(path.parent)), staging)
        if path.is_symlink() and staging.is_symlink() or not os.path.lexists(path):
            os.replace(staging, path)  # one link over another: atomic
        else:
            retired = set_aside(path)
            os.rename(staging, path)
            remove_tree(retired)
    except BaseException:
        remove_tree(staging)
        raise


def apply(entries: list[Entry], root: Path) -> list[Entry]:
    """Make missing links and copies, replace stale ones, remove orphans; returns what was changed."""
    changed = []
    for entry in entries:
        try:
            if entry.state in ("missing", "stale"):
                _place(entry, root)
            elif entry.state == "orphan":
                _remove(entry.path)
            else:
                continue
        except OSError as error:
            raise GitSkillError(f"cannot write {display_path(entry.path)}: {error.strerror or error}",
                                exit_codes.BAD_INPUT) from None
        changed.append(entry)
    return changed


def uninstall(workspace: Workspace, agent: Agent, force: bool) -> tuple[list[Path], list[Entry]]:
    """Remove this agent's links and copies (an edited copy only with `force`); returns (removed, kept)."""
    removed, kept = [], []
    for entry in plan(workspace, Choice(agent)):
        if entry.state in ("missing", "conflict"):
            continue
        if entry.state == "drifted" and not force:
            kept.append(entry)
            continue
        try:
            _remove(entry.path)
        except OSError as error:
            raise GitSkillError(f"cannot remove {display_path(entry.path)}: {error.strerror or error}",
                                exit_codes.BAD_INPUT) from None
        removed.append(entry.path)
    folder = workspace.root / agent.link_dir
    for empty in (folder, folder.parent):
        if empty != workspace.root and empty.is_dir() and not empty.is_symlink() and not any(empty.iterdir()):
            empty.rmdir()
    return removed, kept


def keep_agents_in_step(workspace: Workspace) -> list[Entry]:
    """After skills were written or removed: bring every linked agent's links and copies up to date.

    Called inside the writers' repository lock. Returns the entries it could not fix (edited
    copies, names taken by something else) and prints them, so a write never fails because of
    an agent's folder.
    """
    import click

    if workspace.repo is None or not workspace.config_all(CONFIG_KEY):
        return []
    try:
        choices = chosen_agents(workspace)
    except GitSkillError as error:
        click.echo(f"git-skill: warning: {error.message}", err=True)
        return []
    sources = skill_sources(workspace)
    problems = []
    for choice in choices:
        try:
            entries = plan(workspace, choice, sources)
            apply(entries, workspace.root)
        except GitSkillError as error:  # the skills are written: an agent's folder must not fail the write
            click.echo(f"git-skill: warning: {error.message}", err=True)
            continue
        problems += [e for e in entries if e.state in ("drifted", "conflict")]
    for entry in problems:
        click.echo(f"git-skill: warning: {entry.describe()}", err=True)
    return problems


def seen_by(workspace: Workspace, skill_folder: Path) -> tuple[list[Agent], list[Agent]]:
    """Which agents load this skill (where it is, or through a link or copy), and which do not."""
    relative = _relative(Path(os.path.realpath(skill_folder)).parent, workspace.root)
    native = {agent.id for agent in agents_reading(relative)}
    try:
        linked = {choice.agent.id for choice in chosen_agents(workspace)}
    except GitSkillError:
        linked = set()
    seen = [agent for agent in AGENTS if agent.id in native | linked]
    return seen, [agent for agent in AGENTS if agent not in seen]


def visibility_note(workspace: Workspace, skill_folder: Path) -> str:
    """One line for `learn`: which agents will load the skill, and how to reach the others."""
    seen, unseen = seen_by(workspace, skill_folder)
    line = f"seen by {', '.join(a.name for a in seen) or 'no agent'}"
    if unseen:
        line += f"; not by {', '.join(a.name for a in unseen)} ('git skill link AGENT' gives it to them)"
    return line


def problems(workspace: Workspace) -> list[Entry]:
    """Every recorded agent's links and copies that are not in step (for `status`)."""
    if workspace.repo is None or not workspace.config_all(CONFIG_KEY):
        return []
    sources = skill_sources(workspace)
    return [entry for choice in chosen_agents(workspace) for entry in plan(workspace, choice, sources)
            if entry.state != "ok"]


def agents_copies_of(workspace: Workspace, skill_folder: Path) -> tuple[Path, ...]:
    """The links and copies the recorded agents have of this skill (for `learn --commit` to commit with it)."""
    if workspace.repo is None or not workspace.config_all(CONFIG_KEY):
        return ()
    source = Path(os.path.realpath(skill_folder))
    found = []
    for choice in chosen_agents(workspace):
        path = workspace.root / choice.agent.link_dir / source.name
        if path.is_symlink() and Path(os.path.realpath(path)) == source or copy_source(path, workspace.root) == source:
            found.append(path)
    return tuple(found)
