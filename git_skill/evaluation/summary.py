"""Per-condition figures and paired comparisons against the baseline, as plain data (rendered elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from git_skill.evaluation import statistics
from git_skill.evaluation.results import METRICS, Condition, Run, Trial
from git_skill.evaluation.tasks import TaskSelection


@dataclass(frozen=True)
class Settings:
    pass_threshold: float = 1.0
    resamples: int = 10_000
    seed: int = 0


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def by_task(trials: list[Trial]) -> dict[str, list[Trial]]:
    tasks: dict[str, list[Trial]] = {}
    for trial in trials:
        tasks.setdefault(trial.task, []).append(trial)
    return tasks


def select(condition: Condition, selection: TaskSelection) -> Condition:
    """The condition with only the selected tasks' trials (runs left empty are dropped)."""
    if not selection.active:
        return condition
    runs = [Run(run.name, run.path, [t for t in run.trials if selection.keeps(t.task)]) for run in condition.runs]
    return Condition(condition.name, condition.path, [run for run in runs if run.trials], condition.unreadable)


def distinct_names(conditions: list[Condition]) -> None:
    """Two conditions with one name would be indistinguishable in every output: number the later ones."""
    seen: dict[str, int] = {}
    for condition in conditions:
        seen[condition.name] = seen.get(condition.name, 0) + 1
        if seen[condition.name] > 1:
            condition.name = f"{condition.name} ({seen[condition.name]})"


def _pass_rate(trials: list[Trial]) -> float:
    return sum(t.passed for t in trials) / len(trials)


def describe(condition: Condition, settings: Settings = Settings()) -> dict[str, Any]:
    """Runs, tasks, trials, pass rate (passed trials / trials) with its interval over tasks, rewards,
    per-trial usage, run-to-run spread."""
    trials = condition.trials
    tasks = by_task(trials)
    low, high = statistics.bootstrap_rate_interval([sum(t.passed for t in group) for group in tasks.values()],
                                                   [len(group) for group in tasks.values()],
                                                   settings.resamples, settings.seed)
    rewards = [t.reward if t.reward is not None else 0.0 for t in trials]
    partial = any(0.0 < r < 1.0 for r in rewards)
    per_trial = {}
    for metric in METRICS:
        values = [v for t in trials for v in [t.metric(metric)] if v is not None]
        per_trial[metric] = {"mean": _mean(values), "trials": len(values)}
    runs = [{"name": run.name, "trials": len(run.trials), "tasks": len(by_task(run.trials)),
             "pass_rate": _pass_rate(run.trials)} for run in condition.runs]
    task_sets = {frozenset(by_task(run.trials)) for run in condition.runs}
    spread = None
    if len(runs) >= 2:
        rates = [r["pass_rate"] for r in runs]
        spread = {"min": min(rates), "max": max(rates), "stdev": statistics.sample_stdev(rates),
                  "same_tasks": len(task_sets) == 1}
    return {"name": condition.name, "path": str(condition.path), "runs": len(condition.runs),
            "tasks": len(tasks), "trials": len(trials), "pass_rate": _pass_rate(trials), "pass_rate_ci95": [low, high],
            "mean_reward": sum(rewards) / len(rewards), "partial_rewards": partial,
            "no_reward": sum(t.reward is None for t in trials), "errors": sum(t.error is not None for t in trials),
            "unreadable": condition.unreadable, "per_trial": per_trial, "run_results": runs, "spread": spread}


def _task_means(tasks: dict[str, list[Trial]], metric: str) -> dict[str, float]:
    means = {}
    for task, trials in tasks.items():
        values = [v for t in trials for v in [t.metric(metric)] if v is not None]
        if values:
            means[task] = sum(values) / len(values)
    return means


def _skills_loaded(tasks: list[str], trials: dict[str, list[Trial]]) -> dict[str, int]:
    """For each skill the candidate's agent loaded in any trial of these tasks, in how many of the
    tasks (most first): a skill that goes with broken tasks stands out."""
    counts: dict[str, int] = {}
    for task in tasks:
        for skill in set().union(*(trial.skills for trial in trials[task])):
            counts[skill] = counts.get(skill, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def compare(baseline: Condition, candidate: Condition, settings: Settings) -> dict[str, Any]:
    """The candidate against the baseline over the tasks both ran: change in pass rate with its
    bootstrap interval and sign test, tasks fixed and broken, and relative changes in usage."""
    base_tasks, cand_tasks = by_task(baseline.trials), by_task(candidate.trials)
    common = sorted(set(base_tasks) & set(cand_tasks))
    base = {task: _pass_rate(base_tasks[task]) for task in common}
    cand = {task: _pass_rate(cand_tasks[task]) for task in common}
    differences = [cand[task] - base[task] for task in common]
    fixed = [task for task, d in zip(common, differences) if d > 0]
    broken = [task for task, d in zip(common, differences) if d < 0]
    result: dict[str, Any] = {
        "baseline": baseline.name, "candidate": candidate.name, "tasks": len(common),
        "only_in_baseline": sorted(set(base_tasks) - set(cand_tasks)),
        "only_in_candidate": sorted(set(cand_tasks) - set(base_tasks)),
        "baseline_pass_rate": None, "candidate_pass_rate": None, "delta": None, "relative": None,
        "ci95": None, "ci_includes_zero": None, "p_value": None, "changed": len(fixed) + len(broken),
        "fixed": fixed, "broken": broken,
        "skills_loaded": {"fixed": _skills_loaded(fixed, cand_tasks), "broken": _skills_loaded(broken, cand_tasks)},
        "per_task": [{"task": task, "baseline": base[task], "candidate": cand[task],
                      "baseline_trials": len(base_tasks[task]), "candidate_trials": len(cand_tasks[task])}
                     for task in common],
        "metrics": {},
    }
    if not common:
        return result
    base_rate, cand_rate = sum(base.values()) / len(common), sum(cand.values()) / len(common)
    delta = sum(differences) / len(common)
    low, high = statistics.bootstrap_mean_interval(differences, settings.resamples, settings.seed)
    result.update(baseline_pass_rate=base_rate, candidate_pass_rate=cand_rate, delta=delta,
                  relative=delta / base_rate if base_rate else None, ci95=[low, high],
                  ci_includes_zero=low <= 0.0 <= high, p_value=statistics.sign_test(len(fixed), len(broken)))
    for metric in METRICS:
        base_means = _task_means({t: base_tasks[t] for t in common}, metric)
        cand_means = _task_means({t: cand_tasks[t] for t in common}, metric)
        shared = sorted(set(base_means) & set(cand_means))
        if not shared:
            continue
        before = sum(base_means[t] for t in shared) / len(shared)
        after = sum(cand_means[t] for t in shared) / len(shared)
        result["metrics"][metric] = {"tasks": len(shared), "baseline": before, "candidate": after,
                                     "relative": (after - before) / before if before else None}
    return result


def report(conditions: list[Condition], settings: Settings, selection: TaskSelection) -> dict[str, Any]:
    """The whole comparison: each condition described, each candidate against the first (the baseline)."""
    return {
        "version": 1,
        "pass_threshold": settings.pass_threshold,
        "selection": selection.to_dict(),
        "statistics": {"interval": statistics.INTERVAL_NAME, "resamples": settings.resamples, "seed": settings.seed,
                       "test": statistics.TEST_NAME},
        "conditions": [describe(condition, settings) for condition in conditions],
        "comparisons": [compare(conditions[0], candidate, settings) for candidate in conditions[1:]],
    }
