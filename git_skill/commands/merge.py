"""`git skill merge BASE OURS THEIRS`: three-way merge of one SKILL.md (section-aware)."""

from __future__ import annotations

from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError


def read_text(path: Path, what: str) -> str:
    """An input's text; git passes an empty file for a side with no version, so a missing one is a mistake."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise GitSkillError(f"{what}: no such file: {path}", exit_codes.USAGE) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GitSkillError(f"cannot read {what} ({path}): {error}", exit_codes.BAD_INPUT) from None


@click.command("merge")
@click.argument("base", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of stdout.")
def command(base: Path, ours: Path, theirs: Path, output: Path | None) -> None:
    """Merge THEIRS into OURS given their common BASE: frontmatter key by key, the body section by
    section, lines last. Conflicts get standard markers in the smallest part that conflicts.
    Exit 0 when clean, 1 when conflicts remain.
    """
    from git_skill.skills.merge import merge_skill

    result = merge_skill(read_text(base, "BASE"), read_text(ours, "OURS"), read_text(theirs, "THEIRS"))
    if output:
        write_atomic(output, result.text.encode("utf-8"))
    else:
        click.echo(result.text, nl=False)
    if not result.clean:
        click.echo(f"git-skill: {result.conflicts} conflict(s) left with markers", err=True)
    raise SystemExit(exit_codes.OK if result.clean else exit_codes.FINDINGS)
