"""`git skill compare BASELINE CANDIDATE…`: did the learned skills help? Paired, per-task statistics over runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.evaluation.tasks import task_options


def _a_number(value: float, option: str) -> float:
    """FloatRange lets NaN through (every comparison with it is false): a threshold of NaN passes nothing."""
    if value != value:
        raise click.BadParameter("nan is not a number", param_hint=option)
    return value


@click.command("compare")
@click.argument("conditions", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="BASELINE CANDIDATE…")
@click.option("--name", "names", multiple=True, metavar="LABEL",
              help="A label per condition, in order (repeatable; default: the folder name).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("--pass-threshold", type=click.FloatRange(min=0, max=1, min_open=True), default=1.0, show_default=True,
              callback=lambda ctx, param, value: _a_number(value, "--pass-threshold"),
              help="A Harbor trial passes when its reward is at least this.")
@click.option("--resamples", type=click.IntRange(min=100, max=1_000_000), default=10_000, show_default=True,
              help="Bootstrap resamples for the 95% interval.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap (same seed, same interval).")
@task_options
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also draw each task's baseline and candidate pass rate (.png or .svg; needs git-skill[plot]).")
@click.option("--list-tasks", is_flag=True,
              help="Print the task ids the conditions have after --fold/--tasks/--exclude-tasks, one a line "
              "(a task file for --tasks, or for Harbor's task filters), and stop.")
def command(conditions: tuple[Path, ...], names: tuple[str, ...], output_format: str, pass_threshold: float,
            resamples: int, seed: int, fold: str | None, tasks_file: Path | None, exclude_file: Path | None,
            plot_file: Path | None, list_tasks: bool) -> None:
    """Compare benchmark runs: BASELINE against each CANDIDATE, task by task.

    Each argument is one condition: a Terminal-Bench run folder or its results.json, a Harbor
    job folder (trial folders with result.json), one trial, or a folder holding several runs of
    the same condition (pooled; each run is reported too). Per condition: runs, tasks, trials,
    pass rate (passed trials / trials), cost, tokens, agent time, tool calls and skill loads where
    the data has them, and the run-to-run spread. Per candidate, over the tasks both ran: the
    change in pass rate (mean over tasks of the change in mean pass over attempts) with a 95%
    paired bootstrap interval over tasks, an exact sign test, and the tasks fixed and broken.

    Exit 0 when compared, 2 on usage errors, 3 when a result file is unreadable or malformed.
    """
    from git_skill.evaluation import render, summary
    from git_skill.evaluation.results import load_condition
    from git_skill.evaluation.tasks import selection_from_options

    if len(conditions) < 2 and not list_tasks:
        raise GitSkillError("compare needs a BASELINE and at least one CANDIDATE", exit_codes.USAGE)
    if len(names) > len(conditions):
        raise GitSkillError(f"{len(names)} --name labels for {len(conditions)} conditions", exit_codes.USAGE)
    if plot_file is not None:
        from git_skill.evaluation.plot import check_target

        check_target(plot_file)
    selection = selection_from_options(fold, tasks_file, exclude_file)
    labels = list(names) + [None] * (len(conditions) - len(names))
    loaded = [summary.select(load_condition(path, pass_threshold, label), selection)
              for path, label in zip(conditions, labels)]
    summary.distinct_names(loaded)
    if list_tasks:
        for task in sorted({t.task for condition in loaded for t in condition.trials}):
            click.echo(task)
        return
    empty = [c.name for c in loaded if not c.runs]
    if empty:
        raise GitSkillError(f"no task left to score in {', '.join(empty)} after {selection.describe()}",
                            exit_codes.USAGE)
    report = summary.report(loaded, summary.Settings(pass_threshold, resamples, seed), selection)
    if plot_file is not None:
        from git_skill.evaluation.plot import draw

        draw(report, plot_file)
    if output_format == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        from git_skill.options import use_color

        click.echo(render.markdown(report) if output_format == "markdown" else render.text(report, use_color()),
                   nl=False)
    if plot_file is not None and output_format != "json":
        click.echo(f"git-skill: plot written to {plot_file}", err=True)

