"""Where a command runs: the git repository around the current folder, or a plain folder.

pygit2 is imported here, lazily, so `git skill --version` stays fast.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError

DEFAULT_LOCK_TIMEOUT = 60.0


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
    """Held across a run's whole read-modify-write of skills, `skills.lock` and the learn cache.

    An advisory `flock` on `.git/git-skill.lock` (a `.git-skill.lock` file outside a repository):
    the kernel releases it when the holder exits or is killed, so a crash never leaves the
    repository locked (a killed holder's file stays behind; only the flock counts). A run that
    finds it held waits up to `GIT_SKILL_LOCK_TIMEOUT` seconds (default 60, so agent hooks that
    fire together queue), then exits 5 naming the holder.
    Re-entrant within one process. The first holder also finishes what an interrupted run
    left behind (see `atomic.recover_interrupted`).
    """

    _held: dict[str, tuple[int, int]] = {}  # lock path -> (descriptor, depth), for re-entry

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        if workspace.git_dir is not None:
            self.path = Path(workspace.git_dir) / "git-skill.lock"
        else:
            self.path = workspace.root / ".git-skill.lock"

    @property
    def journal(self) -> Path:
        """Where a folder swap records its steps, so the next holder can undo an interrupted one."""
        return self.path.with_name(self.path.name.removesuffix(".lock") + "-swap.json")

    def __enter__(self) -> RepositoryLock:
        import time

        key = str(self.path)
        if key in self._held:
            descriptor, depth = self._held[key]
            self._held[key] = (descriptor, depth + 1)
            return self
        deadline = time.monotonic() + lock_timeout()
        while True:
            descriptor = self._open()
            try:
                if self._wait(descriptor, deadline) and self._still_named(descriptor):
                    self._name_holder(descriptor)
                    break
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)  # the holder removed the file as it let go: lock the one there now
        self._held[key] = (descriptor, 1)
        try:
            from git_skill.atomic import recover_interrupted

            for done in recover_interrupted(self.journal):
                sys.stderr.write(f"git-skill: {done} (its journal was {display_path(self.journal)})\n")
            self._clear_leftovers()
        except BaseException:
            self._release(key)
            raise
        return self

    def _clear_leftovers(self) -> None:
        """Staging and set-aside folders of runs killed before their clean-up (an agent's copy being made,
        a skill being replaced): no live run owns them once the lock is ours."""
        from git_skill.agents.table import AGENTS
        from git_skill.atomic import clear_leftovers
        from git_skill.skills.discovery import configured_roots

        try:
            roots = configured_roots(self.workspace)
        except GitSkillError:
            roots = []
        folders = list(dict.fromkeys([*roots, *(self.workspace.root / agent.link_dir for agent in AGENTS)]))
        cleared = clear_leftovers(folders)
        if cleared:
            sys.stderr.write(f"git-skill: removed {len(cleared)} folder(s) an interrupted run left "
                             f"({', '.join(display_path(p) for p in cleared[:3])}{', …' if len(cleared) > 3 else ''})\n")

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise GitSkillError(f"cannot open the lock file {display_path(self.path)}: {error.strerror or error}",
                                exit_codes.BAD_INPUT) from None

    def _wait(self, descriptor: int, deadline: float) -> bool:
        """Take the flock, polling until `deadline`; then exit 5 naming the holder."""
        import fcntl
        import time

        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GitSkillError(
                        f"another git-skill run ({self._holder(descriptor)}) holds {display_path(self.path)}; "
                        f"waited {lock_timeout():g} s (GIT_SKILL_LOCK_TIMEOUT)", exit_codes.LOCKED) from None
                time.sleep(0.05)

    def _still_named(self, descriptor: int) -> bool:
        """Whether the locked file is still the one at `path` (a releasing holder unlinks it)."""
        try:
            return os.stat(self.path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            return False

    @staticmethod
    def _name_holder(descriptor: int) -> None:
        """Write our pid for a waiter's message; a full disk loses only that courtesy, never the lock (the flock)."""
        try:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"pid {os.getpid()}\n".encode(), 0)
        except OSError:
            pass

    @staticmethod
    def _holder(descriptor: int) -> str:
        try:
            return os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "pid unknown"
        except OSError:
            return "pid unknown"

    def _release(self, key: str) -> None:
        descriptor, depth = self._held.pop(key)
        if depth > 1:
            self._held[key] = (descriptor, depth - 1)
            return
        try:
            os.unlink(self.path)  # while still locked: a waiter then sees the name gone and retries
        except OSError:
            pass
        os.close(descriptor)  # closing drops the flock

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._release(str(self.path))


