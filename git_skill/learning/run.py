"""One learn run, as numbered steps (`learn`): the command parses options and reports, this runs.

Phase one studies each attempt on its own, in parallel; phase two consolidates each group of
attempts into one plan against the library, serially, each seeing the skills the batch wrote
before it (learning/README.md says why). With a model, phase one runs in threads (the work is
waiting on the server), `--jobs` at a time, sharing one client: its usage counts, its
rate-limit backoff and the structured-output level it found.
"""

from __future__ import annotations

import ipaddress
import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol
from urllib.parse import urlparse

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.learning.attempts import Attempt, Unreadable, read_all
from git_skill.learning.batch import workers_for
from git_skill.stopping import check_stop
from git_skill.learning.curation import Library
from git_skill.learning.grouping import Group, group_attempts
from git_skill.learning.learners import DistillerLearner, Learner, ModelLearner, Request
from git_skill.learning.plan import Operation, Plan
from git_skill.learning.writer import LocalEdits, WrittenRecord
from git_skill.workspace import Workspace, display_path

if TYPE_CHECKING:
    from git_skill.learning.model import ModelClient


LOCAL_TIMEOUT = 600.0  # seconds per call for a server on this machine: CPU inference can take minutes
REMOTE_TIMEOUT = 120.0
# A 135M model under greedy decoding repeats one item until max_tokens ("no, no, no, …"); with this penalty
# its reflection came back whole and schema-valid (llama-cpp-python, SmolLM2). Sent only to a server on this
# machine with a small window, the mark of a small model: on JSON a penalty on repeated tokens works against
# the keys and quotes a reply must repeat, and hosted providers are never sent it.
LOCAL_FREQUENCY_PENALTY = 1.0
SMALL_MODEL_WINDOW = 16384
SMALL_MODEL_MAX_ITEMS = 8  # lists a small model may fill: llama-cpp-python's grammar grows with each bound


