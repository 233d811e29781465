"""Where a command runs: the git repository around the current folder, or a plain folder.

pygit2 is imported here, lazily, so `git skill --version` stays fast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError


@dataclass
class Workspace:
    """`root` is the repository's work tree, or the starting folder when there is no repository."""

    root: Path
    repo: Any | None

    @property
    def git_dir(self) -> Path | None:
        return Path(self.repo.path) if self.repo is not None else None

    def config(self, key: str) -> str | None:
        """A git config value (repository, then global and system), or None."""
        import pygit2

        try:
            config = self.repo.config if self.repo is not None else pygit2.Config.get_global_config()
            return config[key] if key in config else None
        except (pygit2.GitError, OSError, KeyError):
            return None

    def config_all(self, key: str) -> list[str]:
        import pygit2

        try:
            config = self.repo.config if self.repo is not None else pygit2.Config.get_global_config()
            return list(config.get_multivar(key))
        except (pygit2.GitError, OSError, KeyError):
            return []


class RepositoryLock:
    """Held while a run writes skills; a second run fails at once (exit 5) instead of waiting."""

    def __init__(self, workspace: Workspace) -> None:
        folder = workspace.git_dir if workspace.git_dir is not None else workspace.root
        self.path = Path(folder) / "git-skill.lock" if workspace.git_dir is not None else Path(folder) / ".git-skill.lock"

    def __enter__(self) -> RepositoryLock:
        try:
            handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = self.path.read_text().strip()
            except OSError:
                holder = "?"
            raise GitSkillError(
                f"another git-skill run holds {display_path(self.path)} (pid {holder}); "
                "wait for it, or remove the file if no such run exists", exit_codes.LOCKED) from None
        with os.fdopen(handle, "w") as stream:
            stream.write(str(os.getpid()))
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def open_workspace(start: Path | None = None) -> Workspace:
    """Discover the repository containing `start` (default: the current folder)."""
    import pygit2

    folder = Path(start or os.getcwd()).resolve()
    try:
        git_path = pygit2.discover_repository(str(folder))
    except pygit2.GitError as error:
        raise GitSkillError(f"cannot read the git repository at {folder}: {error}") from None
    if git_path is None:
        return Workspace(root=folder, repo=None)
    try:
        repo = pygit2.Repository(git_path)
    except pygit2.GitError as error:
        raise GitSkillError(f"cannot open the git repository at {git_path}: {error}") from None
    check_health(repo, git_path)
    if repo.is_bare or repo.workdir is None:
        return Workspace(root=folder, repo=repo)
    return Workspace(root=Path(repo.workdir).resolve(), repo=repo)


def check_health(repo: Any, git_path: str) -> None:
    """Refuse a repository whose HEAD cannot be read: garbage in HEAD, a missing commit or tree.

    Every command reads HEAD sooner or later (the hooks diff the index against its tree), and git
    itself refuses such a repository; one clear exit 3 at the start beats a failure halfway through.
    Costs one reference, one commit and one tree lookup.
    """
    import pygit2

    try:
        if repo.head_is_unborn:
            return
        commit = repo.head.peel(pygit2.Commit)
        len(commit.tree)
    except (pygit2.GitError, KeyError, ValueError) as error:
        raise GitSkillError(f"the git repository at {display_path(git_path)} is broken: HEAD cannot be read "
                            f"({str(error).strip(chr(34))}); repair it (git fsck) first", exit_codes.BAD_INPUT) from None


def require_repository(workspace: Workspace, what: str) -> Any:
    if workspace.repo is None or workspace.repo.workdir is None:
        raise GitSkillError(f"{what} needs a git repository with a work tree; {workspace.root} is not in one",
                            exit_codes.USAGE)
    return workspace.repo


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the current folder when that is shorter."""
    text = str(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:
        return text
    return relative if len(relative) < len(text) else text
