"""One learn run: the distiller path and the model path, each its own function, and the tasks of a batch.

The command parses options and reports; this module turns one task's distilled attempts into
an `Outcome` (planned, gated) and writes it. Both paths end in the same `Outcome`, so writing,
caching and reporting do not care which learner produced the skill. With a model, the tasks of
a batch run in threads (the work is waiting on the server), `--jobs` at a time, sharing one
client: its usage counts, its rate-limit backoff and the structured-output level it found.
"""

from __future__ import annotations

import ipaddress
import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

import click

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
    budget: int | None = None  # a ceiling; None: as large as fits the model's window, at most 24,000
    ask: Callable[[str, str, str], str] | None = None  # interactive curation (distiller path only)
    refuse_empty: bool = False  # a lone source with nothing to learn is an error (exit 3), not a row of a batch


LOCAL_TIMEOUT = 600.0  # seconds per call for a server on this machine: CPU inference can take minutes
REMOTE_TIMEOUT = 120.0
# A 135M model under greedy decoding repeats one item until max_tokens ("no, no, no, …"); with this penalty
# its reflection came back whole and schema-valid (llama-cpp-python, SmolLM2). Sent only to a server on this
# machine with a small window, the mark of a small model: on JSON a penalty on repeated tokens works against
# the keys and quotes a reply must repeat, and hosted providers are never sent it.
LOCAL_FREQUENCY_PENALTY = 1.0
SMALL_MODEL_WINDOW = 16384


