"""`git skill diff [A [B]]`: what changed between two sets of skills, field by field and section by section."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.options import skills_dir_option
from git_skill.workspace import Workspace, open_workspace

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:|[\w.-]+/[\w.-]+@)")
_SHORTHAND = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}


@dataclass
class Side:
    """One side of a diff: its skills, and whether it comes from outside this repository."""

    skills: Any
    foreign: bool = False
    roots: list[str] = field(default_factory=list)  # skills roots, relative to where keys start


def _remote_side(workspace: Workspace, spec: str) -> Side:
    """Skills of a git source at a ref, fetched into the cache (never into this repository)."""
    from git_skill.skills.discovery import DEFAULT_ROOTS
    from git_skill.sharing.fetch import LINK, resolve_local
    from git_skill.sharing.library import load_source
    from git_skill.sharing.source import parse_source
    from git_skill.skills.diff import group_skills

    source = resolve_local(parse_source(spec, Path(os.getcwd()), workspace.root), workspace.root)
    snapshot = load_source(source, workspace.root)
    if snapshot.commit:
        click.echo(f"git-skill: {source.describe()} is commit {snapshot.commit[:12]} (fetched into the cache)", err=True)
    blobs = {path: entry.data for path, entry in snapshot.files.items() if entry.mode != LINK}
    if not source.subpath:  # the usual skills roots when the repository has them, else everything
        rooted = {p: d for p, d in blobs.items() if any(p.startswith(r + "/") for r in DEFAULT_ROOTS)}
        blobs = rooted or blobs
    return Side(group_skills(blobs), True, [] if source.subpath else list(DEFAULT_ROOTS))


def load_side(workspace: Workspace, spec: str | None, skills_dirs: tuple[str, ...]) -> Side:
    """A side from the work tree (None), a folder, a revision of this repository, or a git source."""
    from git_skill.skills.discovery import DEFAULT_ROOTS, configured_roots
    from git_skill.skills.diff import from_folder, from_revision

    from git_skill.skills.discovery import relative_roots

    roots = relative_roots(workspace, skills_dirs)
    if spec is None:
        return Side(from_folder(workspace.root, configured_roots(workspace, skills_dirs)), False, roots)
    path = Path(spec)
    if "//" not in spec and path.is_dir():
        return Side(from_folder(path.resolve()), True, list(DEFAULT_ROOTS))
    folder_at_ref = "@" in spec and Path(spec.rsplit("@", 1)[0]).is_dir()  # ../other@v2, /abs/repo@HEAD~1
    if "@{" not in spec and (_REMOTE.match(spec) or "//" in spec or folder_at_ref):
        return _remote_side(workspace, spec)
    if workspace.repo is not None:
        try:
            return Side(from_revision(workspace.repo, spec, roots), False, roots)
        except GitSkillError:
            if not _SHORTHAND.match(spec.split("@", 1)[0]):
                raise
    if _SHORTHAND.match(spec.split("@", 1)[0]):
        return _remote_side(workspace, spec)
    raise GitSkillError(f"{spec} is not a folder, a revision of this repository, or a git source", exit_codes.USAGE)


_INLINE_VALUE = 60  # longer values get a line each, shown whole: the change may be at the end


def _value(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _painted(line: str, color: bool) -> str:
    """A diff line, coloured by its first character on a terminal."""
    shown = f"    {line}"
    return f"{_COLORS[line[:1]]}{shown}\x1b[0m" if color and line[:1] in _COLORS else shown


def render(changes: list[Any], color: bool) -> str:
    lines = []
    for change in changes:
        title = f"{change.status} {change.path}" + (f" (from {change.old_path})" if change.old_path else "")
        lines.append(f"\x1b[1m{title}\x1b[0m" if color else title)
        for f in change.fields:
            old, new = _value(f.old), _value(f.new)
            if len(old) + len(new) <= _INLINE_VALUE:
                lines.append(f"  field {f.key}: {old} → {new}")
            else:
                lines.append(f"  field {f.key}:")
                lines.extend(_painted(line, color) for line in (f"- {old}", f"+ {new}"))
        for section in change.sections:
            lines.append(f"  section {section.heading!r}: {section.status}")
            lines.extend(_painted(line, color) for line in section.diff)
        for name, status in change.files.items():
            lines.append(f"  file {name}: {status}")
    return "\n".join(lines)


@click.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@skills_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences (like git diff --exit-code).")
def command(a: str | None, b: str | None, skills_dirs: tuple[str, ...], output_format: str, exit_code: bool) -> None:
    """Compare skills: no argument compares HEAD with the work tree; one compares A with the work
    tree; two compare A with B. A side is a revision of this repository (HEAD~3, a branch), a
    folder (another repository's skills), or a git source LOCATION[//SUBPATH][@REF] (a URL,
    owner/repo, or a local repository; fetched into the cache, never into this repository).
    Between repositories, skills line up by their path inside the skills root. Per skill: added,
    removed, renamed or changed, with frontmatter changes field by field, the body section by
    section, and supporting files. Exit 6 when a source cannot be fetched.
    """
    from git_skill.skills.diff import compare, strip_roots

    workspace = open_workspace()
    if a is None and workspace.repo is None:
        raise GitSkillError("with no argument, diff compares HEAD with the work tree: it needs a git repository",
                            exit_codes.USAGE)
    old = load_side(workspace, a or "HEAD", skills_dirs)
    new = load_side(workspace, b, skills_dirs)
    if old.foreign or new.foreign:  # different repositories: line skills up by their path inside the skills root
        old.skills, new.skills = strip_roots(old.skills, old.roots), strip_roots(new.skills, new.roots)
    changes = compare(old.skills, new.skills)
    if output_format == "json":
        click.echo(json.dumps({"version": 1, "changes": [c.to_dict() for c in changes]}, indent=2, ensure_ascii=False,
                              default=str))
    elif changes:
        click.echo(render(changes, sys.stdout.isatty()))
    raise SystemExit(exit_codes.FINDINGS if exit_code and changes else exit_codes.OK)
