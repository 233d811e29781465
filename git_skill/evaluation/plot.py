"""`--plot FILE`: each task's baseline and candidate pass rate, fixed tasks green, broken red.

matplotlib is an optional extra (`pip install 'git-skill[plot]'`) imported only here, only when
asked, with the non-interactive Agg backend (no display needed).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError

FORMATS = {".png": "png", ".svg": "svg"}
FIXED, BROKEN, SAME = "#1a7f37", "#cf222e", "#8c959f"


def check_target(path: Path) -> str:
    """The image format for PATH's suffix; refused before any work when it is neither PNG nor SVG."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise GitSkillError(f"--plot {path}: the file name must end in .png or .svg", exit_codes.USAGE)
    return kind


def draw(report: dict[str, Any], path: Path) -> None:
    """One panel per candidate: tasks sorted by baseline pass rate, a segment from baseline to candidate."""
    kind = check_target(path)
    try:
        import matplotlib
    except ImportError:
        raise GitSkillError("--plot needs matplotlib: pip install 'git-skill[plot]'", exit_codes.USAGE) from None
    matplotlib.use("Agg")
    from matplotlib import pyplot

    comparisons = [c for c in report["comparisons"] if c["per_task"]] or report["comparisons"][:1]
    tasks = max((len(c["per_task"]) for c in comparisons), default=1)
    longest = max((len(r["task"]) for c in comparisons for r in c["per_task"]), default=10)
    panel = 3.0 + 0.065 * longest  # the plot, and room below it for the task names standing upright
    figure, axes = pyplot.subplots(len(comparisons), 1, squeeze=False,
                                   figsize=(max(6.0, 0.16 * tasks + 2), panel * len(comparisons)))
    for axis, comparison in zip(axes[:, 0], comparisons):
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
        delta = comparison["delta"]
        summary = "" if delta is None else (f": {delta * 100:+.1f} points, {len(comparison['fixed'])} fixed, "
                                            f"{len(comparison['broken'])} broken")
        axis.set_title(f"{comparison['candidate']} vs {comparison['baseline']}{summary}", fontsize=9)
        axis.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=kind, metadata={"Software": None} if kind == "png" else {"Date": None})
    pyplot.close(figure)
    try:
        write_atomic(path, buffer.getvalue())
    except OSError as error:
        raise GitSkillError(f"cannot write {path}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