def is_local(api_base: str | None) -> bool:
    host = urlparse(api_base or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_client(workspace: Workspace, model: str | None, api_base: str | None, timeout: float | None,
                context_window: int | None = None, debug: bool = False) -> ModelClient | None:
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
                             max_items=SMALL_MODEL_MAX_ITEMS if small_local else None,
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


@dataclass(frozen=True)
class Options:
    """How this run goes, beyond what it asks of each task (`Request`)."""

    feedback: tuple[str, ...] = ()
    use_feedback: bool = True
    jobs: int = 1
    dry_run: bool = False
    force: bool = False
    make_commit: bool = False
    refuse_empty: bool = False  # a lone source with nothing to learn is an error (exit 3), not a row of a batch
    provider_batch: bool = False  # --batch: phase one's reflections through the provider's batch API


class Bar(Protocol):
    def update(self, steps: int, item: str | None = None) -> None: ...


Bars = Callable[[str, int], AbstractContextManager[Bar]]  # a progress bar for a phase: label, length


@dataclass
class TaskResult:
    """One group of a run: its plan and whether it was written, or the error that stopped it."""

    group: Group
    plan: Plan | None = None
    error: GitSkillError | None = None
    written: bool = False
    commit: str | None = None

    @property
    def skipped(self) -> bool:
        """A person's uncommitted edit was in the way: left as it was, this task not learned."""
        return isinstance(self.error, LocalEdits)

    def to_dict(self) -> dict[str, object]:
        assert self.plan is not None
        return {**self.plan.to_dict(), "written": self.written, "commit": self.commit}


@dataclass
class Report:
    """What a run did, for the command to print."""

    members: list[str]
    cached: list[str] = field(default_factory=list)  # already learned (their source digest is in the cache)
    unreadable: list[Unreadable] = field(default_factory=list)
    results: list[TaskResult] = field(default_factory=list)


def learn(workspace: Workspace, client: ModelClient | None, members: list[str], request: Request, options: Options,
          bars: Bars, debug: Callable[[str], None]) -> Report:
    """Learn from every source (a transcript or a trial folder), in six steps."""
    from git_skill.digests import source_digest
    from git_skill.learning.batch import LearnCache, cache_key

    batch = len(members) > 1
    report = Report(members)
    # 1. Hash each source once; what the cache says was learned is skipped (--force learns it again).
    cache = LearnCache(workspace)
    todo: dict[str, str] = {}
    for member in members:
        digest = source_digest(Path(member))
        if not options.force and not options.dry_run and cache_key(digest, options.use_feedback) in cache:
            report.cached.append(member)
        else:
            todo[member] = digest
    # 2. Phase one, everywhere: read, digest and distill each source, in worker processes.
    attempts: list[Attempt] = []
    with bars("reading", len(todo)) as bar:
        for found in read_all(todo, options.feedback, options.jobs, options.use_feedback, batch,
                              keep_digest=client is not None, progress=lambda source: bar.update(1, source)):
            if isinstance(found, Unreadable):
                report.unreadable.append(found)
            else:
                attempts.append(found)
    # 3. Group: attempts at one task, variants of one task family, tasks with near-duplicate lessons.
    groups = group_attempts(attempts, debug)
    alone = not batch or len(groups) == 1  # one task fails as itself, not as a row of a summary
    learner: Learner = DistillerLearner(workspace, request) if client is None else \
        ModelLearner(workspace, request, client, debug, reuse=not options.force,
                     keep_edits=not options.force and not options.dry_run)
    # 4. Phase one, with a model: reflect on each attempt, --jobs at once or in one provider batch (--batch),
    #    cached by source digest.
    learnable = [group for group in groups if not _nothing(group)]
    if options.provider_batch and isinstance(learner, ModelLearner):
        from git_skill.batches.provider import reflect_in_batch
        from git_skill.learning.pipeline import reflection_budget

        reflect_in_batch(workspace, learner.client, [a for g in learnable for a in g.attempts],
                         reflection_budget(learner.client, request.budget), learner.reflections,
                         learner.client.settings.timeout, debug)
    failed = study_all(learner, learnable, options.jobs, alone, bars)
    # 5. Phase two: consolidate each group into one plan, serially, and write it under the repository lock.
    # 6. Remember each task learned, saved when the run ends however it ends (a refused key, Ctrl-C), so a
    #    rerun learns only what is new or what failed, never the same lesson twice.
    record = WrittenRecord(workspace)
    library = Library.read(workspace, request.skills_dirs)
    learned = False
    try:
        for group in groups:
            check_stop()  # a signal during the last task's write and commit stops the batch here, that task whole
            result = TaskResult(group)
            try:
                nothing = _nothing(group)
                if nothing:
                    result.plan = nothing_to_learn(group, nothing, options.refuse_empty)
                elif any(attempt.source in failed for attempt in group.attempts):
                    result.error = next(failed[a.source] for a in group.attempts if a.source in failed)
                else:
                    result.plan = learner.consolidate(group, library)
                    if result.plan.empty:  # the model found no lesson: nothing to learn, as the distiller's rule
                        result.plan = nothing_to_learn(group, result.plan.reason, options.refuse_empty)
                    elif options.dry_run:
                        if result.plan.path is not None and result.plan.operation != Operation.NONE:
                            library = library.with_skill(result.plan.path, result.plan.text)
                    else:
                        write(workspace, learner, result, request, options, record, debug, cache)
                        library = Library.read(workspace, request.skills_dirs)
            except GitSkillError as error:
                if alone or getattr(error, "kind", None) in _fatal_kinds(client):
                    raise
                result.plan, result.error = None, error
            report.results.append(result)
            if result.plan is not None and not options.dry_run:
                learned = True
                for attempt in group.attempts:
                    cache.record(cache_key(attempt.source_digest, attempt.use_feedback), result.plan.name,
                                 result.plan.operation.value)
    finally:
        if learned:
            from git_skill.workspace import RepositoryLock

            with RepositoryLock(workspace):
                cache.save()
    return report


def _nothing(group: Group) -> str | None:
    """Why none of the group's attempts has anything to learn (see `distiller.nothing_to_learn`), or None."""
    from git_skill.learning.distiller import nothing_to_learn as why_nothing

    reasons = [why_nothing(attempt.lessons) for attempt in group.attempts]
    return reasons[0] if all(reasons) else None


def _fatal_kinds(client: ModelClient | None) -> frozenset[str]:
    if client is None:
        return frozenset()
    from git_skill.learning.model import FATAL_KINDS

    return FATAL_KINDS


def nothing_to_learn(group: Group, reason: str, refuse: bool) -> Plan:
    """A source with nothing to learn: no skill, no model call; alone (`refuse`), an error (exit 3)."""
    sources = tuple(attempt.source for attempt in group.attempts)
    if refuse:
        raise GitSkillError(f"nothing to learn from {', '.join(sources)}: {reason}; nothing written",
                            exit_codes.BAD_INPUT)
    return Plan(sources, group.attempts[0].source_digest, Operation.NONE, reason, group.attempts[0].lessons.name,
                "", empty=True)


def study_all(learner: Learner, groups: list[Group], jobs: int, alone: bool, bars: Bars) -> dict[str, GitSkillError]:
    """Phase one's per-attempt study, `jobs` at once; returns the attempts that failed, by source.

    One task alone fails as before (its error propagates). In a batch, an attempt's failure fails its
    group and the others go on, except failures no other task can escape (a refused key, an unknown
    model), which stop the run.
    """
    attempts = [attempt for group in groups for attempt in group.attempts]
    if isinstance(learner, DistillerLearner) or not attempts:
        return {}
    fatal = _fatal_kinds(learner.client) if isinstance(learner, ModelLearner) else frozenset()
    failed: dict[str, GitSkillError] = {}

    def one(attempt: Attempt) -> None:
        try:
            learner.study(attempt)
        except GitSkillError as error:
            if alone or getattr(error, "kind", None) in fatal:
                raise
            failed[attempt.source] = error

    jobs = workers_for(jobs, len(attempts), waiting=True)
    with bars("model", len(attempts)) as bar:
        if jobs <= 1:
            for attempt in attempts:
                one(attempt)
                bar.update(1, attempt.source)
            return failed
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="learn")
        submitted = {pool.submit(one, attempt): attempt for attempt in attempts}
        pending: set[Future[None]] = set(submitted)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
                    bar.update(1, submitted[future].source)
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
    return failed


