"""How many runs per condition make a pass-rate difference detectable, from repeated runs of one configuration.

Each folder argument holds several runs of one configuration (Terminal-Bench results.json files or
Harbor jobs, as `git skill compare` reads them). A run's pass rate varies because each task passes by
chance: from the per-task pass rates over the runs, the variance of one run's pass rate is
sum_t p_t (1 - p_t) / T^2 (with the n/(n-1) correction for estimating p_t). Comparing two
conditions of R runs each on the same tasks, the change has standard error sd_run * sqrt(2 / R), so
at a two-sided 5% level with 80% power the smallest detectable change is (1.96 + 0.84) * that.
Whole runs also vary together (a slow day, a flaky service), so the observed spread of the runs'
pass rates can exceed that; the tables use the larger of the two, pooled over the folders.

    python bench/runs_needed.py ../shared/fixtures/terminal-bench-runs/*
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from git_skill.evaluation.results import load_condition
from git_skill.evaluation.summary import by_task, describe

Z = 1.96 + 0.8416  # two-sided 5% level, 80% power


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    variances, observed = [], []
    for folder in args.folders:
        condition = load_condition(folder, 1.0)
        runs = len(condition.runs)
        tasks = by_task(condition.trials)
        within = sum(m * (1 - m) * runs / (runs - 1)
                     for m in (sum(t.passed for t in trials) / len(trials) for trials in tasks.values()))
        sd_run = math.sqrt(within) / len(tasks)
        spread = describe(condition)["spread"]
        variances.append(sd_run ** 2)
        observed.append(spread["stdev"] ** 2)
        print(f"{condition.name}: {runs} runs x {len(tasks)} tasks; observed sd of run pass rates "
              f"{spread['stdev'] * 100:.2f} points; from per-task variation {sd_run * 100:.2f} points")
    from_tasks, from_runs = (math.sqrt(sum(v) / len(v)) for v in (variances, observed))
    sd = max(from_tasks, from_runs)
    print(f"\npooled sd of one run's pass rate: {from_runs * 100:.2f} points observed, {from_tasks * 100:.2f} from "
          f"per-task variation; using {sd * 100:.2f}\n")
    print("| runs per condition | smallest detectable change (points) |\n|---:|---:|")
    for runs in (1, 2, 3, 5, 10, 20):
        print(f"| {runs} | {Z * sd * math.sqrt(2 / runs) * 100:.1f} |")
    print("\n| change (points) | runs per condition needed |\n|---:|---:|")
    for change in (15.7, 9.0, 5.0, 3.0):
        print(f"| {change:g} | {math.ceil(2 * (Z * sd / (change / 100)) ** 2)} |")


if __name__ == "__main__":
    main()
