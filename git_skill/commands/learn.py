"""`git skill learn [SOURCE...]`: turn an agent session (and its feedback) into a skill, or improve one."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.evaluation.tasks import task_options
from git_skill.learning.plan import Operation
from git_skill.options import skills_dir_option
from git_skill.workspace import Workspace, display_path, open_workspace, require_work_tree

if TYPE_CHECKING:
    from git_skill.learning.run import Bar, Report, TaskResult

_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def hook_source(agent: str, arguments: tuple[str, ...]) -> tuple[tuple[str, ...], Path]:
    """SOURCE and working folder from an agent hook's JSON (Claude Code: stdin; Codex notify: last argument)."""
    raw = arguments[-1] if agent == "codex" and arguments else _hook_input(agent)
    try:
        payload = json.loads(raw)  # bytes: invalid UTF-8 is "not JSON", not a crash
    except (ValueError, RecursionError):
        raise GitSkillError(f"--from-hook {agent}: the hook input is not JSON (UTF-8)", exit_codes.BAD_INPUT) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("cwd"), str):
        raise GitSkillError(f"--from-hook {agent}: the hook JSON has no 'cwd'", exit_codes.BAD_INPUT)
    start = Path(payload["cwd"])
    if not start.is_dir():
        raise GitSkillError(f"--from-hook {agent}: cwd {start} does not exist", exit_codes.BAD_INPUT)
    if agent == "claude-code":
        transcript = payload.get("transcript_path")
        if not isinstance(transcript, str) or not transcript:
            raise GitSkillError("--from-hook claude-code: the hook JSON has no 'transcript_path'", exit_codes.BAD_INPUT)
        path = Path(transcript)
        if not path.is_file():  # a hook names one session's file: a folder would be learned from whole
            what = "a folder" if path.is_dir() else "not a regular file" if path.exists() else "missing"
            raise GitSkillError(f"--from-hook claude-code: transcript_path {transcript} is {what}; a hook names "
                                "one transcript file", exit_codes.BAD_INPUT)
        return (transcript,), start
    return (), start  # Codex: the newest rollout recorded for this folder


def _hook_input(agent: str) -> bytes:
    """The hook JSON on stdin; a closed or unreadable stdin is bad input, not a crash."""
    try:
        if sys.stdin is None:
            raise OSError("stdin is closed")
        return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise GitSkillError(f"--from-hook {agent}: cannot read the hook JSON on stdin ({reason})",
                            exit_codes.BAD_INPUT) from None


def _ask(decision_operation: Operation, reason: str, name: str, preview: str) -> Operation:
    """Show what the proposal would write (the skill, or the diff of an extend), then ask."""
    click.echo(preview, nl=not preview.endswith("\n"), err=True)
    choices = {"e": Operation.EXTEND, "c": Operation.CREATE, "n": Operation.NONE}
    default = {v: k for k, v in choices.items()}[decision_operation]
    answer = click.prompt(f"Proposed: {decision_operation} ({reason}). [e]xtend, [c]reate '{name}', or [n]othing?",
                          type=click.Choice(list(choices)), default=default, show_choices=False, err=True)
    return choices[answer]


@click.command("learn")
@click.argument("sources", nargs=-1, type=click.Path(path_type=str))
@click.option("--feedback", "feedback_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Verifier output, a CI log or a reviewer's note to learn from too; repeatable.")
@click.option("--no-feedback", is_flag=True, help="Learn from the trajectory alone: ignore verifier output, rewards and "
              "--feedback files (recorded as learned-feedback: ignored).")
@click.option("--model", default=None, help="A model for the reflection pipeline, any litellm model name (default: git "
              "config skill.model, then GIT_SKILL_MODEL; none means the built-in distiller).")
@click.option("--api-base", default=None, help="An OpenAI-compatible endpoint, e.g. a local server (default: git config "
              "skill.apiBase). The key comes from the provider's variable or GIT_SKILL_API_KEY.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None,
              help="Seconds to wait for each model call (default: 120; 600 for an --api-base on this machine). Rate "
              "limits and server errors are retried 3 times, honouring Retry-After.")
@click.option("--budget", type=click.IntRange(min=1000), default=None,
              help="Token budget of the digest sent to the model (default: as large as fits its context window, "
              "at most 24000).")
@click.option("--context-window", "context_window", type=click.IntRange(min=1), default=None, metavar="TOKENS",
              help="The model's context window (default: git config skill.contextWindow, else what the server or "
              "litellm reports).")
