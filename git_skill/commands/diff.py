"""`git skill diff [A [B]]`: what changed between two sets of skills, field by field and section by section."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.options import skills_dir_option
from git_skill.workspace import Workspace, open_workspace

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|[\w.-]+/[\w.-]+@)")
_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}


def load_side(workspace: Workspace, spec: str | None, skills_dirs: tuple[str, ...]) -> Any:
    """A skill set from the work tree (None), a folder, or a revision of this repository."""
    from git_skill.discovery import configured_roots
    from git_skill.skill_diff import from_folder, from_revision

    roots = configured_roots(workspace, skills_dirs)
    if spec is None:
        return from_folder(workspace.root, roots)
    if _REMOTE.match(spec):
        raise GitSkillError(f"{spec}: remote sources are not supported by diff yet; clone it and pass the folder",
                            exit_codes.USAGE)
    path = Path(spec)
    if path.is_dir():
        return from_folder(path.resolve())
    if workspace.repo is None:
        raise GitSkillError(f"{spec} is neither a folder nor, outside a repository, a revision", exit_codes.USAGE)
    relative = []
    for root in roots:
        try:
            relative.append(root.relative_to(workspace.root).as_posix())
        except ValueError:
            continue
    return from_revision(workspace.repo, spec, relative)


def _value(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)[:200]


def render(changes: list[Any], color: bool) -> str:
    lines = []
    for change in changes:
        title = f"{change.status} {change.path}" + (f" (from {change.old_path})" if change.old_path else "")
        lines.append(f"\x1b[1m{title}\x1b[0m" if color else title)
        for f in change.fields:
            lines.append(f"  field {f.key}: {_value(f.old)} → {_value(f.new)}")
        for section in change.sections:
            lines.append(f"  section {section.heading!r}: {section.status}")
            for line in section.diff:
                shown = f"    {line}"
                lines.append(f"{_COLORS.get(line[:1], '')}{shown}\x1b[0m" if color and line[:1] in _COLORS else shown)
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
    tree; two compare A with B. A side is a revision of this repository (HEAD~3, a branch) or a
    folder (another repository's skills). Per skill: added, removed, renamed or changed, with
    frontmatter changes field by field, the body section by section, and supporting files.
    """
    from git_skill.skill_diff import compare

    workspace = open_workspace()
    if a is None and workspace.repo is None:
        raise GitSkillError("with no argument, diff compares HEAD with the work tree: it needs a git repository",
                            exit_codes.USAGE)
    old = load_side(workspace, a or "HEAD", skills_dirs)
    new = load_side(workspace, b, skills_dirs)
    changes = compare(old, new)
    if output_format == "json":
        click.echo(json.dumps({"version": 1, "changes": [c.to_dict() for c in changes]}, indent=2, ensure_ascii=False,
                              default=str))
    elif changes:
        click.echo(render(changes, sys.stdout.isatty()))
    raise SystemExit(exit_codes.FINDINGS if exit_code and changes else exit_codes.OK)
