"""`git skill compare`: every figure checked against one computed here, by hand or from the raw files."""

from __future__ import annotations

import html
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_FIXTURES, requires_shared, run_cli
from tests.support.terminal import on_terminal
from tests.support.runs import write_harbor_job, write_harbor_trial, write_tb_run

RUNS = SHARED_FIXTURES / "terminal-bench-runs"


def compare_json(*args: str | Path, cwd: Path) -> dict[str, Any]:
    result = run_cli("compare", *map(str, args), "--format", "json", cwd=cwd)
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def test_known_pass_rates_one_run_each(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": True, "b": False, "c": False, "d": True})
    write_tb_run(tmp_path / "cand", {"a": True, "b": True, "c": False, "d": False})
    report = compare_json("base", "cand", cwd=tmp_path)
    base, cand = report["conditions"]
    assert (base["name"], base["runs"], base["tasks"], base["trials"], base["pass_rate"]) == ("base", 1, 4, 4, 0.5)
    assert cand["pass_rate"] == 0.5
    (comparison,) = report["comparisons"]
    assert comparison["baseline"] == "base" and comparison["candidate"] == "cand" and comparison["tasks"] == 4
    assert comparison["delta"] == 0.0 and comparison["relative"] == 0.0
    assert comparison["fixed"] == ["b"] and comparison["broken"] == ["d"]
    assert comparison["p_value"] == 1.0  # one up, one down


def test_pooled_runs_average_attempts_per_task(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base" / "r1", {"a": True, "b": False})
    write_tb_run(tmp_path / "base" / "r2", {"a": False, "b": False})
    write_tb_run(tmp_path / "cand" / "r1", {"a": True, "b": True})
    write_tb_run(tmp_path / "cand" / "r2", {"a": True, "b": False})
    report = compare_json("base", "cand", cwd=tmp_path)
    base = report["conditions"][0]
    assert (base["runs"], base["tasks"], base["trials"], base["pass_rate"]) == (2, 2, 4, 0.25)
    assert [r["name"] for r in base["run_results"]] == ["r1", "r2"]
    assert [r["pass_rate"] for r in base["run_results"]] == [0.5, 0.0]
    assert base["spread"]["min"] == 0.0 and base["spread"]["max"] == 0.5
    assert base["spread"]["stdev"] == pytest.approx(math.sqrt(0.125))  # sample sd of {0.5, 0}
    comparison = report["comparisons"][0]
    # per task: a 0.5 -> 1.0, b 0.0 -> 0.5; the mean change is 0.5 points of 1, relative to 0.25
    assert comparison["delta"] == pytest.approx(0.5) and comparison["relative"] == pytest.approx(2.0)
    assert comparison["fixed"] == ["a", "b"] and comparison["broken"] == []
    assert comparison["p_value"] == pytest.approx(0.5)  # 2 of 2 up: 2 * (1/2)^2
    assert comparison["ci95"] == [pytest.approx(0.5), pytest.approx(0.5)]  # both tasks moved by exactly 0.5


def test_ties_change_nothing(tmp_path: Path) -> None:
    outcomes = {"a": True, "b": False, "c": True}
    write_tb_run(tmp_path / "base", outcomes)
    write_tb_run(tmp_path / "cand", outcomes)
    result = run_cli("compare", "base", "cand", cwd=tmp_path)
    assert result.code == 0
    assert "+0.00 pts" in result.out and "includes zero" in result.out
    comparison = compare_json("base", "cand", cwd=tmp_path)["comparisons"][0]
    assert comparison["delta"] == 0 and comparison["changed"] == 0 and comparison["p_value"] == 1.0
    assert comparison["ci95"] == [0.0, 0.0] and comparison["ci_includes_zero"] is True


def test_a_task_in_only_one_condition_is_left_out_of_the_pairing(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": False, "b": False, "c": True})
    write_tb_run(tmp_path / "cand", {"a": True, "b": False, "x": True})
    comparison = compare_json("base", "cand", cwd=tmp_path)["comparisons"][0]
    assert comparison["tasks"] == 2
    assert comparison["only_in_baseline"] == ["c"] and comparison["only_in_candidate"] == ["x"]
    assert comparison["delta"] == pytest.approx(0.5)  # a: 0 -> 1, b: 0 -> 0
    assert comparison["relative"] is None  # the baseline passed none of the shared tasks


def test_partial_rewards_and_the_pass_threshold(tmp_path: Path) -> None:
    write_harbor_job(tmp_path / "base", {"a": [0.5], "b": [1.0], "c": [0.0]})
    write_harbor_job(tmp_path / "cand", {"a": [1.0], "b": [1.0], "c": [0.5]})
    report = compare_json("base", "cand", cwd=tmp_path)
    base = report["conditions"][0]
    assert base["pass_rate"] == pytest.approx(1 / 3) and base["partial_rewards"] is True
    assert base["mean_reward"] == pytest.approx(0.5)
    assert report["comparisons"][0]["fixed"] == ["a"]  # c's 0.5 is not a pass at the default threshold
    lenient = compare_json("base", "cand", "--pass-threshold", "0.5", cwd=tmp_path)
    assert lenient["conditions"][0]["pass_rate"] == pytest.approx(2 / 3)
    assert lenient["comparisons"][0]["fixed"] == ["c"]
    assert "partial rewards" in run_cli("compare", "base", "cand", cwd=tmp_path).out


def test_missing_cost_fields_stay_unknown(tmp_path: Path) -> None:
    write_harbor_job(tmp_path / "base", {"a": [1.0], "b": [0.0]}, cost=None)
    write_harbor_job(tmp_path / "cand", {"a": [1.0], "b": [1.0]}, cost=0.25)
    report = compare_json("base", "cand", cwd=tmp_path)
    assert report["conditions"][0]["per_trial"]["cost_usd"] == {"mean": None, "trials": 0}
    assert report["conditions"][1]["per_trial"]["cost_usd"] == {"mean": 0.25, "trials": 2}
    metrics = report["comparisons"][0]["metrics"]
    assert "cost_usd" not in metrics  # no task has a cost on both sides
    assert metrics["input_tokens"] == {"tasks": 2, "baseline": 1000.0, "candidate": 1000.0, "relative": 0.0}
    text = run_cli("compare", "base", "cand", cwd=tmp_path).out
    assert text.splitlines()[1].split()[-2:] == ["-", "0.0"]  # baseline: cost unknown, 0 tool calls
    assert "$0.25" in text.splitlines()[2]


def test_terminal_bench_zero_tokens_mean_not_recorded(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": True}, tokens=0, agent_seconds={"a": 30})
    write_tb_run(tmp_path / "cand", {"a": True}, tokens=500, agent_seconds={"a": 45})
    report = compare_json("base", "cand", cwd=tmp_path)
    assert report["conditions"][0]["per_trial"]["input_tokens"]["mean"] is None
    assert report["conditions"][1]["per_trial"]["input_tokens"]["mean"] == 500
    assert report["comparisons"][0]["metrics"]["agent_seconds"]["relative"] == pytest.approx(0.5)


def test_harbor_reward_file_exceptions_tool_calls_and_skill_loads(tmp_path: Path) -> None:
    job = tmp_path / "job"
    write_harbor_trial(job, "a", 1, 1.0, reward_in_file=True, tool_calls=[
        ("Skill", {"skill": "csv-report"}),
        ("Read", {"file_path": "/root/.claude/skills/csv-report/SKILL.md"}),
        ("Bash", {"command": "cat .agents/skills/x/SKILL.md"}),
        ("Bash", {"command": "ls"}),
        ("Write", {"file_path": "notes/SKILL.md.bak", "content": "x"}),
    ])
    write_harbor_trial(job, "b", 1, None, exception="AgentTimeoutError")
    write_tb_run(tmp_path / "base", {"a": False, "b": False})
    report = compare_json("base", "job", cwd=tmp_path)
    cand = report["conditions"][1]
    assert cand["pass_rate"] == 0.5 and cand["no_reward"] == 1 and cand["errors"] == 1
    assert cand["per_trial"]["tool_calls"] == {"mean": 2.5, "trials": 2}  # 5 calls and 0 calls
    assert cand["per_trial"]["skill_loads"] == {"mean": 1.5, "trials": 2}  # Skill, a Read and a cat of SKILL.md
    assert cand["per_trial"]["agent_seconds"]["mean"] == 120
    assert "no verifier reward" in run_cli("compare", "base", "job", cwd=tmp_path).out


def test_claude_code_stream_counts_each_tool_use_once(tmp_path: Path) -> None:
    job = tmp_path / "job"
    trial = write_harbor_trial(job, "a", 1, 1.0, cost=None)
    (trial / "agent" / "trajectory.json").unlink()
    use = {"type": "tool_use", "id": "toolu_1", "name": "Skill", "input": {"skill": "x"}}
    records = [
        {"type": "system", "subtype": "init", "session_id": "s", "tools": ["Bash", "Skill"]},
        {"type": "assistant", "message": {"id": "m1", "content": [use]}},
        {"type": "assistant", "message": {"id": "m1", "content": [use]}},  # streamed again under one id
        {"type": "assistant", "message": {"id": "m2", "content": [
            {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": "make test"}}]}},
        {"type": "result", "subtype": "success", "total_cost_usd": 0.75, "usage": {"input_tokens": 10}},
    ]
    (trial / "agent" / "claude-code.txt").write_text(
        "bash: no job control in this shell\n" + "\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    write_tb_run(tmp_path / "base", {"a": False})
    cand = compare_json("base", "job", cwd=tmp_path)["conditions"][1]
    assert cand["per_trial"]["tool_calls"]["mean"] == 2 and cand["per_trial"]["skill_loads"]["mean"] == 1
    assert cand["per_trial"]["cost_usd"]["mean"] == 0.75


def test_json_shape_is_as_documented(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": True, "b": False})
    write_tb_run(tmp_path / "one", {"a": True, "b": True})
    write_tb_run(tmp_path / "two", {"a": False, "b": False})
    report = compare_json("base", "one", "two", "--name", "baseline", "--name", "trajectory-only", cwd=tmp_path)
    assert {"conditions", "comparisons"} <= set(report)
    assert [c["name"] for c in report["conditions"]] == ["baseline", "trajectory-only", "two"]
    for condition in report["conditions"]:
        assert {"name", "runs", "tasks", "trials", "pass_rate"} <= set(condition)
        assert 0 <= condition["pass_rate"] <= 1
    assert [(c["baseline"], c["candidate"]) for c in report["comparisons"]] == [
        ("baseline", "trajectory-only"), ("baseline", "two")]
    for comparison in report["comparisons"]:
        assert {"baseline", "candidate", "tasks", "delta", "relative", "ci95", "p_value", "fixed", "broken"} <= set(
            comparison)
        low, high = comparison["ci95"]
        assert -1 <= low <= comparison["delta"] <= high <= 1
        assert all(isinstance(task, str) for task in comparison["fixed"] + comparison["broken"])
    assert report["comparisons"][0]["delta"] == 0.5 and report["comparisons"][1]["delta"] == -0.5
    docs = (Path(__file__).resolve().parents[2] / "docs" / "json-output.md").read_text(encoding="utf-8")
    assert "git skill compare --format json" in docs and '"ci95"' in docs


def test_text_and_markdown_tables(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {f"t{i}": i < 4 for i in range(10)})
    write_tb_run(tmp_path / "cand", {f"t{i}": i < 8 for i in range(10)})
    text = run_cli("compare", "base", "cand", cwd=tmp_path).out
    header, base_row, cand_row = text.splitlines()[:3]
    assert header.startswith("condition") and "pass rate" in header
    assert "cost/trial" not in header and "tool calls/trial" not in header  # no condition has the figures
    assert "40.00%" in base_row and "80.00%" in cand_row and "+40.00 pts (+100.0%)" in cand_row
    assert "fixed (4): t4, t5, t6, t7" in text and "excludes zero" in text
    assert "p = 0.125 by an exact sign test" in text  # 4 of 4 up: 2 * (1/2)^4
    markdown = run_cli("compare", "base", "cand", "--format", "markdown", cwd=tmp_path).out
    assert markdown.startswith("| condition | runs | tasks | trials | pass rate |")
    assert "| cand | 1 | 10 | 10 | 80.00% | +40.00 pts (+100.0%)" in markdown
    assert markdown.splitlines()[1] == "|---|---:|---:|---:|---:|---|"


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    """On a real terminal (a pty) the verdict and the fixed list are coloured; NO_COLOR and a pipe get none."""
    write_tb_run(tmp_path / "base", {f"t{i}": i < 4 for i in range(10)})
    write_tb_run(tmp_path / "cand", {f"t{i}": i < 8 for i in range(10)})
    command = [sys.executable, "-m", "git_skill", "compare", "base", "cand"]
    code, painted = on_terminal(command, tmp_path)
    assert code == 0
    assert b"\x1b[32mfixed (4)\x1b[0m" in painted and b"\x1b[1m" in painted
    assert b"\x1b[" not in on_terminal(command, tmp_path, env={"NO_COLOR": "1"})[1]
    assert b"\x1b[" in on_terminal(command, tmp_path, env={"NO_COLOR": ""})[1]  # empty: not set (no-color.org)
    assert "\x1b[" not in run_cli("compare", "base", "cand", cwd=tmp_path).out  # a pipe


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<svg")])
def test_plot_draws_png_and_svg(tmp_path: Path, suffix: str, magic: bytes) -> None:
    write_tb_run(tmp_path / "base", {"a": True, "b": False, "c": True})
    write_tb_run(tmp_path / "cand", {"a": True, "b": True, "c": False})
    result = run_cli("compare", "base", "cand", "--plot", f"tasks{suffix}", cwd=tmp_path)
    assert result.code == 0, result.err
    assert magic in (tmp_path / f"tasks{suffix}").read_bytes()[:400]


def test_the_svg_says_each_pass_rate_interval_and_whether_the_change_is_within_chance(tmp_path: Path) -> None:
    tasks = [f"t{i}" for i in range(10)]
    write_tb_run(tmp_path / "base", {t: i < 4 for i, t in enumerate(tasks)})
    write_tb_run(tmp_path / "close", {t: i < 5 for i, t in enumerate(tasks)})  # one task fixed: chance
    write_tb_run(tmp_path / "far", {t: i < 9 for i, t in enumerate(tasks)})  # five fixed: the interval excludes 0
    data = json.loads(run_cli("compare", "base", "close", "far", "--format", "json", cwd=tmp_path).out)
    result = run_cli("compare", "base", "close", "far", "--plot", "cmp.svg", cwd=tmp_path)
    assert result.code == 0, result.err
    svg = html.unescape((tmp_path / "cmp.svg").read_text())
    assert "pass rate by condition" in svg
    for condition in data["conditions"]:
        low, high = condition["pass_rate_ci95"]
        assert low <= condition["pass_rate"] <= high
        assert (f"{condition['name']}: {condition['pass_rate'] * 100:.1f}% [{low * 100:.1f}, {high * 100:.1f}]"
                in svg)
    close, far = data["comparisons"]
    assert close["ci_includes_zero"] and not far["ci_includes_zero"]
    low, high = close["ci95"]
    assert f"close vs base: +10.0 points, 95% CI [{low * 100:+.1f}, {high * 100:+.1f}]" in svg
    assert "within chance: the interval includes zero; 1 fixed, 0 broken of 10 tasks" in svg
    low, high = far["ci95"]
    assert f"far vs base: +50.0 points, 95% CI [{low * 100:+.1f}, {high * 100:+.1f}]" in svg
    assert "within chance by the sign test (p = 0.062), though the interval excludes zero" in svg  # 5 of 5 up


def test_the_plot_install_hint_fits_a_checkout(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": True})
    script = ("import sys\nsys.modules['matplotlib'] = None\nfrom git_skill.cli import main\n"
              "main(['compare', 'base', 'base', '--plot', 'out.svg'])")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    checkout = Path(__file__).resolve().parents[2]
    assert f"--plot needs matplotlib: pip install -e '{checkout}[plot]'" in done.stderr
    assert not (tmp_path / "out.svg").exists()


def test_matplotlib_is_imported_only_with_plot(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": True})
    write_tb_run(tmp_path / "cand", {"a": False})

    def modules(*extra: str) -> set[str]:
        script = ("import sys\nfrom git_skill.cli import main\ntry:\n"
                  f"    main(['compare', 'base', 'cand', *{list(extra)!r}])\nexcept SystemExit:\n    pass\n"
                  "print('\\n'.join(sys.modules), file=sys.stderr)")
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
        return set(done.stderr.split())

    plain = modules()
    assert "numpy" in plain and "git_skill.commands.compare" in plain
    assert not {m for m in plain if m.split(".")[0] in {"matplotlib", "scipy", "litellm"}}
    assert not {m for m in plain if m.startswith("git_skill.learning")}
    assert "matplotlib" in modules("--plot", "out.png")


@pytest.mark.parametrize("args, code, message", [
    (["base"], 2, "needs a BASELINE and at least one CANDIDATE"),
    (["base", "nowhere"], 2, "no such file or folder: nowhere"),
    (["base", "broken.json"], 3, "is not valid JSON"),
    (["base", "other.json"], 3, "neither a Terminal-Bench results.json nor a Harbor result.json"),
    (["base", "empty"], 3, "holds no Terminal-Bench or Harbor results"),
    (["base", "base", "--fold", "3/2"], 2, "need 1 <= K <= N"),
    (["base", "base", "--fold", "half"], 2, "is not K/N"),
    (["base", "base", "--tasks", "missing.txt"], 2, "does not exist"),
    (["base", "base", "--tasks", "blank.txt"], 2, "names no task"),
    (["base", "base", "--tasks", "unknown.txt"], 2, "no task left to score"),
    (["base", "base", "--name", "a", "--name", "b", "--name", "c"], 2, "3 --name labels for 2 conditions"),
    (["base", "base", "--plot", "tasks.pdf"], 2, "must end in .png or .svg"),
    (["base", "base", "--resamples", "5"], 2, "--resamples"),
])
def test_bad_input_gets_one_line_and_its_exit_code(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    write_tb_run(tmp_path / "base", {"a": True})
    (tmp_path / "broken.json").write_text('{"results": [', encoding="utf-8")
    (tmp_path / "other.json").write_text('{"name": "not a run"}', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "blank.txt").write_text("# nothing\n\n", encoding="utf-8")
    (tmp_path / "unknown.txt").write_text("zzz\n", encoding="utf-8")
    result = run_cli("compare", *args, cwd=tmp_path)
    assert result.code == code, (result.out, result.err)
    assert message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "tasks.pdf").exists()


def test_same_folder_names_are_told_apart(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "a" / "run", {"x": True})
    write_tb_run(tmp_path / "b" / "run", {"x": False})
    report = compare_json("a/run", "b/run", cwd=tmp_path)
    assert [c["name"] for c in report["conditions"]] == ["run", "run (2)"]


def test_terminal_bench_trial_folders_without_a_run_file_group_into_runs(tmp_path: Path) -> None:
    """Terminal-Bench 1 keeps `run/<task>/<trial>/results.json`; each run folder is one run."""
    for run, outcomes in {"r1": {"a": True, "b": False}, "r2": {"a": True, "b": True}}.items():
        for task, resolved in outcomes.items():
            trial = tmp_path / "cond" / run / task / f"{task}.1-of-1.{run}"
            trial.mkdir(parents=True)
            (trial / "results.json").write_text(json.dumps({"task_id": task, "instruction": "x",
                                                            "is_resolved": resolved}), encoding="utf-8")
    write_tb_run(tmp_path / "base", {"a": False, "b": False})
    condition = compare_json("base", "cond", cwd=tmp_path)["conditions"][1]
    assert [r["name"] for r in condition["run_results"]] == ["r1", "r2"]
    assert (condition["runs"], condition["tasks"], condition["trials"], condition["pass_rate"]) == (2, 2, 4, 0.75)


def _per_task_means(run_files: list[Path]) -> dict[str, float]:
    """Straight from the raw files: each task's share of resolved attempts."""
    passes: dict[str, list[int]] = {}
    for path in run_files:
        for record in json.loads(path.read_text(encoding="utf-8"))["results"]:
            passes.setdefault(record["task_id"], []).append(1 if record["is_resolved"] is True else 0)
    return {task: sum(v) / len(v) for task, v in passes.items()}


@requires_shared
def test_opus_against_sonnet_on_the_shared_runs(tmp_path: Path) -> None:
    from scipy.stats import binomtest

    opus, sonnet = RUNS / "20250829_goose_claude-4-opus", RUNS / "20250829_goose_claude-4-sonnet"
    report = compare_json(sonnet, opus, cwd=tmp_path)
    expected_rates = []
    for condition, folder in zip(report["conditions"], (sonnet, opus)):
        files = sorted(folder.glob("*/results.json"))
        accuracies = [json.loads(f.read_text(encoding="utf-8"))["accuracy"] for f in files]
        assert (condition["runs"], condition["tasks"], condition["trials"]) == (5, 80, 400)
        assert condition["pass_rate"] == pytest.approx(sum(accuracies) / 5)
        assert sorted(r["pass_rate"] for r in condition["run_results"]) == pytest.approx(sorted(accuracies))
        assert condition["spread"]["min"] == pytest.approx(min(accuracies))
        expected_rates.append(_per_task_means(files))
    base, cand = expected_rates
    comparison = report["comparisons"][0]
    differences = {task: cand[task] - base[task] for task in base}
    assert comparison["tasks"] == 80
    assert comparison["delta"] == pytest.approx(sum(differences.values()) / 80)
    assert comparison["fixed"] == sorted(t for t, d in differences.items() if d > 0)
    assert comparison["broken"] == sorted(t for t, d in differences.items() if d < 0)
    up, down = len(comparison["fixed"]), len(comparison["broken"])
    assert comparison["p_value"] == pytest.approx(binomtest(up, up + down).pvalue)
    low, high = comparison["ci95"]
    assert low < comparison["delta"] < high
    # the same seed gives the same interval; another seed one within a task's worth
    assert compare_json(sonnet, opus, cwd=tmp_path)["comparisons"][0]["ci95"] == comparison["ci95"]
    other = compare_json(sonnet, opus, "--seed", "7", cwd=tmp_path)["comparisons"][0]["ci95"]
    assert abs(other[0] - low) <= 1 / 80 and abs(other[1] - high) <= 1 / 80


@requires_shared
def test_one_run_against_another_of_the_same_configuration(tmp_path: Path) -> None:
    from scipy.stats import binomtest

    first, last = sorted((RUNS / "20250829_goose_claude-4-opus").glob("*/results.json"))[::4]
    report = compare_json(first, last, cwd=tmp_path)
    base, cand = _per_task_means([first]), _per_task_means([last])
    comparison = report["comparisons"][0]
    accuracy = [json.loads(p.read_text(encoding="utf-8"))["accuracy"] for p in (first, last)]
    assert comparison["delta"] == pytest.approx(accuracy[1] - accuracy[0])
    assert comparison["fixed"] == sorted(t for t in base if cand[t] > base[t])
    assert comparison["broken"] == sorted(t for t in base if cand[t] < base[t])
    up, down = len(comparison["fixed"]), len(comparison["broken"])
    assert comparison["p_value"] == pytest.approx(binomtest(up, up + down).pvalue)
    assert comparison["ci_includes_zero"] is True  # same agent, same model: no difference to find


def test_few_tasks_warn_when_the_interval_and_the_sign_test_disagree(tmp_path: Path) -> None:
    """4 of 12 tasks fixed: a resample draws none of them with probability (8/12)^12 = 0.8%, so the
    interval excludes zero, while the sign test (p = 2/2^4) does not: the text must say which to trust."""
    write_tb_run(tmp_path / "base", {f"t{i:02d}": False for i in range(12)})
    write_tb_run(tmp_path / "cand", {f"t{i:02d}": i < 4 for i in range(12)})
    comparison = compare_json("base", "cand", cwd=tmp_path)["comparisons"][0]
    assert comparison["ci95"][0] > 0 and comparison["p_value"] == pytest.approx(0.125)
    assert "trust the sign test" in run_cli("compare", "base", "cand", cwd=tmp_path).out


@requires_shared
def test_terminal_bench_trial_folders_of_the_shared_fixtures(tmp_path: Path) -> None:
    """Real Terminal-Bench 1 trees: `run/<task>/<trial>` (mini-SWE-agent) and `<task>/<trial>` (orchestrator)."""
    trials = SHARED_FIXTURES / "terminal-bench"
    mini, orchestrator = trials / "20250825_swe-agent-mini_claude-4-sonnet", trials / "20250902_orchestrator_claude-4-sonnet"
    report = compare_json(mini, orchestrator, cwd=tmp_path)
    for condition, folder in zip(report["conditions"], (mini, orchestrator)):
        records = [json.loads(p.read_text(encoding="utf-8")) for p in folder.rglob("results.json")]
        assert condition["trials"] == len(records)
        assert condition["pass_rate"] == pytest.approx(sum(r["is_resolved"] is True for r in records) / len(records))
    assert report["conditions"][0]["runs"] == len({p.parent.parent.parent for p in mini.rglob("results.json")})
    assert report["conditions"][1]["runs"] == 1


def test_a_corrupt_trial_result_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    write_harbor_job(tmp_path / "job", {"a": [1.0], "b": [0.0], "c": [1.0]})
    next((tmp_path / "job").glob("b__*")).joinpath("result.json").write_text('{"task_name": "b", ', encoding="utf-8")
    write_tb_run(tmp_path / "base", {"a": False, "b": False, "c": False})
    report = compare_json("base", "job", cwd=tmp_path)
    condition = report["conditions"][1]
    assert condition["trials"] == 2 and len(condition["unreadable"]) == 1
    assert "1 result files were skipped" in run_cli("compare", "base", "job", cwd=tmp_path).out
    for trial in (tmp_path / "job").glob("*__*"):
        (trial / "result.json").write_text("{", encoding="utf-8")
    result = run_cli("compare", "base", "job", cwd=tmp_path)
    assert result.code == 3 and "3 result files are not JSON" in result.err


def test_the_interval_is_seeded_and_deterministic(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {f"t{i:02d}": i % 3 == 0 for i in range(30)})
    write_tb_run(tmp_path / "cand", {f"t{i:02d}": i % 2 == 0 for i in range(30)})
    first = compare_json("base", "cand", cwd=tmp_path)["comparisons"][0]["ci95"]
    assert compare_json("base", "cand", cwd=tmp_path)["comparisons"][0]["ci95"] == first
    again = compare_json("base", "cand", "--seed", "1", cwd=tmp_path)["comparisons"][0]["ci95"]
    assert all(abs(a - b) <= 2 / 30 for a, b in zip(again, first))  # another seed: the same up to a task or two
    # 30 tasks, differences in {-1, 0, +1}: the interval is about the normal one, mean +- 1.96 sd / sqrt(n)
    differences = [(i % 2 == 0) - (i % 3 == 0) for i in range(30)]
    mean = sum(differences) / 30
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / 29)
    for bound, normal in zip(first, (mean - 1.96 * sd / math.sqrt(30), mean + 1.96 * sd / math.sqrt(30))):
        assert abs(bound - normal) < 0.04


def test_a_multi_step_trial_adds_up_its_steps_logs(tmp_path: Path) -> None:
    job = tmp_path / "job"
    trial = write_harbor_trial(job, "a", 1, 1.0, cost=None)
    (trial / "agent" / "trajectory.json").unlink()
    for step, calls in (("build", 2), ("deploy", 3)):
        (trial / "steps" / step / "agent").mkdir(parents=True)
        steps = [{"step_id": n, "source": "agent", "message": "",
                  "tool_calls": [{"tool_call_id": f"c{n}", "function_name": "Skill" if n == 0 else "Bash",
                                  "arguments": {"skill": step} if n == 0 else {}}]} for n in range(calls)]
        (trial / "steps" / step / "agent" / "trajectory.json").write_text(json.dumps(
            {"schema_version": "ATIF-v1.2", "steps": steps, "final_metrics": {"total_cost_usd": 0.25}}),
            encoding="utf-8")
    write_tb_run(tmp_path / "base", {"a": False})
    cand = compare_json("base", "job", cwd=tmp_path)["conditions"][1]["per_trial"]
    assert cand["tool_calls"]["mean"] == 5 and cand["skill_loads"]["mean"] == 2
    assert cand["cost_usd"]["mean"] == 0.5  # result.json had no cost: the steps' costs add up


def test_each_candidate_reports_the_skills_loaded_in_fixed_and_broken_tasks(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {"a": False, "b": True, "c": False, "d": True})
    job = tmp_path / "job"
    write_harbor_trial(job, "a", 1, 1.0, tool_calls=[("Skill", {"skill": "csv-report"})])
    write_harbor_trial(job, "b", 1, 0.0, tool_calls=[("Skill", {"skill": "csv-report"}),
                                                     ("Read", {"file_path": "/root/.claude/skills/pdf-forms/SKILL.md"})])
    write_harbor_trial(job, "c", 1, 1.0, tool_calls=[("Bash", {"command": "make"})])
    write_harbor_trial(job, "d", 1, 0.0, tool_calls=[("Bash", {"command": "cat .agents/skills/pdf-forms/SKILL.md"})])
    comparison = compare_json("base", "job", cwd=tmp_path)["comparisons"][0]
    assert comparison["fixed"] == ["a", "c"] and comparison["broken"] == ["b", "d"]
    assert comparison["skills_loaded"] == {"fixed": {"csv-report": 1}, "broken": {"pdf-forms": 2, "csv-report": 1}}
    text = run_cli("compare", "base", "job", cwd=tmp_path).out
    assert "skills loaded in broken tasks (tasks): pdf-forms (2), csv-report (1)" in text
    assert "skills loaded in fixed tasks (tasks): csv-report (1)" in text
