"""The comparison as a text table shaped like the seed's (condition, pass rate, change, cost, tool calls), or Markdown."""

from __future__ import annotations

from typing import Any

from git_skill.reporting import paint

LIST_LIMIT = 20  # task ids shown per list in text and Markdown (JSON lists them all)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _points(value: float) -> str:
    return f"{value * 100:+.2f}"


def _relative(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def _change(comparison: dict[str, Any] | None) -> str:
    if comparison is None:
        return "-"
    if comparison["delta"] is None:
        return "no shared task"
    low, high = comparison["ci95"]
    return (f"{_points(comparison['delta'])} pts ({_relative(comparison['relative'])}) "
            f"[{_points(low)}, {_points(high)}]")


def _usage(condition: dict[str, Any], comparison: dict[str, Any] | None, metric: str, money: bool) -> str:
    mean = condition["per_trial"][metric]["mean"]
    if mean is None:
        return "-"
    shown = f"${mean:.2f}" if money else f"{mean:.1f}"
    change = (comparison or {}).get("metrics", {}).get(metric)
    return f"{shown} ({_relative(change['relative'])})" if change and change["relative"] is not None else shown


def _table(report: dict[str, Any]) -> list[list[str]]:
    """The header and a row per condition, without the usage columns no condition has a figure for."""
    rows = [HEADERS, *_rows(report)]
    keep = [i for i in range(len(HEADERS)) if i < 6 or any(row[i] != "-" for row in rows[1:])]
    return [[row[i] for i in keep] for row in rows]


def _rows(report: dict[str, Any]) -> list[list[str]]:
    comparisons = {c["candidate"]: c for c in report["comparisons"]}
    rows = []
    for index, condition in enumerate(report["conditions"]):
        comparison = comparisons.get(condition["name"]) if index else None
        rows.append([condition["name"], str(condition["runs"]), str(condition["tasks"]), str(condition["trials"]),
                     _percent(condition["pass_rate"]), "baseline" if index == 0 else _change(comparison),
                     _usage(condition, comparison, "cost_usd", True),
                     _usage(condition, comparison, "tool_calls", False)])
    return rows


HEADERS = ["condition", "runs", "tasks", "trials", "pass rate", "change, points (relative) [95% CI]",
           "cost/trial", "tool calls/trial"]


def _listing(tasks: list[str]) -> str:
    shown = ", ".join(tasks[:LIST_LIMIT])
    return shown + (f", … {len(tasks) - LIST_LIMIT} more" if len(tasks) > LIST_LIMIT else "")


_METRIC_WORDS = {"cost_usd": "cost", "input_tokens": "input tokens", "output_tokens": "output tokens",
                 "agent_seconds": "agent time", "tool_calls": "tool calls", "skill_loads": "skill loads"}


def _amount(metric: str, value: float) -> str:
    if metric == "cost_usd":
        return f"${value:.4f}" if value < 1 else f"${value:.2f}"
    if metric == "agent_seconds":
        return f"{value:.1f} s"
    return f"{value:,.0f}" if metric.endswith("tokens") else f"{value:.1f}"


def within_chance(comparison: dict[str, Any]) -> bool:
    """Whether chance alone could give this difference: the interval includes zero, or the sign test disagrees."""
    return bool(comparison["ci_includes_zero"]) or comparison["p_value"] >= 0.05


def verdict(comparison: dict[str, Any]) -> str:
    """The comparison's verdict in one line: within chance, or better or worse (text, Markdown and the plot)."""
    if comparison["ci_includes_zero"]:
        return "the interval includes zero: this difference is within what chance alone produces here"
    direction = "better" if comparison["delta"] > 0 else "worse"
    return f"the interval excludes zero: {comparison['candidate']} is {direction} than {comparison['baseline']} on these tasks"


def comparison_lines(comparison: dict[str, Any], stats: dict[str, Any]) -> list[str]:
    """What one comparison says, in sentences (shared by text and Markdown)."""
    name, base = comparison["candidate"], comparison["baseline"]
    if comparison["delta"] is None:
        return [f"{name} vs {base}: no task in common, nothing to compare"]
    low, high = comparison["ci95"]
    headline = (f"{name} vs {base} over {comparison['tasks']} shared tasks: pass rate "
                f"{_percent(comparison['baseline_pass_rate'])} -> {_percent(comparison['candidate_pass_rate'])}, "
                f"{_points(comparison['delta'])} points ({_relative(comparison['relative'])} relative); "
                f"95% CI [{_points(low)}, {_points(high)}] points ({stats['interval']}, "
                f"{stats['resamples']} resamples, seed {stats['seed']})")
    lines = [headline]
    lines.append(f"p = {comparison['p_value']:.3g} by an {stats['test']} ({comparison['changed']} changed)")
    lines.append(verdict(comparison))
    if not comparison["ci_includes_zero"] and comparison["p_value"] >= 0.05:
        lines.append(f"but the sign test does not (p >= 0.05): with {comparison['tasks']} tasks, "
                     f"{comparison['changed']} of them changed, a bootstrap interval is too narrow; "
                     "trust the sign test and add tasks or attempts")
    lines.append(f"fixed ({len(comparison['fixed'])}): {_listing(comparison['fixed']) or '-'}")
    lines.append(f"broken ({len(comparison['broken'])}): {_listing(comparison['broken']) or '-'}")
    for side in ("fixed", "broken"):
        loaded = comparison["skills_loaded"][side]
        if loaded:
            counts = ", ".join(f"{skill} ({tasks})" for skill, tasks in loaded.items())
            lines.append(f"skills loaded in {side} tasks (tasks): {counts}")
    for side in ("only_in_baseline", "only_in_candidate"):
        if comparison[side]:
            lines.append(f"{side.replace('_', ' ')} (not compared, {len(comparison[side])}): "
                         f"{_listing(comparison[side])}")
    for metric, change in comparison["metrics"].items():
        relative = _relative(change["relative"])
        lines.append(f"{_METRIC_WORDS[metric]} per trial: {_amount(metric, change['baseline'])} -> "
                     f"{_amount(metric, change['candidate'])} ({relative}, over {change['tasks']} tasks with the "
                     "figure on both sides)")
    return lines


def spread_line(condition: dict[str, Any]) -> str | None:
    spread = condition["spread"]
    if spread is None:
        return None
    runs = ", ".join(f"{r['name']} {_percent(r['pass_rate'])}" for r in condition["run_results"])
    note = "" if spread["same_tasks"] else " (runs cover different tasks: the spread mixes tasks and noise)"
    return (f"{condition['name']}: {condition['runs']} runs, pass rate {_percent(spread['min'])} to "
            f"{_percent(spread['max'])}, standard deviation {spread['stdev'] * 100:.2f} points{note}: {runs}")


def _notes(report: dict[str, Any]) -> list[str]:
    notes = []
    for condition in report["conditions"]:
        if condition["unreadable"]:
            notes.append(f"{condition['name']}: {len(condition['unreadable'])} result files were skipped: "
                         f"{_listing(condition['unreadable'])}")
        if condition["no_reward"]:
            notes.append(f"{condition['name']}: {condition['no_reward']} trials have no verifier reward "
                         "(counted as not passed)")
        if condition["partial_rewards"]:
            notes.append(f"{condition['name']}: partial rewards, mean reward {condition['mean_reward']:.3f} "
                         f"(pass means reward >= {report['pass_threshold']:g})")
    return notes


def _verdict_colour(comparison: dict[str, Any]) -> str:
    return "yellow" if within_chance(comparison) else "green" if comparison["delta"] > 0 else "red"


def _painted(line: str, comparison: dict[str, Any], color: bool) -> str:
    """A comparison line on a terminal: the verdict in its colour, fixed green, broken red."""
    if not color or comparison["delta"] is None:
        return line
    if line == verdict(comparison) or line.startswith("but the sign test"):
        return paint(line, _verdict_colour(comparison), True, bold=True)
    for prefix, colour in (("fixed (", "green"), ("broken (", "red")):
        if line.startswith(prefix):
            label, rest = line.split(":", 1)
            return paint(label, colour, True) + ":" + rest
    return line


def text(report: dict[str, Any], color: bool = False) -> str:
    """The table and each comparison's sentences; `color` paints the verdict and the task lists."""
    rows = _table(report)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["  ".join(value.ljust(width) if i in (0, 5) else value.rjust(width)
                     for i, (value, width) in enumerate(zip(row, widths))).rstrip() for row in rows]
    for comparison in report["comparisons"]:
        out.append("")
        lines = comparison_lines(comparison, report["statistics"])
        out.append(lines[0])
        out.extend("  " + _painted(line, comparison, color) for line in lines[1:])
    spreads = [line for c in report["conditions"] for line in [spread_line(c)] if line]
    if spreads:
        out.append("")
        out.append("run-to-run spread:")
        out.extend("  " + line for line in spreads)
    notes = _notes(report)
    if notes:
        out.append("")
        out.extend(notes)
    selection = report["selection"]
    if selection["fold"] or selection["tasks"] is not None or selection["exclude_tasks"]:
        out.append("")
        out.append(f"tasks scored: {_selection_words(selection)}")
    return "\n".join(out) + "\n"


def _selection_words(selection: dict[str, Any]) -> str:
    parts = []
    if selection["fold"]:
        parts.append(f"fold {selection['fold']}")
    if selection["tasks"] is not None:
        parts.append(f"the {len(selection['tasks'])} listed")
    if selection["exclude_tasks"]:
        parts.append(f"not the {len(selection['exclude_tasks'])} excluded")
    return ", ".join(parts)


def markdown(report: dict[str, Any]) -> str:
    """A table and the findings for a pull request description."""
    def cell(value: str) -> str:
        return value.replace("|", "\\|")

    header, *rows = _table(report)
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] + ["---:"] * 4 + ["---"] + ["---:"] * (len(header) - 6)) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    for comparison in report["comparisons"]:
        lines = comparison_lines(comparison, report["statistics"])
        out += ["", f"**{cell(lines[0])}**", ""]
        out += [f"- {cell(line)}" for line in lines[1:]]
    spreads = [line for c in report["conditions"] for line in [spread_line(c)] if line]
    if spreads:
        out += ["", "Run-to-run spread:", ""] + [f"- {cell(line)}" for line in spreads]
    notes = _notes(report)
    if notes:
        out += [""] + [f"- {cell(note)}" for note in notes]
    return "\n".join(out) + "\n"
