"""`git skill remove NAME…`: stop sharing skills: delete their folders and their skills.lock entries."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.workspace import display_path, open_workspace


@click.command("remove")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("--keep-files", is_flag=True, help="Only drop the lock entries: the folders stay, as your own skills.")
@click.option("--dry-run", is_flag=True, help="Show what would be removed; write nothing.")
@click.option("--force", is_flag=True, help="Delete folders even when they hold local edits.")
def command(names: tuple[str, ...], keep_files: bool, dry_run: bool, force: bool) -> None:
    """Stop sharing the named skills (NAME: folder name or lock path, as in status): delete each
    folder and its skills.lock entry together, so neither is left without the other. With
    --keep-files the folders stay as skills of this repository that update no longer touches.
    A folder whose content differs from its locked digest holds local edits and is never
    deleted without --force (exit 4); --keep-files keeps them.
    """
    from git_skill.agents.links import agents_copies_of, keep_agents_in_step
    from git_skill.skills.discovery import configured_roots
    from git_skill.sharing.apply import FolderSwap
    from git_skill.sharing.fetch import read_folder
    from git_skill.sharing.library import content_digest, require_in_roots, select_entries
    from git_skill.sharing.lockfile import lock_path, read_lock, write_lock
    from git_skill.workspace import RepositoryLock

    workspace = open_workspace()
    root = workspace.root
    with RepositoryLock(workspace) if not dry_run else nullcontext() as lock:  # read, check and write as one step
        entries = read_lock(root)
        if not entries:
            raise GitSkillError("no shared skills: skills.lock is missing or empty", exit_codes.USAGE)
        for name in names:  # deleting is not undone: a name must not stand for skills in several roots
            matches = select_entries(entries, (name,))
            if len(matches) > 1:
                raise GitSkillError(f"{name} names {len(matches)} shared skills "
                                    f"({', '.join(e.path for e in matches)}); name one by its path", exit_codes.USAGE)
        chosen = select_entries(entries, names)
        roots = configured_roots(workspace, ())
        present = [e for e in chosen if (root / e.path).is_dir()]
        if not keep_files:
            for entry in present:
                require_in_roots(root / entry.path, roots)
            edited = [e for e in present if content_digest(read_folder(root / e.path)) != e.digest]
            if edited and not force:
                shown = ", ".join(display_path(root / e.path) for e in edited)
                raise GitSkillError(f"{shown}: locally modified (content differs from skills.lock); nothing removed. "
                                    "Keep the folder with --keep-files, or delete it anyway with --force",
                                    exit_codes.REFUSED)
        gone = {entry.path for entry in chosen}
        remaining = {path: entry for path, entry in entries.items() if path not in gone}
        if not dry_run:
            swap = FolderSwap(root, lock.journal, (lock_path(root),))
            if not keep_files:
                for entry in present:
                    swap.remove(root / entry.path)
                    for copy in agents_copies_of(workspace, root / entry.path):  # set aside with it, in the journal
                        swap.remove(copy)
            swap.commit(then=lambda: write_lock(root, remaining))
            keep_agents_in_step(workspace)
    for entry in chosen:
        click.echo(_report(entry, display_path(root / entry.path), entry in present, keep_files, dry_run))


def _report(entry: Any, where: str, present: bool, keep_files: bool, dry_run: bool) -> str:
    if keep_files or not present:
        why = " (its folder was already gone)" if not present else "; the folder stays, as your own skill"
        return f"{'would stop' if dry_run else 'stopped'} sharing {where}{why}"
    return f"{'would remove' if dry_run else 'removed'} {where} (shared from {entry.origin.describe()})"