@skills_dir_option
@click.option("--name", default=None, help="Name for a new skill (default: from the task).")
@click.option("--operation", type=click.Choice(["create", "extend", "update", "none"]), default=None,
              help="Override the curation choice (update needs a model: it fixes wrong steps in place).")
@click.option("--dry-run", is_flag=True, help="Print the skill and the operation; write nothing.")
@click.option("--commit", "make_commit", is_flag=True,
              help="Commit only the skill's files (and agents' links to it), recording the source digest.")
@click.option("--force", is_flag=True, help="Overwrite a skill folder that has uncommitted changes.")
@click.option("--yes/--interactive", "assume_yes", default=True, show_default=True,
              help="Take the proposed operation, or show what it would write (the skill, or the diff an extend "
              "makes) and ask (on a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Trials read at once when SOURCE is a run or job folder, and with a model trials reflected on at "
              "once (default: cores, at most 4); skills are then consolidated one task at a time.")
@click.option("--batch", "provider_batch", is_flag=True,
              help="With a model: send the reflections as one batch through the provider's batch API (OpenAI-"
              "compatible files and batches endpoints: half the price, no rate limits). Waits --timeout seconds; a "
              "batch still running is kept under .git/ and collected by the same command run again (exit 5 until "
              "then).")
@click.option("--from-hook", "from_hook", type=click.Choice(["claude-code", "codex"]), default=None,
              help="Called by an agent hook: claude-code reads the hook JSON on stdin (transcript_path, cwd); "
              "codex takes the notify JSON as the last argument (cwd). A session with nothing to learn "
              "prints why and exits 0.")
