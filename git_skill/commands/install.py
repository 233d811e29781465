"""`git skill install`: set a repository up so every commit checks its skills."""

from __future__ import annotations

import os
import subprocess
from contextlib import nullcontext
from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.folders import require_readable
from git_skill.resources import data_file
from git_skill.workspace import (RepositoryLock, Workspace, display_path, open_workspace, refuse_link,
                                 require_repository)

HOOK_NAME = "pre-commit"
MARKER = b"git-skill pre-commit hook"


def hooks_folder(root: Path) -> Path:
    """The folder git runs hooks from (honours core.hooksPath and linked worktrees)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise GitSkillError(f"cannot ask git where hooks live: {error}") from None
    path = Path(out)
    return path if path.is_absolute() else root / path


def _said(dry_run: bool, done: str, planned: str) -> str:
    """One step's report: what was done, or with --dry-run what would be."""
    return f"would {planned}" if dry_run else done


def backup_path(hook: Path) -> Path:
    """Where `install --force` keeps the user's own hook, and `--uninstall` restores it from."""
    return hook.with_name(HOOK_NAME + ".git-skill-backup")


def install_hook(root: Path, force: bool, dry_run: bool) -> str:
    hook = hooks_folder(root) / HOOK_NAME
    wanted = data_file("hooks", HOOK_NAME).read_bytes()
    if hook.exists():
        require_readable(hook)
        current = hook.read_bytes()
        if current == wanted:
            return f"the git-skill hook is already installed at {display_path(hook)}"
        refuse_link(hook)  # the backup would copy the link's target (which may be any file) beside it
        if not force:
            raise GitSkillError(
                f"{display_path(hook)} already exists and is not git-skill's; "
                "rerun with --force to replace it (a backup is kept), or call 'git-skill validate --staged' from it",
                exit_codes.REFUSED,
            )
        if MARKER not in current:
            backup = backup_path(hook)
            if os.path.lexists(backup):
                raise GitSkillError(f"{display_path(hook)} is not git-skill's, and {display_path(backup)} already "
                                    "holds an earlier hook of yours; move one of them away first (a backup is never "
                                    "overwritten)", exit_codes.REFUSED)
            if not dry_run:
                write_atomic(backup, current, mode=hook.stat().st_mode & 0o777)
    if not dry_run:
        write_atomic(hook, wanted, mode=0o755)
    where = display_path(hook)
    return _said(dry_run, f"installed the git-skill pre-commit hook at {where}",
                 f"install the git-skill pre-commit hook at {where}")


ATTRIBUTES_LINE = "SKILL.md merge=git-skill"


def _read_attributes(attributes: Path) -> str:
    """.gitattributes as text; bytes that are not UTF-8 survive the round trip (surrogateescape)."""
    refuse_link(attributes)  # its target's content would be copied into the repository with our line
    if not attributes.exists():
        return ""
    require_readable(attributes)
    return attributes.read_bytes().decode("utf-8", "surrogateescape")
DRIVER = "git-skill merge-driver %O %A %B %P"


def install_merge_driver(workspace: Workspace, dry_run: bool) -> list[str]:
    """.gitattributes routes SKILL.md to the driver; the repository's config defines it. Idempotent."""
    done = []
    attributes = workspace.root / ".gitattributes"
    current = _read_attributes(attributes)
    if ATTRIBUTES_LINE not in current.splitlines():
        text = current + ("" if not current or current.endswith("\n") else "\n") + ATTRIBUTES_LINE + "\n"
        if not dry_run:
            write_atomic(attributes, text.encode("utf-8", "surrogateescape"))
        where = display_path(attributes)
        done.append(_said(dry_run, f"added '{ATTRIBUTES_LINE}' to {where}", f"add '{ATTRIBUTES_LINE}' to {where}"))
    config = workspace.repo.config
    defined = config["merge.git-skill.driver"] if "merge.git-skill.driver" in config else None
    if defined != DRIVER:
        if not dry_run:
            config["merge.git-skill.name"] = "git-skill: merge SKILL.md field by field and section by section"
            config["merge.git-skill.driver"] = DRIVER
        done.append(_said(dry_run, "defined merge.git-skill.driver in the repository's git config",
                          "define merge.git-skill.driver in the repository's git config"))
    return done or ["the SKILL.md merge driver is already installed"]


