"""`git skill install`: set a repository up so every commit checks its skills."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.resources import data_file
from git_skill.workspace import display_path, open_workspace, require_repository

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


def install_hook(root: Path, force: bool) -> str:
    hook = hooks_folder(root) / HOOK_NAME
    wanted = data_file("hooks", HOOK_NAME).read_bytes()
    if hook.exists():
        current = hook.read_bytes()
        if current == wanted:
            return f"the git-skill hook is already installed at {display_path(hook)}"
        if not force:
            raise GitSkillError(
                f"{display_path(hook)} already exists and is not git-skill's; "
                "rerun with --force to replace it (a backup is kept), or call 'git-skill validate --staged' from it",
                exit_codes.REFUSED,
            )
        if MARKER not in current:
            backup = hook.with_name(HOOK_NAME + ".git-skill-backup")
            write_atomic(backup, current, mode=hook.stat().st_mode & 0o777)
    write_atomic(hook, wanted, mode=0o755)
    return f"installed the git-skill pre-commit hook at {display_path(hook)}"


@click.command("install")
@click.option("--hooks/--no-hooks", default=True, show_default=True, help="Install the plain git pre-commit hook.")
@click.option("--force", is_flag=True, help="Replace an existing hook that is not git-skill's (keeping a backup).")
def command(hooks: bool, force: bool) -> None:
    """Install git-skill into this repository: the pre-commit hook that validates staged skills.

    An existing hook that is not git-skill's is never replaced unless --force is given
    (exit 4 otherwise). Users of the pre-commit framework add the 'skill-validate'
    hook from .pre-commit-hooks.yaml instead.
    """
    workspace = open_workspace()
    require_repository(workspace, "git skill install")
    if hooks:
        click.echo(install_hook(workspace.root, force))
