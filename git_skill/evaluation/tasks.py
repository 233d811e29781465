"""Which tasks count: held-out folds and task lists, shared by `learn` and `compare`.

A fold is a stable function of the task id alone (SHA-256, so every machine and every Python
agrees), so `learn --fold 1/2` and `compare --fold 2/2` split any runs of one benchmark the same
way without a file to carry around. Variants of a task (`crack-7z-hash.easy`, `crack-7z-hash.hard`)
share their base task's fold: a skill learned from one is never scored on another.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.folders import require_readable

_FOLD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*\Z")


def fold_key(task_id: str) -> str:
    """The part of a task id that decides its fold: the id up to its first '.' (the variant suffix)."""
    return task_id.split(".", 1)[0] or task_id


def fold_of(task_id: str, folds: int) -> int:
    """The fold (1..folds) of a task: the first 8 bytes of SHA-256(fold key), big-endian, mod folds, plus 1."""
    digest = hashlib.sha256(fold_key(task_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds + 1


def parse_fold(text: str) -> tuple[int, int]:
    """'K/N' as (K, N), with 1 <= K <= N and N >= 2."""
    match = _FOLD.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not K/N (for example 1/2)")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 2 or not 1 <= k <= n:
        raise click.BadParameter(f"{text!r}: need 1 <= K <= N and N >= 2")
    return k, n


def read_task_file(path: Path) -> set[str]:
    """Task ids, one a line; blank lines and '#' comments are skipped."""
    require_readable(path)  # a FIFO would wait forever for a writer
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GitSkillError(f"cannot read the task list {path}: {error}", exit_codes.BAD_INPUT) from None
    ids = {line.split("#", 1)[0].strip() for line in text.splitlines()}
    ids.discard("")
    if not ids:
        raise GitSkillError(f"the task list {path} names no task", exit_codes.USAGE)
    return ids


@dataclass(frozen=True)
class TaskSelection:
    """Tasks kept: in the fold (when given), in the task list (when given), not in the excluded list."""

    fold: tuple[int, int] | None = None
    include: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return self.fold is not None or self.include is not None or bool(self.exclude)

    def keeps(self, task_id: str) -> bool:
        if self.fold is not None and fold_of(task_id, self.fold[1]) != self.fold[0]:
            return False
        if self.include is not None and task_id not in self.include:
            return False
        return task_id not in self.exclude

    def describe(self) -> str:
        parts = []
        if self.fold is not None:
            parts.append(f"fold {self.fold[0]}/{self.fold[1]}")
        if self.include is not None:
            parts.append(f"{len(self.include)} listed tasks")
        if self.exclude:
            parts.append(f"{len(self.exclude)} tasks excluded")
        return ", ".join(parts) or "all tasks"

    def to_dict(self) -> dict[str, object]:
        return {"fold": f"{self.fold[0]}/{self.fold[1]}" if self.fold else None,
                "tasks": sorted(self.include) if self.include is not None else None,
                "exclude_tasks": sorted(self.exclude)}


def selection_from_options(fold: str | None, tasks_file: Path | None, exclude_file: Path | None) -> TaskSelection:
    """The selection the --fold, --tasks and --exclude-tasks options describe."""
    return TaskSelection(parse_fold(fold) if fold else None,
                         frozenset(read_task_file(tasks_file)) if tasks_file else None,
                         frozenset(read_task_file(exclude_file)) if exclude_file else frozenset())


def select_trials(trials: Iterable[str], selection: TaskSelection) -> list[str]:
    """The trial paths (run and job folders already expanded) whose task the selection keeps.

    A source with no task id (a bare transcript) cannot be placed in a fold: refused, since
    learning from it could leak a held-out task into the skills."""
    from git_skill.evaluation.results import trial_task_id

    kept = []
    for trial in trials:
        task = trial_task_id(Path(trial))
        if task is None:
            raise GitSkillError(f"{trial} names no task (no Terminal-Bench results.json or Harbor result.json), "
                                f"so it cannot be placed in {selection.describe()}", exit_codes.USAGE)
        if selection.keeps(task):
            kept.append(trial)
    return kept


def learn_sources(members: list[str], fold: str | None, tasks_file: Path | None,
                  exclude_file: Path | None) -> list[str]:
    """`learn`'s trials after its --fold/--tasks/--exclude-tasks (all of them when none is given)."""
    selection = selection_from_options(fold, tasks_file, exclude_file)
    if not selection.active:
        return members
    kept = select_trials(members, selection)
    if not kept:
        raise GitSkillError(f"nothing to learn: none of the {len(members)} trials is in {selection.describe()}",
                            exit_codes.USAGE)
    click.echo(f"git-skill: learning from {len(kept)} of {len(members)} trials ({selection.describe()})", err=True)
    return kept


def task_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--fold, --tasks and --exclude-tasks, worded the same for every command that takes them."""
    for option in reversed((
        click.option("--fold", default=None, metavar="K/N",
                     help="Only tasks in fold K of N (a stable split by task id; variants share a fold)."),
        click.option("--tasks", "tasks_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, metavar="FILE", help="Only the task ids listed in FILE (one a line, # comments)."),
        click.option("--exclude-tasks", "exclude_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, metavar="FILE", help="Leave out the task ids listed in FILE."),
    )):
        command = option(command)
    return command