def write(workspace: Workspace, learner: Learner, result: TaskResult, request: Request, options: Options,
          record: WrittenRecord, debug: Callable[[str], None], cache: Any = None) -> None:
    """Write the group's plan under the repository lock, consolidating it again first if another run
    changed the skills since it was planned (only the creation: phase one's reflections are kept).

    Consolidation (a model call can take minutes) happens outside the lock, so parallel sessions'
    hooks queue only for the write. A skill folder with uncommitted changes that learn did not make
    (`WrittenRecord`) is a person's edit: never overwritten without --force.
    """
    from git_skill.agents.links import agents_copies_of, keep_agents_in_step
    from git_skill.learning.batch import cache_key
    from git_skill.learning.writer import check_not_edited, commit_skill, write_skill_folder
    from git_skill.skills.discovery import is_inside
    from git_skill.stopping import finishing
    from git_skill.workspace import RepositoryLock

    assert result.plan is not None
    with RepositoryLock(workspace) as lock:
        now = Library.read(workspace, request.skills_dirs)
        if now.fingerprint != result.plan.library:
            debug(f"{result.group.label}: the skills changed since it was planned (another run wrote): planning "
                  "its creation again under the lock, its reflections reused")
            result.plan = learner.consolidate(result.group, now)
        plan = result.plan
        if plan.operation == Operation.NONE:
            return
        assert plan.path is not None
        folder = plan.path.parent
        lexical = os.path.normpath(os.path.abspath(folder))  # named inside the repository, lands outside: a link
        if lexical.startswith(str(workspace.root) + os.sep) and not is_inside(folder, workspace.root):
            raise GitSkillError(f"{display_path(folder)} leads outside the repository (through a symbolic link); "
                                "nothing written", exit_codes.REFUSED)
        if not options.force:
            check_not_edited(workspace, folder, record)
        with finishing():  # written, agents in step and (--commit) committed with its cache entry, or not at all
            write_skill_folder(folder, plan.text.encode("utf-8"),
                               {relative: content.encode("utf-8") for relative, content in plan.files.items()},
                               lock.journal)
            record.remember(folder, ["SKILL.md", *plan.files])
            result.written = True
            keep_agents_in_step(workspace)
            if options.make_commit:
                message = (f"Learn skill {plan.name} ({plan.operation})\n\n"
                           f"Source-Digest: {plan.source_digest}\nLearner: {plan.learner}\n"
                           f"Operation: {plan.operation}\n")
                result.commit = commit_skill(workspace, folder, message, agents_copies_of(workspace, folder))
                if cache is not None:  # saved with the commit: a stopped run never learns a committed source again
                    for attempt in result.group.attempts:
                        cache.record(cache_key(attempt.source_digest, attempt.use_feedback), plan.name,
                                     plan.operation.value)
                    cache.save()


def usage_line(client: ModelClient) -> str:
    """Calls, tokens and cost so far, for the progress bar."""
    usage = client.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd is not None else ""
    return f"{usage.calls} calls, {usage.prompt_tokens + usage.completion_tokens} tokens{cost}"
