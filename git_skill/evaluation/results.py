"""Benchmark results as trials: Terminal-Bench run and trial `results.json`, Harbor trial `result.json`.

One condition is what one command-line argument names: a run's `results.json`, a run or job
folder, a single trial, or a folder of several runs (pooled, each run kept apart by its folder).
Per trial we keep what decides a comparison (task, reward, pass) and what the data has of cost,
tokens, agent time, tool calls and skill loads; a figure the data lacks stays `None`, never 0.

Terminal-Bench 1 writes `total_input_tokens: 0` when the agent reported no usage (every trial of
the public goose runs): a zero token count is read as "not recorded". Harbor writes the agent's
usage to `agent_result` (often null for installed agents); tool calls and skill loads come from
the agent's log when the trial keeps one (`agent/trajectory.json` in ATIF, else Claude Code's
`agent/claude-code.txt` stream; a multi-step trial's logs under `steps/*/agent/` are added up).
A trial without a verifier result (the agent crashed or timed out) has no reward and counts as
not passed, as Harbor's own job metrics count it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from git_skill import exit_codes
from git_skill.errors import GitSkillError

MAX_DEPTH = 5  # how deep runs and trials may sit under a condition's folder
MAX_LOG_BYTES = 256 * 1024 * 1024  # agent logs larger than this are not scanned for tool calls
METRICS = ("cost_usd", "input_tokens", "output_tokens", "agent_seconds", "tool_calls", "skill_loads")


@dataclass
class Trial:
    task: str
    reward: float | None  # None: no verifier result
    passed: bool
    cost_usd: float | None = None
    input_tokens: float | None = None
    output_tokens: float | None = None
    agent_seconds: float | None = None
    tool_calls: float | None = None
    skill_loads: float | None = None
    error: str | None = None
    skills: set[str] = field(default_factory=set)  # the skills its agent loaded (by the name it used)

    def metric(self, name: str) -> float | None:
        value: float | None = getattr(self, name)
        return value


@dataclass
class Run:
    name: str
    path: Path
    trials: list[Trial] = field(default_factory=list)


@dataclass
class Condition:
    name: str
    path: Path
    runs: list[Run]
    unreadable: list[str] = field(default_factory=list)  # result files skipped, each with why: never silently

    @property
    def trials(self) -> list[Trial]:
        return [trial for run in self.runs for trial in run.trials]


def _load_json(path: Path) -> Any:
    try:
        with _open_regular(path) as handle:
            return orjson.loads(handle.read())
    except OSError as error:
        raise GitSkillError(f"cannot read {path}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
    except orjson.JSONDecodeError as error:
        raise GitSkillError(f"{path} is not valid JSON: {error}", exit_codes.BAD_INPUT) from None


def _quiet_json(path: Path) -> Any:
    """JSON from a file met while walking folders; None when missing or unreadable (it is not ours to judge)."""
    raw = _read_small(path)
    return None if raw is None else _quiet_loads(raw)


def _kind(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    results = data.get("results")
    if isinstance(results, list) and ("accuracy" in data or "resolved_ids" in data
                                      or any(isinstance(r, dict) and "task_id" in r for r in results[:1])):
        return "tb-run"
    if "task_id" in data and ("is_resolved" in data or "instruction" in data):
        return "tb-trial"
    if isinstance(data.get("task_name"), str):
        return "harbor-trial"
    return None


def _number(value: Any, zero_is_missing: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if zero_is_missing and value == 0:
        return None
    return float(value)


def _seconds(start: Any, end: Any) -> float | None:
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        began = datetime.fromisoformat(start.replace("Z", "+00:00"))
        ended = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return None
    seconds = (ended - began).total_seconds()
    return seconds if seconds >= 0 else None


_TRUE = frozenset({"true", "yes", "1", "resolved", "passed", "pass"})
_FALSE = frozenset({"false", "no", "0", "unresolved", "failed", "fail", ""})


def _resolved(value: Any) -> float | None:
    """`is_resolved` as a reward: true/false, 1/0, or their words ("yes", "false"); None (a parse error of
    the harness) is unresolved; anything else is no verdict (None: counted as no reward, and said)."""
    if value is None or value is False or value is True:
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)) and value in (0, 1):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return 1.0 if value.strip().lower() in _TRUE else 0.0
    return None


def tb_trial(record: dict[str, Any], threshold: float) -> Trial | None:
    """One Terminal-Bench 1 trial record (as in a run's `results` list or a trial's results.json)."""
    task = record.get("task_id")
    if not isinstance(task, str) or not task:
        return None
    reward = _resolved(record.get("is_resolved"))
    failure = record.get("failure_mode")
    return Trial(task, reward, reward is not None and reward >= threshold,
                 input_tokens=_number(record.get("total_input_tokens"), zero_is_missing=True),
                 output_tokens=_number(record.get("total_output_tokens"), zero_is_missing=True),
                 agent_seconds=_seconds(record.get("agent_started_at"), record.get("agent_ended_at")),
                 error=failure if isinstance(failure, str) and failure not in ("unset", "none") else None)


def results_file_kind(path: Path) -> str | None:
    """What a results file (or a folder's `results.json`) is: "tb-run", "tb-trial", "harbor-trial", or None."""
    return _kind(_quiet_json(path / "results.json" if path.is_dir() else path))


def tb_trial_results(folder: Path) -> dict[str, Any] | None:
    """A Terminal-Bench 1 trial folder's `results.json` as `compare` reads it, for every command that reads
    the format: None when it is missing, not a regular file, too large, not JSON, or not a trial's."""
    raw = _read_small(folder / "results.json")
    data = None if raw is None else _quiet_loads(raw)
    return data if _kind(data) == "tb-trial" else None


def harbor_reward(result: dict[str, Any], folder: Path | None) -> float | None:
    """The trial's reward, as the transcript reader takes it (result.json's rewards, else the verifier's file)."""
    from git_skill.transcripts.harbor import trial_reward

    return trial_reward(result, folder / "verifier" if folder is not None else None)


def harbor_trial(result: dict[str, Any], folder: Path | None, threshold: float) -> Trial:
    """One Harbor trial: its result.json, and the agent's log beside it when there is one."""
    reward = harbor_reward(result, folder)
    agent = result.get("agent_result") if isinstance(result.get("agent_result"), dict) else {}
    execution = result.get("agent_execution") if isinstance(result.get("agent_execution"), dict) else {}
    exception = result.get("exception_info") if isinstance(result.get("exception_info"), dict) else None
    trial = Trial(str(result["task_name"]), reward, reward is not None and reward >= threshold,
                  cost_usd=_number(agent.get("cost_usd")),
                  input_tokens=_number(agent.get("n_input_tokens")),
                  output_tokens=_number(agent.get("n_output_tokens")),
                  agent_seconds=_seconds(execution.get("started_at"), execution.get("finished_at")),
                  error=str(exception.get("exception_type") or "exception") if exception else None)
    if folder is not None:
        steps = sorted((folder / "steps").glob("*/agent"))  # a multi-step trial keeps one log per step
        usage_known = trial.cost_usd is not None
        for agent in steps or [folder / "agent"]:
            _read_agent_log(agent, trial, usage_known)
    return trial


def _add(total: float | None, value: float | None) -> float | None:
    return value if total is None else total if value is None else total + value


def _read_agent_log(agent: Path, trial: Trial, usage_known: bool) -> None:
    """Tool calls and skill loads from one agent log (added up over a multi-step trial's logs), and
    cost and tokens from it when result.json had none (`usage_known`). The log is read by the same
    readers `learn` and `usage` use (ATIF a step at a time, Claude Code's stream line by line), and a
    load is what `usage` calls one."""
    from git_skill.transcripts import events as ev
    from git_skill.transcripts.claude_code import read_stream
    from git_skill.transcripts.harbor import read_atif_file
    from git_skill.usage.loads import skill_load

    for name, read in (("trajectory.json", read_atif_file), ("claude-code.txt", read_stream)):
        path = agent / name
        if not _small_regular_file(path):
            continue
        log = ev.Transcript(facts=ev.SessionFacts(format="scratch", source=str(path)), events=iter(()),
                            calls_only=True)
        calls, loads, skills, seen = 0, 0, set(), set()
        try:
            for event in read(path, log):
                if event.kind != ev.TOOL_CALL:
                    continue
                calls += 1
                load = skill_load(event.tool, event.arguments, event.command)
                if load is not None and not (event.call_id and event.call_id in seen):
                    seen.add(event.call_id)
                    loads += 1
                    skills.add(load.skill)
        except (OSError, UnicodeError, RecursionError):
            continue
        facts = log.facts
        if name == "trajectory.json" and log.report.skipped and not calls:
            continue  # not an ATIF trajectory (or not readable): the stream may be
        if name == "claude-code.txt" and not calls and facts.cost_usd is None and facts.input_tokens is None:
            return
        trial.tool_calls = _add(trial.tool_calls, float(calls))
        trial.skill_loads = _add(trial.skill_loads, float(loads))
        trial.skills |= skills
        if not usage_known:
            for metric, value in (("cost_usd", facts.cost_usd), ("input_tokens", facts.input_tokens),
                                  ("output_tokens", facts.output_tokens)):
                setattr(trial, metric, _add(trial.metric(metric), _number(value)))
        return


def _small_regular_file(path: Path, limit: int = MAX_LOG_BYTES) -> bool:
    try:
        status = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(status.st_mode) and status.st_size <= limit


def _read_small(path: Path, limit: int = MAX_LOG_BYTES, problems: list[str] | None = None) -> bytes | None:
    """The bytes of a file, or None when it is missing, unreadable or larger than `limit` (said in
    `problems` when given, unless it is simply missing).

    Opened directly, not checked first: a job holds thousands of trials, and each saved stat counts."""
    try:
        with _open_regular(path) as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                if problems is not None:
                    problems.append(f"{path} (larger than {limit // (1024 * 1024)} MB)")
                return None
            return handle.read()
    except OSError as error:
        if problems is not None and error.errno not in (errno.ENOENT, errno.ENOTDIR):
            problems.append(f"{path} ({error.strerror or error})")
        return None


def _open_regular(path: Path) -> BinaryIO:
    """Open without blocking (a FIFO named results.json would otherwise wait forever for a writer);
    anything but a regular file is refused with an OSError. One open and one fstat, as before."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", str(path))
    return os.fdopen(descriptor, "rb")


def _quiet_loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _trials_of(kind: str, data: dict[str, Any], folder: Path | None, threshold: float) -> list[Trial]:
    if kind == "tb-run":
        return [t for record in data["results"] if isinstance(record, dict)
                for t in [tb_trial(record, threshold)] if t is not None]
    if kind == "tb-trial":
        trial = tb_trial(data, threshold)
        return [trial] if trial else []
    return [harbor_trial(data, folder, threshold)]


def _classify_folder(folder: Path, unreadable: list[str] | None = None) -> tuple[str, dict[str, Any]] | None:
    """What a folder's results file says it is; a results file that is there but not JSON is noted
    in `unreadable` (a trial lost silently would bias the pass rate)."""
    for name in ("results.json", "result.json"):
        raw = _read_small(folder / name, problems=unreadable)
        if raw is None:
            continue
        data = _quiet_loads(raw)
        if data is None and unreadable is not None:
            unreadable.append(f"{folder / name} (not JSON)")
        elif not isinstance(data, dict) and unreadable is not None:  # a result file is an object: an array is none
            unreadable.append(f"{folder / name} (JSON, but not an object)")
        kind = _kind(data)
        if kind is not None:
            return kind, data
    return None


def _run_folder(trial_folder: Path, task: str, root: Path) -> Path:
    """The run a trial folder belongs to: its parent, or its grandparent under a per-task folder
    (Terminal-Bench 1's `run/<task>/<trial>`); never above the condition's own folder."""
    parent = trial_folder.parent
    if parent.name == task and parent != root:
        parent = parent.parent
    return parent if trial_folder != root and root in (parent, *parent.parents) else root


def load_condition(path: Path, threshold: float, name: str | None = None) -> Condition:
    """Every run and trial under PATH (a file, a run, a trial, or a folder of runs) as one condition."""
    if not path.exists():
        raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    label = name or (path.parent.name if path.is_file() else path.resolve().name)
    if path.is_file():
        data = _load_json(path)
        kind = _kind(data)
        if kind is None:
            raise GitSkillError(f"{path} is neither a Terminal-Bench results.json nor a Harbor result.json",
                                exit_codes.BAD_INPUT)
        trials = _trials_of(kind, data, path.parent if kind == "harbor-trial" else None, threshold)
        runs, unreadable = [Run(path.name, path, trials)], []
    else:
        runs, unreadable = _walk(path, threshold)
    runs = [run for run in runs if run.trials]
    if not runs:
        broken = f"; {len(unreadable)} result files are not JSON, e.g. {unreadable[0]}" if unreadable else ""
        raise GitSkillError(f"{path} holds no Terminal-Bench or Harbor results (results.json, or trial folders "
                            f"with result.json){broken}", exit_codes.BAD_INPUT)
    return Condition(label, path, runs, unreadable)


def _walk(root: Path, threshold: float) -> tuple[list[Run], list[str]]:
    from git_skill.transcripts.sources import walk_folders

    runs: dict[Path, Run] = {}
    unreadable: list[str] = []
    seen: dict[tuple[str, str], Path] = {}  # a trial's own id -> the folder it was read from
    for folder, (kind, data) in walk_folders(root, lambda f: _classify_folder(f, unreadable), MAX_DEPTH, strict=True):
        identity = _trial_identity(kind, data)
        if identity is not None and identity in seen:  # a trial folder copied under another name
            unreadable.append(f"{folder} (a copy of the trial in {seen[identity]})")
            continue
        if identity is not None:
            seen[identity] = folder
        trials = _trials_of(kind, data, folder, threshold)
        home = folder if kind == "tb-run" else _run_folder(folder, trials[0].task if trials else "", root)
        run = runs.setdefault(home, Run(_run_name(home, root), home))
        run.trials.extend(trials)
    return [runs[key] for key in sorted(runs)], sorted(unreadable)


def _trial_identity(kind: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """What names one trial whatever its folder is called: Harbor's trial `id` (else its `trial_name`),
    Terminal-Bench's `trial_name`; None for a whole run, or a trial that records neither."""
    if kind == "tb-run":
        return None
    for key in ("id", "trial_name"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return (kind, value)
    return None


def _run_name(run: Path, root: Path) -> str:
    return root.resolve().name if run == root else run.relative_to(root).as_posix()


def trial_task_id(folder: Path) -> str | None:
    """The task a trial folder (or trial results file) ran: Terminal-Bench's `task_id`, Harbor's `task_name`."""
    found = _classify_folder(folder) if folder.is_dir() else None
    if found is None and folder.is_file():
        data = _quiet_json(folder)
        kind = _kind(data)
        found = (kind, data) if kind else None
    if found is None:
        return None
    kind, data = found
    task = data.get("task_id") if kind == "tb-trial" else data.get("task_name") if kind == "harbor-trial" else None
    return task if isinstance(task, str) and task else None