@task_options
def command(sources: tuple[str, ...], feedback_files: tuple[Path, ...], no_feedback: bool, model: str | None,
            api_base: str | None, timeout: float | None, budget: int | None, context_window: int | None,
            skills_dirs: tuple[str, ...],
            name: str | None, operation: str | None, dry_run: bool, make_commit: bool, force: bool, assume_yes: bool,
            as_json: bool, jobs: int | None, provider_batch: bool, from_hook: str | None, fold: str | None,
            tasks_file: Path | None, exclude_file: Path | None) -> None:
    """Learn a skill from SOURCE: a transcript, a trial folder, a Terminal-Bench run or Harbor job
    folder (every trial in it; attempts at one task make one skill), or nothing for the newest
    Claude Code, Codex, Gemini CLI or OpenCode session recorded for this repository.

    The built-in distiller (no model, no network) writes the task's requirements, the steps
    (headed "that worked" only when the verifier accepted them), each error with its fix when
    the session shows one, the checks run and the verifier's failures, its expected values as
    <value>; curation extends a similar
    existing skill instead of duplicating it. Exit 0 when done, 2 on usage errors, 3 on
    unreadable input or a session with nothing to learn (no agent step and no failed check, or
    nothing beyond the task's text; see docs/distiller.md), 4 when
    a skill has uncommitted edits (see --force), 5 when another run holds the repository lock
    for longer than GIT_SKILL_LOCK_TIMEOUT seconds (default 60). In a batch, attempts at one
    task, variants of a task family and tasks with near-duplicate lessons make one skill; a task
    that fails is reported in the summary, the others go on, and the run exits with the first
    failure's code; a task whose skill has a person's uncommitted edit is skipped (edit kept,
    exit 4); a rerun learns only what failed or was skipped.
    """
    from git_skill.evaluation.tasks import learn_sources
    from git_skill.learning.batch import default_jobs
    from git_skill.learning.run import Options, Request, learn, open_client, usage_line
    from git_skill.transcripts.sources import expand_sources, resolve_source

    if from_hook:
        sources, start = hook_source(from_hook, sources)
        workspace = open_workspace(start)
    else:
        workspace = open_workspace()
    require_work_tree(workspace, "git skill learn")
    debug = bool(click.get_current_context().find_root().params.get("debug"))
    client = open_client(workspace, model, api_base, timeout, context_window, debug)
    if name is not None and (not _NAME.match(name) or len(name) > 64):
        raise GitSkillError(f"--name {name!r} is not a valid skill name (lowercase letters, digits, single '-')",
                            exit_codes.USAGE)
    if operation == "update" and client is None:
        raise GitSkillError("--operation update needs a model (--model): the distiller cannot tell a wrong step "
                            "from a right one", exit_codes.USAGE)
    if provider_batch and client is None:
        raise GitSkillError("--batch sends a model's reflections as one batch: it needs a model (--model)",
                            exit_codes.USAGE)
    if make_commit and (dry_run or workspace.repo is None):
        raise GitSkillError("--commit needs a git repository and cannot go with --dry-run", exit_codes.USAGE)
    interactive = not assume_yes and sys.stdin is not None and sys.stdin.isatty()
    paths = [resolve_source(s, workspace.root) for s in sources] or [resolve_source(None, workspace.root)]
    for path in paths:
        if not path.exists():
            raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    members = [str(trial) for path in paths for trial in expand_sources(path)]
    members = learn_sources(members, fold, tasks_file, exclude_file)  # held-out learning: see README
    batch = len(members) > 1
    show_progress = batch and not as_json and sys.stderr.isatty()

    def bars(label: str, length: int) -> AbstractContextManager[Bar]:
        if not show_progress or not length:
            return _NoBar()
        if label == "model" and client is not None:  # the source just reflected on, then calls, tokens and cost
            return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True,  # ETA after one
                                     item_show_func=lambda source: (f"{Path(source).name}; " if source else "")
                                     + usage_line(client))
        return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True,
                                 item_show_func=lambda source: Path(source).name if source else None)

    def say(message: str) -> None:
        if debug:
            click.echo(f"git-skill: debug: {message}", err=True)

    request = Request(skills_dirs, name, Operation(operation) if operation else None, budget,
                      _ask if interactive else None)
    options = Options(tuple(str(f) for f in feedback_files), not no_feedback, jobs or default_jobs(), dry_run, force,
                      make_commit, refuse_empty=not batch and not from_hook, provider_batch=provider_batch)  # a chat is not a hook failure
    report = learn(workspace, client, members, request, options, bars, say)
    planned = [result for result in report.results if result.plan is not None]
    failures = [result for result in report.results if result.error is not None and not result.skipped]
    skipped = [result for result in report.results if result.skipped]
    if not as_json and not batch:
        for result in planned:
            _report(result, dry_run, workspace)
    if report.cached and not batch and not as_json:
        click.echo(f"nothing to learn from {report.cached[0]}: already learned (its source digest is in the cache); "
                   "--force learns it again")
    usage = None
    if client is not None:
        u = client.usage
        usage = {"model": client.settings.model, "calls": u.calls, "prompt_tokens": u.prompt_tokens,
                 "completion_tokens": u.completion_tokens, "cost_usd": u.cost_usd}
        if not as_json:
            cost = f", ${u.cost_usd:.4f}" if u.cost_usd is not None else " (cost unknown for this model)"
            click.echo(f"model {u.calls} calls: {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens{cost}",
                       err=True)
    if as_json:
        click.echo(json.dumps({"version": 1, "results": [result.to_dict() for result in planned],
                               "failed": [_failure(result) for result in failures + skipped],
                               "skipped": report.cached, "unreadable": [item.to_dict() for item in report.unreadable],
                               "usage": usage}, indent=2))
    elif batch:
        _summary(report, dry_run)
        _where(planned, workspace)
    for item in report.unreadable:
        click.echo(f"git-skill: {display_path(item.source)}: {item.message}", err=True)
    if not dry_run and not make_commit and not as_json:
        _next_step(planned, workspace)
    tasks = len(report.results)
    if failures:
        first = failures[0].error
        assert first is not None
        if not batch:
            raise first  # one source: its own message (nothing to learn, a refusal), not a batch summary
        raise GitSkillError(f"{len(failures)} of {tasks} tasks failed (first: {first.message}); a rerun "
                            "learns only those", first.exit_code)
    if skipped:
        first = skipped[0].error
        assert first is not None
        raise GitSkillError(f"{len(skipped)} of {tasks} tasks skipped: a skill they would change has uncommitted "
                            f"edits, kept as they are (first: {first.message})", exit_codes.REFUSED)
    if report.unreadable:
        raise GitSkillError(f"{len(report.unreadable)} of {len(members)} sources could not be read (above); "
                            "the others were learned", max(item.exit_code for item in report.unreadable))


def _failure(result: TaskResult) -> dict[str, object]:
    assert result.error is not None
    return {"sources": [attempt.source for attempt in result.group.attempts], "error": result.error.message,
            "exit_code": result.error.exit_code}


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int, item: str | None = None) -> None:
        return None


_OUTCOME_COLOURS = {"resolved": "green", "unresolved": "red", "unknown": "yellow", "failed": "red",
                    "unreadable": "red", "skipped": "yellow"}


