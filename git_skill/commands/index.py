"""`git skill index`: list the skills in a managed block of AGENTS.md (--check: fail when it is stale)."""

from __future__ import annotations

from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.options import skills_dir_option
from git_skill.workspace import display_path, open_workspace


@click.command("index")
@click.option("--file", "file_name", default="AGENTS.md", show_default=True, metavar="PATH",
              help="The file holding the index, relative to the repository root: inside the work tree, never "
              "in .git, never a symbolic link (exit 2, or 4 for a link).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 when the index is missing or stale (for hooks and CI).")
@click.option("--staged", is_flag=True,
              help="With --check: compare the staged file with the staged skills, what the next commit records "
              "(skills not added to git are left out).")
@skills_dir_option
def command(file_name: str, check: bool, staged: bool, skills_dirs: tuple[str, ...]) -> None:
    """Write the repository's skills (name, description, path to SKILL.md) into AGENTS.md between
    two marker comments, for agents that read AGENTS.md but load no skills. The rest of the file
    is left as it is; the block is appended when the file has none, and the file is created when
    missing. Running it again changes nothing. Exit 1 with --check when the block is missing or
    stale, 3 when the file is unreadable or its markers are broken. With --check --staged (the
    pre-commit hook), both the file and the skills are read from the index.
    """
    from git_skill.agents.index import read_index_file, render_block, updated_text
    from git_skill.atomic import write_atomic
    from git_skill.workspace import RepositoryLock, refuse_link, work_tree_file

    if staged and not check:
        raise click.UsageError("--staged goes with --check: the index is written into the work tree")
    workspace = open_workspace()
    path = work_tree_file(workspace, file_name, "--file")
    if check:
        if staged:
            from git_skill.skills.staged import staged_file

            current = read_index_file(path, staged_file(workspace, path.relative_to(workspace.root).as_posix()),
                                      from_index=True)
        else:
            current = read_index_file(path)
        if updated_text(current, render_block(workspace, skills_dirs, staged)) == current:
            click.echo(f"{display_path(path)}: the skill index is up to date")
            return
        missing = current is None or "<!-- git-skill index: start" not in current
        click.echo(f"{display_path(path)}: the skill index{' as staged' if staged else ''} is "
                   f"{'missing' if missing else 'stale'}; run 'git skill index'" + (" and stage the file" if staged else ""))
        raise SystemExit(exit_codes.FINDINGS)
    with RepositoryLock(workspace):  # the skills are read under the lock: a racing writer cannot make it stale
        refuse_link(path)
        current = read_index_file(path)
        wanted = updated_text(current, render_block(workspace, skills_dirs))
        if wanted == current:
            click.echo(f"{display_path(path)}: the skill index is up to date")
            return
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        write_atomic(path, wanted.encode("utf-8"), mode=mode)
    click.echo(f"{display_path(path)}: skill index {'written' if current is None else 'updated'}")