def lock_timeout() -> float:
    """Seconds a run waits for the repository lock: `GIT_SKILL_LOCK_TIMEOUT`, default 60."""
    raw = os.environ.get("GIT_SKILL_LOCK_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise GitSkillError(f"GIT_SKILL_LOCK_TIMEOUT={raw!r} is not a number of seconds", exit_codes.USAGE) from None
    if value < 0 or value != value:
        raise GitSkillError(f"GIT_SKILL_LOCK_TIMEOUT={raw!r} must be 0 or more seconds", exit_codes.USAGE)
    return value


def open_workspace(start: Path | None = None) -> Workspace:
    """Discover the repository containing `start` (default: the current folder).

    As git does, `GIT_DIR`, `GIT_WORK_TREE` and `GIT_INDEX_FILE` (relative to the current
    folder) are honoured: git sets `GIT_INDEX_FILE` for the hooks of `git commit -a`,
    `git commit -- PATH` and `--only`, whose index is a temporary one.
    """
    import pygit2

    folder = Path(start or os.getcwd()).resolve()
    explicit = os.environ.get("GIT_DIR") if start is None else None
    try:
        git_path = str(Path(explicit).resolve()) if explicit else pygit2.discover_repository(str(folder))
    except pygit2.GitError as error:
        raise GitSkillError(f"cannot read the git repository at {folder}: {error}") from None
    if git_path is None:
        return Workspace(root=folder, repo=None)
    try:
        flags = pygit2.enums.RepositoryOpenFlag.FROM_ENV if start is None else pygit2.enums.RepositoryOpenFlag.DEFAULT
        repo = pygit2.Repository(git_path, flags=flags)
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


def require_work_tree(workspace: Workspace, what: str) -> None:
    """Refuse a bare repository (or a run inside a git directory): skills would land among git's own files."""
    if workspace.repo is not None and (workspace.repo.is_bare or workspace.repo.workdir is None):
        raise GitSkillError(f"{what} needs a work tree; {workspace.root} is a bare repository (or inside a git "
                            "directory): nothing written", exit_codes.USAGE)


def refuse_link(path: Path, what: str = "") -> None:
    """Refuse to rewrite a file that is a symbolic link: git-skill reads a file, changes it and writes the
    result in its place, so through a link it would copy the target's whole content (a link to /etc/passwd,
    a private file) into the repository, ready to be pushed. Links git-skill makes are skill folders, never
    these files."""
    if path.is_symlink():
        target = os.readlink(path)
        raise GitSkillError(f"{what or display_path(path)} is a symbolic link (to {escape_controls(target)}); "
                            "git-skill does not write through links it did not make: edit the file it points to, "
                            "or replace the link with a file", exit_codes.REFUSED)


def work_tree_file(workspace: Workspace, name: str, option: str) -> Path:
    """A file named by an option (`index --file`), relative to the work tree: refused (exit 2) when it leads
    outside the work tree, through a link or `..`, or into a git directory (`--file .git/config` broke git)."""
    given = Path(name)
    path = given if given.is_absolute() else workspace.root / given
    real_parent = Path(os.path.realpath(path.parent))
    parts = [part.lower() for part in Path(os.path.normpath(path)).relative_to(workspace.root).parts] \
        if _inside(Path(os.path.normpath(path)), workspace.root) else None
    git_dir = Path(os.path.realpath(workspace.git_dir)) if workspace.git_dir is not None else None
    if parts is None or not _inside(real_parent, workspace.root) or not parts:
        raise GitSkillError(f"{option} {escape_controls(name)} is outside the work tree {display_path(workspace.root)}",
                            exit_codes.USAGE)
    if ".git" in parts or (git_dir is not None and _inside(real_parent / path.name, git_dir)):
        raise GitSkillError(f"{option} {escape_controls(name)} is inside the git directory; git-skill writes only "
                            "work-tree files", exit_codes.USAGE)
    return path


def _inside(path: Path, folder: Path) -> bool:
    try:
        return os.path.commonpath([str(path), str(folder)]) == str(folder)
    except ValueError:
        return False


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the current folder when that is shorter, its control
    characters escaped (a folder name holding a newline must not forge lines of output)."""
    text = str(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:
        return escape_controls(text)
    return escape_controls(relative if len(relative) < len(text) else text)


_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7f, *range(0x80, 0xa0))}
_CONTROLS.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def escape_controls(text: str) -> str:
    """`text` with control characters written as escapes (`\\n`, `\\x1b`), as git quotes such names."""
    return text.translate(_CONTROLS) if not text.isprintable() else text


def uncommitted(workspace: Workspace, paths: list[Path]) -> list[str]:
    """Those of `paths` (files or folders in the work tree) with changes git has not committed, relative to
    the root as `git add` takes them; nothing outside a repository."""
    if workspace.repo is None:
        return []
    import pygit2

    try:
        changed = [path for path, flags in workspace.repo.status().items()
                   if flags not in (pygit2.GIT_STATUS_CURRENT, pygit2.GIT_STATUS_IGNORED)]
    except pygit2.GitError:
        return []
    root = workspace.root.resolve()
    wanted = []
    for path in paths:
        try:
            relative = Path(os.path.abspath(path)).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if any(c == relative or c.startswith(relative.rstrip("/") + "/") for c in changed) and relative not in wanted:
            wanted.append(relative)
    return wanted


def say_next_step(workspace: Workspace, paths: list[Path], message: str) -> None:
    """After a command that leaves something to commit: one line on stderr saying how to record it."""
    import shlex

    left = uncommitted(workspace, paths)
    folders = [p.rsplit("/", 1)[0] for p in left if "/" in p]
    if len(left) > 3 and len(set(folders)) < len(folders):  # many skills of one root: name the root once
        left = list(dict.fromkeys(p.rsplit("/", 1)[0] if folders.count(p.rsplit("/", 1)[0]) > 1 else p for p in left))
    if left:
        import click

        click.echo(f"next: review, then record it: git add -- {' '.join(shlex.quote(p) for p in left)} && "
                   f"git commit -m {shlex.quote(message)}", err=True)