def _summary(report: Report, dry_run: bool) -> None:
    """One row per source, then what the batch did to the library, counted by skill."""
    rows: list[tuple[str, str, str, str]] = []
    for result in report.results:
        for attempt in result.group.attempts:
            outcome = attempt.lessons.outcome or "-"
            if result.plan is not None:
                rows.append((Path(attempt.source).name, outcome, result.plan.operation.value, result.plan.name))
            elif result.skipped:
                rows.append((Path(attempt.source).name, outcome, "skipped", "uncommitted edits kept: "
                             + (result.error.message.split(" has ")[0] if result.error else "")))
            else:
                message = result.error.message.splitlines()[0][:100] if result.error else "-"
                rows.append((Path(attempt.source).name, outcome, "failed", message))
    rows += [(Path(source).name, "-", "cached", "-") for source in report.cached]
    rows += [(Path(item.source).name, "-", "unreadable", "-") for item in report.unreadable]
    from git_skill.options import use_color
    from git_skill.reporting import paint, plural

    headers = ("TRIAL", "OUTCOME", "OPERATION", "SKILL")
    shown = [i for i in range(len(headers)) if i != 1 or any(row[1] != "-" for row in rows)]  # no outcomes: no column
    widths = [max(len(header), *(len(row[i]) for row in rows)) if rows else len(header)
              for i, header in enumerate(headers)]
    color = use_color()
    for number, row in enumerate([headers, *rows]):
        cells = [paint(row[i].ljust(widths[i]), _OUTCOME_COLOURS.get(row[i].split(" ")[0]) if number else None,
                       color and i in (1, 2)) for i in shown]
        click.echo("  ".join(cells).rstrip())
    created: set[Path] = set()
    extended: set[Path] = set()
    for result in report.results:
        plan = result.plan
        if plan is not None and plan.path is not None and (result.written or dry_run):
            if plan.operation == Operation.CREATE:
                created.add(plan.path)
            elif plan.path not in created:
                extended.add(plan.path)
    untouched = sum(1 for result in report.results if result.plan is not None and result.plan.operation == Operation.NONE)
    failed = sum(1 for result in report.results if result.error is not None and not result.skipped)
    skipped = sum(1 for result in report.results if result.skipped)
    written = "would be written" if dry_run else "written"
    tail = " (dry run: nothing written)" if dry_run else ""
    parts = [f"{plural(len(created | extended), 'skill')} {written} ({len(created)} created, {len(extended)} extended)",
             f"{untouched} untouched"]
    parts += [f"{failed} failed"] if failed else []
    parts += [f"{skipped} skipped (uncommitted edits)"] if skipped else []
    parts += [f"{len(report.cached)} already learned"]
    parts += [f"{len(report.unreadable)} unreadable"] if report.unreadable else []
    click.echo(f"{plural(len(rows), 'source')}, {plural(len(report.results), 'task')}: {', '.join(parts)}{tail}")


def _where(results: list[TaskResult], workspace: Workspace) -> None:
    """For a batch: each folder the skills went to, and which agents see it."""
    from git_skill.agents.links import visibility_note

    folders = {result.plan.path.parent for result in results
               if result.plan is not None and result.plan.path is not None and result.plan.operation != Operation.NONE}
    for root in sorted({folder.parent for folder in folders}):
        example = next(folder for folder in sorted(folders) if folder.parent == root)
        click.echo(f"{display_path(root)}: {visibility_note(workspace, example)}")


def _next_step(results: list[TaskResult], workspace: Workspace) -> None:
    """The skills this run wrote and did not commit: how to commit them."""
    from git_skill.workspace import say_next_step

    written = [result.plan for result in results if result.written and result.plan and result.plan.path]
    names = list(dict.fromkeys(plan.name for plan in written))
    said = f"Learn {len(names)} skills" if len(names) > 3 else f"Learn the {', '.join(names)} skill" + (
        "s" if len(names) > 1 else "")
    say_next_step(workspace, [plan.path.parent for plan in written if plan.path], said)


def _report(result: TaskResult, dry_run: bool, workspace: Workspace) -> None:
    from git_skill.agents.links import visibility_note

    plan = result.plan
    assert plan is not None
    where = display_path(plan.path) if plan.path else "-"
    if plan.operation == Operation.NONE:
        click.echo(f"nothing to learn from {plan.source}: {plan.reason}")
        return
    if dry_run:
        click.echo(plan.text, nl=not plan.text.endswith("\n"))
        click.echo(f"--- dry run: would {plan.operation} {where} ({plan.reason}); nothing written", err=True)
        if plan.path:
            click.echo(f"--- {visibility_note(workspace, plan.path.parent)}", err=True)
        return
    assert plan.path is not None
    commit = f"; committed {result.commit[:12]}" if result.commit else ""
    click.echo(f"{plan.operation.done} {where} ({plan.reason}; source {plan.source_digest[:19]}…){commit}")
    click.echo(f"  {visibility_note(workspace, plan.path.parent)}")