def remove_installation(workspace: Workspace, hooks: bool, driver: bool, dry_run: bool) -> list[str]:
    done = []
    if hooks:
        hook = hooks_folder(workspace.root) / HOOK_NAME
        require_readable(hook)  # a FIFO would block the read
        if hook.exists() and MARKER in hook.read_bytes():
            backup = backup_path(hook)
            where = display_path(hook)
            if backup.is_file():
                if not dry_run:
                    os.replace(backup, hook)  # one step: the user's hook is back, ours is gone
                done.append(_said(dry_run, f"removed the git-skill hook {where} and restored your hook from "
                                  f"{display_path(backup)}", f"remove the git-skill hook {where} and restore yours "
                                  f"from {display_path(backup)}"))
            else:
                if not dry_run:
                    hook.unlink()
                done.append(_said(dry_run, f"removed the git-skill hook {where}", f"remove the git-skill hook {where}"))
    if driver:
        attributes = workspace.root / ".gitattributes"
        if attributes.exists():
            lines = _read_attributes(attributes).splitlines(keepends=True)
            kept = [line for line in lines if line.strip() != ATTRIBUTES_LINE]
            if kept != lines:
                if not dry_run:
                    write_atomic(attributes, "".join(kept).encode("utf-8", "surrogateescape"))
                where = display_path(attributes)
                done.append(_said(dry_run, f"removed '{ATTRIBUTES_LINE}' from {where}",
                                  f"remove '{ATTRIBUTES_LINE}' from {where}"))
        config = workspace.repo.config
        for key in ("merge.git-skill.driver", "merge.git-skill.name"):
            if key in config:
                if not dry_run:
                    del config[key]
                done.append(_said(dry_run, f"removed {key} from the repository's git config",
                                  f"remove {key} from the repository's git config"))
    return done or ["nothing of git-skill was installed"]


@click.command("install")
@click.option("--hooks", "only_hooks", is_flag=True, help="Only the plain git pre-commit hook.")
@click.option("--merge-driver", "only_driver", is_flag=True, help="Only the SKILL.md merge driver (.gitattributes + git config).")
@click.option("--force", is_flag=True,
              help="Replace an existing hook that is not git-skill's (keeping a backup, never overwriting one).")
@click.option("--uninstall", is_flag=True,
              help="Remove what git-skill installed (never a hook that is not ours); restore a hook --force kept.")
@click.option("--dry-run", is_flag=True, help="Show what would be installed or removed; write nothing.")
def command(only_hooks: bool, only_driver: bool, force: bool, uninstall: bool, dry_run: bool) -> None:
    """Set this repository up: the pre-commit hook that validates and lints staged skills, and the
    merge driver that merges SKILL.md field by field and section by section. With neither
    --hooks nor --merge-driver, both.

    An existing hook that is not git-skill's is never replaced unless --force is given
    (exit 4 otherwise). Users of the pre-commit framework add the 'skill-validate' and
    'skill-lint' hooks from .pre-commit-hooks.yaml instead.
    """
    workspace = open_workspace()
    require_repository(workspace, "git skill install")
    hooks, driver = (only_hooks or not only_driver), (only_driver or not only_hooks)
    with RepositoryLock(workspace) if not dry_run else nullcontext():
        if uninstall:
            for line in remove_installation(workspace, hooks, driver, dry_run):
                click.echo(line)
            return
        if hooks:
            click.echo(install_hook(workspace.root, force, dry_run))
        if driver:
            for line in install_merge_driver(workspace, dry_run):
                click.echo(line)
    if driver and not dry_run:
        from git_skill.workspace import say_next_step

        say_next_step(workspace, [workspace.root / ".gitattributes"], "Merge SKILL.md with git-skill's merge driver")
