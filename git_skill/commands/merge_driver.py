"""`git skill merge-driver %O %A %B %P`: the git merge driver for SKILL.md files.

git calls it with the ancestor, ours (also where the result goes) and theirs as temporary
files, and the path in the tree; exit 0 tells git the merge is clean, non-zero that
conflicts remain in %A. Installed by `git skill install --merge-driver`.
"""

from __future__ import annotations

from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.commands.merge import read_text


@click.command("merge-driver")
@click.argument("ancestor", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("current", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("other", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("path", required=False, default="SKILL.md")
def command(ancestor: Path, current: Path, other: Path, path: str) -> None:
    """Merge driver for SKILL.md (called by git: %O %A %B %P); writes the result into %A."""
    from git_skill.skills.merge import merge_skill

    result = merge_skill(read_text(ancestor, "%O"), read_text(current, "%A"), read_text(other, "%B"))
    write_atomic(current, result.text.encode("utf-8"))
    if not result.clean:
        click.echo(f"git-skill: {path}: {result.conflicts} conflict(s) left with markers", err=True)
    raise SystemExit(exit_codes.OK if result.clean else exit_codes.FINDINGS)