def is_local(api_base: str | None) -> bool:
    host = urlparse(api_base or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_client(workspace: Workspace, model: str | None, api_base: str | None, timeout: float | None,
                context_window: int | None = None, debug: bool = False) -> Any:
    """The model client when a model is configured (option, `skill.model`, `GIT_SKILL_MODEL`), else None.

    Fails early (exit 2) when the `llm` extra is missing, and finds the model's context window
    (option, `skill.contextWindow`, else what the server or litellm reports) before any work.
    """
    chosen = model or workspace.config("skill.model") or os.environ.get("GIT_SKILL_MODEL") or None
    if not chosen:
        return None
    from git_skill.learning import context_window as windows
    from git_skill.learning.model import FormatMemory, ModelClient, ModelSettings, litellm_module, require_litellm
    from git_skill.learning.privacy import ProviderRedaction

    require_litellm()
    base = api_base or workspace.config("skill.apiBase")
    configured = workspace.config("skill.contextWindow")
    if context_window is None and configured:
        try:
            context_window = int(configured)
        except ValueError:
            raise GitSkillError(f"git config skill.contextWindow is {configured!r}, not a number of tokens",
                                exit_codes.USAGE) from None
    if context_window is not None and context_window < 1024:
        raise GitSkillError(f"a context window of {context_window} tokens is too small to learn from a session "
                            "(at least 1024)", exit_codes.USAGE)
    where = "--context-window" if context_window else ""
    if context_window is None:
        context_window, where = windows.discover(chosen, base, litellm_module)
    output_limit = windows.output_limit(chosen, litellm_module)
    small_local = is_local(base) and context_window is not None and context_window <= SMALL_MODEL_WINDOW
    settings = ModelSettings(chosen, api_base=base, api_key=os.environ.get("GIT_SKILL_API_KEY"),
                             timeout=timeout or (LOCAL_TIMEOUT if is_local(base) else REMOTE_TIMEOUT),
                             context_window=context_window, output_limit=output_limit,
                             reply_tokens=windows.reply_reserve(context_window, output_limit),
                             frequency_penalty=LOCAL_FREQUENCY_PENALTY if small_local else None,
                             temperature=None if windows.is_reasoning_model(chosen, litellm_module) else 0)
    memory = FormatMemory(Path(workspace.git_dir) / "git-skill" / "structured-output.json" if workspace.git_dir else None)

    def note(message: str) -> None:
        click.echo(f"git-skill: note: {message}", err=True)

    def say(message: str) -> None:
        if debug:
            click.echo(f"git-skill: debug: {message}", err=True)

    client = ModelClient(settings, formats=memory, note=note, debug=say, privacy=ProviderRedaction(workspace.root))
    window = f"context window {context_window} ({where})" if context_window else f"context window {where}"
    say(f"model {chosen}" + (f" at {base}" if base else "") + f": {window}, timeout {settings.timeout:g} s per call, "
        f"replies up to {settings.reply_tokens} tokens")
    return client


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
    if creation is None:  # the reflection found no lesson: nothing to learn, as the distiller's rule says
        return nothing_to_learn(group, request, outcome.reason)
    if outcome.operation != "none":
        gate_model(outcome, creation, client, workspace, request.skills_dirs, request.name, request.operation)
    return outcome


def learn_group(workspace: Workspace, client: Any, group: list[Any], request: Request) -> Outcome:
    from git_skill.learning.distiller import nothing_to_learn as why_nothing

    reasons = [why_nothing(item.lessons) for item in group]
    if all(reasons):
        return nothing_to_learn(group, request, str(reasons[0]))
    if client is None:
        return learn_with_distiller(workspace, group, request)
    return learn_with_model(workspace, client, group, request)


def nothing_to_learn(group: list[Any], request: Request, reason: str) -> Outcome:
    """A source with nothing to learn (see `distiller.nothing_to_learn`): no skill, no model call."""
    sources = ", ".join(item.source for item in group)
    if request.refuse_empty:
        raise GitSkillError(f"nothing to learn from {sources}: {reason}; nothing written", exit_codes.BAD_INPUT)
    return Outcome(sources, str(group[0].fingerprint), "none", reason, group[0].lessons.name, None, "",
                   empty=True)


def write_task(workspace: Workspace, client: Any, task: TaskResult, request: Request,
               force: Callable[[Outcome], bool], make_commit: bool, ours: set[str]) -> Outcome:
    """Write a planned task under the repository lock, planning it again first if another run
    changed the skills since it was planned.

    Planning (model calls take minutes) happens outside the lock, so parallel sessions' hooks
    queue only for the write. Under the lock, the skills are compared with what planning read
    (`Outcome.seen`): a change that is not this run's own write (`ours`, the states this run left)
    means another run wrote meanwhile, and the task is planned again against its skill, so a
    concurrent `## Variant` is extended, never overwritten.
    """
    from git_skill.skills.discovery import discover, stat_fingerprint
    from git_skill.workspace import RepositoryLock

    assert task.outcome is not None
    with RepositoryLock(workspace):
        outcome = task.outcome
        found = [location.skill_file for location in discover(workspace, (), request.skills_dirs).skills]
        now = stat_fingerprint(found)
        # a skill created meanwhile where this task would create one (two tasks of a batch naming
        # their skill alike): planned again, so the second extends the first instead of replacing it
        taken = outcome.operation == "create" and outcome.path is not None and outcome.path.exists()
        if now != outcome.seen and (now not in ours or taken):
            outcome = learn_group(workspace, client, task.group, request)
        if outcome.operation != "none":
            write_outcome(outcome, workspace, force(outcome), make_commit)
            assert outcome.path is not None
            ours.add(stat_fingerprint([*found, outcome.path]))  # the skills as this write left them
    return outcome


def write_outcome(outcome: Outcome, workspace: Workspace, force: bool, make_commit: bool) -> None:
    """Write one skill under the repository lock; `force` also covers a skill this run already wrote."""
    from git_skill.agents.links import agents_copies_of, keep_agents_in_step
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
        keep_agents_in_step(workspace)
        if make_commit:
            message = (f"Learn skill {outcome.name} ({outcome.operation})\n\n"
                       f"Source-Digest: {outcome.source_digest}\nLearner: {outcome.learner}\n"
                       f"Operation: {outcome.operation}\n")
            outcome.commit = commit_skill(workspace, outcome.path.parent, message,
                                          agents_copies_of(workspace, outcome.path.parent))


@dataclass
class TaskResult:
    """One task of a run: its attempts, and either the planned outcome or the error that stopped it."""

    group: list[Any]
    outcome: Outcome | None = None
    error: GitSkillError | None = None


def learn_tasks(workspace: Workspace, client: Any, groups: list[list[Any]], request: Request, jobs: int,
                done: Callable[[TaskResult], None] | None = None) -> Iterator[TaskResult]:
    """Plan every task, yielding each as it finishes (the caller writes, in one thread).

    One task alone fails as before (its error propagates). In a batch, a task's failure is
    its result and the others go on, except failures no other task can escape (a refused
    key, an unknown model), which stop the run. With a model, `jobs` tasks run at once.
    """
    from git_skill.learning.model import FATAL_KINDS

    def one(group: list[Any]) -> TaskResult:
        try:
            return TaskResult(group, outcome=learn_group(workspace, client, group, request))
        except GitSkillError as error:
            if len(groups) == 1 or getattr(error, "kind", None) in FATAL_KINDS:
                raise
            return TaskResult(group, error=error)

    if client is None or jobs <= 1 or len(groups) <= 1:
        for group in groups:
            result = one(group)
            if done:
                done(result)
            yield result
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="learn")
    pending: set[Future[TaskResult]] = {pool.submit(one, group) for group in groups}
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                result = future.result()
                if done:
                    done(result)
                yield result
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def usage_line(client: Any) -> str:
    """Calls, tokens and cost so far, for the progress bar."""
    usage = client.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd is not None else ""
    return f"{usage.calls} calls, {usage.prompt_tokens + usage.completion_tokens} tokens{cost}"
