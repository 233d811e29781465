"""One learn run, one task at a time: the distiller path and the model path, each its own function.

The command parses options and reports; this module turns one task's distilled attempts into
an `Outcome` (planned, gated) and writes it. Both paths end in the same `Outcome`, so writing,
caching and reporting do not care which learner produced the skill.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.learning.planning import Outcome, gate, gate_model, plan, plan_with_model
from git_skill.workspace import Workspace, display_path


@dataclass(frozen=True)
class Request:
    """What the user asked of every task in this run."""

    skills_dirs: tuple[str, ...] = ()
    name: str | None = None
    operation: str | None = None
    budget: int = 24000
    ask: Callable[[str, str, str], str] | None = None  # interactive curation (distiller path only)


def open_client(workspace: Workspace, model: str | None, api_base: str | None, timeout: float) -> Any:
    """The model client when a model is configured (option, `skill.model`, `GIT_SKILL_MODEL`), else None."""
    chosen = model or workspace.config("skill.model") or os.environ.get("GIT_SKILL_MODEL") or None
    if not chosen:
        return None
    from git_skill.learning.model import ModelClient, ModelSettings

    return ModelClient(ModelSettings(chosen, api_base=api_base or workspace.config("skill.apiBase"),
                                     api_key=os.environ.get("GIT_SKILL_API_KEY"), timeout=timeout))


def learn_with_distiller(workspace: Workspace, group: list[Any], request: Request) -> Outcome:
    """The built-in distiller: curate, render, and leave out lines that trip an error rule."""
    outcome = plan(workspace, group, request.skills_dirs, request.name, request.operation, request.ask)
    if outcome.operation != "none":
        gate(outcome, workspace)
    return outcome


def learn_with_model(workspace: Workspace, client: Any, group: list[Any], request: Request) -> Outcome:
    """The reflection-and-creation pipeline: findings go back to the model for repair rounds."""
    outcome, creation = plan_with_model(workspace, client, group, request.skills_dirs, request.name,
                                        request.operation, request.budget)
    if outcome.operation != "none":
        gate_model(outcome, creation, client, workspace, request.skills_dirs, request.name, request.operation)
    return outcome


def learn_group(workspace: Workspace, client: Any, group: list[Any], request: Request) -> Outcome:
    if client is None:
        return learn_with_distiller(workspace, group, request)
    return learn_with_model(workspace, client, group, request)


def skills_fingerprint(workspace: Workspace, skills_dirs: tuple[str, ...]) -> str:
    """A digest of every existing skill's SKILL.md: what curation read when it planned."""
    import hashlib

    from git_skill.skills.discovery import discover

    digest = hashlib.sha256()
    for location in discover(workspace, (), skills_dirs).skills:
        digest.update(str(location.skill_file).encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(location.skill_file.read_bytes())
        except OSError:
            digest.update(b"\1unreadable")
    return digest.hexdigest()


def learn_and_write(workspace: Workspace, client: Any, group: list[Any], request: Request,
                    force: Callable[[Outcome], bool], make_commit: bool) -> Outcome:
    """Plan one task against the skills as they are and write it, as one step under the repository lock.

    The distiller plans in milliseconds, so it plans under the lock: a concurrent run's skill
    is always seen (its `## Variant` kept, not overwritten). A model takes minutes, so it plans
    outside the lock, and under the lock the skills it read are compared with what is there
    now: if another run changed them meanwhile, it plans again (while holding the lock), so
    nothing is planned on a stale copy.
    """
    from git_skill.workspace import RepositoryLock

    if client is None:
        with RepositoryLock(workspace):
            outcome = learn_with_distiller(workspace, group, request)
            if outcome.operation != "none":
                write_outcome(outcome, workspace, force(outcome), make_commit)
        return outcome
    seen = skills_fingerprint(workspace, request.skills_dirs)
    outcome = learn_with_model(workspace, client, group, request)
    with RepositoryLock(workspace):
        if skills_fingerprint(workspace, request.skills_dirs) != seen:
            outcome = learn_with_model(workspace, client, group, request)
        if outcome.operation != "none":
            write_outcome(outcome, workspace, force(outcome), make_commit)
    return outcome


def write_outcome(outcome: Outcome, workspace: Workspace, force: bool, make_commit: bool) -> None:
    """Write one skill under the repository lock; `force` also covers a skill this run already wrote."""
    from git_skill.learning.writer import commit_skill, local_changes, write_skill_folder
    from git_skill.workspace import RepositoryLock

    assert outcome.path is not None
    with RepositoryLock(workspace) as lock:
        changed = local_changes(workspace, outcome.path.parent)
        if changed and not force:
            raise GitSkillError(
                f"{display_path(outcome.path.parent)} has uncommitted changes ({', '.join(changed[:5])}); "
                "commit or stash them, or rerun with --force", exit_codes.REFUSED)
        write_skill_folder(outcome.path.parent, outcome.text.encode("utf-8"),
                           {relative: content.encode("utf-8") for relative, content in outcome.files.items()},
                           lock.journal)
        outcome.written = True
        if make_commit:
            message = (f"Learn skill {outcome.name} ({outcome.operation})\n\n"
                       f"Source-Digest: {outcome.source_digest}\nLearner: {outcome.learner}\n"
                       f"Operation: {outcome.operation}\n")
            outcome.commit = commit_skill(workspace, outcome.path.parent, message)
