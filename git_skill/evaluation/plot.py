"""`--plot FILE`: a summary panel of each condition's pass rate with its interval, then one panel per
candidate: each task's baseline and candidate pass rate (fixed green, broken red), titled with the change,
its interval and whether chance alone could give it, as the text report says.

matplotlib is an optional extra (`git-skill[plot]`) imported only here, only when asked, with the
non-interactive Agg backend (no display needed). An SVG keeps its text as text, so it can be searched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.evaluation.render import within_chance
from git_skill.resources import install_hint

FORMATS = {".png": "png", ".svg": "svg"}
FIXED, BROKEN, SAME, CHANCE = "#1a7f37", "#cf222e", "#8c959f", "#57606a"


def check_target(path: Path) -> str:
    """The image format for PATH's suffix; refused before any work when it is neither PNG nor SVG."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise GitSkillError(f"--plot {path}: the file name must end in .png or .svg", exit_codes.USAGE)
    return kind


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def candidate_title(comparison: dict[str, Any]) -> tuple[str, str]:
    """(title, colour) of a candidate's panel: the change, its interval, the verdict, tasks fixed and broken."""
    name, base = comparison["candidate"], comparison["baseline"]
    if comparison["delta"] is None:
        return f"{name} vs {base}: no task in common, nothing to compare", CHANCE
    low, high = comparison["ci95"]
    change = f"{name} vs {base}: {_points(comparison['delta'])} points, 95% CI [{_points(low)}, {_points(high)}]"
    if comparison["ci_includes_zero"]:
        said, colour = "within chance: the interval includes zero", CHANCE
    elif within_chance(comparison):
        said, colour = f"within chance by the sign test (p = {comparison['p_value']:.2g}), though the interval excludes zero", CHANCE
    else:
        better = comparison["delta"] > 0
        said = f"beyond chance: {'better' if better else 'worse'} (the interval excludes zero, p = {comparison['p_value']:.2g})"
        colour = FIXED if better else BROKEN
    counts = f"{len(comparison['fixed'])} fixed, {len(comparison['broken'])} broken of {comparison['tasks']} tasks"
    return f"{change}\n{said}; {counts}", colour


def _summary(axis: Any, report: dict[str, Any]) -> None:
    """Each condition's pass rate with its 95% interval over tasks, the baseline on top."""
    conditions = report["conditions"]
    ys = list(range(len(conditions)))[::-1]
    for y, condition in zip(ys, conditions):
        rate = condition["pass_rate"] * 100
        low, high = (value * 100 for value in condition["pass_rate_ci95"])
        axis.errorbar([rate], [y], xerr=[[rate - low], [high - rate]], fmt="o", color="#0969da", capsize=4)
    axis.set_yticks(ys)
    axis.set_yticklabels([f"{c['name']}: {c['pass_rate'] * 100:.1f}% [{c['pass_rate_ci95'][0] * 100:.1f}, "
                          f"{c['pass_rate_ci95'][1] * 100:.1f}]" for c in conditions], fontsize=8)
    axis.set_xlim(0, 100)
    axis.set_ylim(-0.6, len(conditions) - 0.4)
    axis.set_xlabel("pass rate, % (95% interval: bootstrap over tasks)", fontsize=8)
    axis.set_title("pass rate by condition", fontsize=9)
    axis.grid(axis="x", color="#d0d7de", linewidth=0.5)


def _candidate(axis: Any, comparison: dict[str, Any]) -> None:
    """Tasks sorted by baseline pass rate, a segment from baseline to candidate."""
    rows = sorted(comparison["per_task"], key=lambda r: (r["baseline"], r["candidate"], r["task"]))
    for x, row in enumerate(rows):
        colour = FIXED if row["candidate"] > row["baseline"] else BROKEN if row["candidate"] < row["baseline"] else SAME
        axis.plot([x, x], [row["baseline"], row["candidate"]], color=colour, linewidth=2)
    xs = range(len(rows))
    axis.scatter(xs, [r["baseline"] for r in rows], s=14, color="#57606a", label=comparison["baseline"], zorder=3)
    axis.scatter(xs, [r["candidate"] for r in rows], s=14, marker="D", color="#0969da",
                 label=comparison["candidate"], zorder=3)
    axis.set_xticks(list(xs))
    axis.set_xticklabels([r["task"] for r in rows], rotation=90, fontsize=6)
    axis.set_ylim(-0.05, 1.05)
    axis.set_ylabel("pass rate")
    title, colour = candidate_title(comparison)
    axis.set_title(title, fontsize=9, color=colour)
    if rows:
        axis.legend(fontsize=7, loc="upper left")


def draw(report: dict[str, Any], path: Path) -> None:
    """The summary panel, then one panel per candidate; written atomically as PNG or SVG."""
    kind = check_target(path)
    try:
        import matplotlib
    except ImportError:
        raise GitSkillError(f"--plot needs matplotlib: {install_hint('plot')}", exit_codes.USAGE) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text, not as outlines
    from matplotlib import pyplot

    comparisons = [c for c in report["comparisons"] if c["per_task"]] or report["comparisons"][:1]
    tasks = max((len(c["per_task"]) for c in comparisons), default=1)
    longest = max((len(r["task"]) for c in comparisons for r in c["per_task"]), default=10)
    panel = 3.4 + 0.065 * longest  # the plot, its two-line title, and room below it for the task names upright
    summary = 1.2 + 0.3 * len(report["conditions"])
    figure, axes = pyplot.subplots(1 + len(comparisons), 1, squeeze=False,
                                   figsize=(max(7.0, 0.16 * tasks + 2), summary + panel * len(comparisons)),
                                   gridspec_kw={"height_ratios": [summary] + [panel] * len(comparisons)})
    _summary(axes[0, 0], report)
    for axis, comparison in zip(axes[1:, 0], comparisons):
        _candidate(axis, comparison)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=kind, metadata={"Software": None} if kind == "png" else {"Date": None})
    pyplot.close(figure)
    try:
        write_atomic(path, buffer.getvalue())
    except OSError as error:
        raise GitSkillError(f"cannot write {path}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
