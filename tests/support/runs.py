"""Hand-made benchmark results in the formats `compare` reads, modelled on Terminal-Bench 1 and Harbor output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_tb_run(folder: Path, outcomes: dict[str, bool | None], tokens: int = 0,
                 agent_seconds: dict[str, float] | None = None) -> Path:
    """A Terminal-Bench 1 run folder: `results.json` as `tb run` writes it at the top of the run."""
    records = []
    for task, resolved in outcomes.items():
        seconds = (agent_seconds or {}).get(task, 60.0)
        records.append({
            "id": f"id-{task}", "trial_name": f"{task}.1-of-1.run", "task_id": task, "instruction": f"Do {task}.",
            "is_resolved": resolved, "failure_mode": "unset" if resolved is not None else "parse_error",
            "parser_results": {"test_it": "passed" if resolved else "failed"},
            "total_input_tokens": tokens, "total_output_tokens": tokens,
            "trial_started_at": "2025-08-29T16:25:33.000000+00:00",
            "agent_started_at": "2025-08-29T16:25:35.000000+00:00",
            "agent_ended_at": _plus("2025-08-29T16:25:35", seconds),
        })
    resolved_ids = [task for task, ok in outcomes.items() if ok]
    data = {"id": "run-id", "results": records, "pass_at_k": {}, "n_resolved": len(resolved_ids),
            "n_unresolved": len(outcomes) - len(resolved_ids), "resolved_ids": resolved_ids,
            "unresolved_ids": [t for t in outcomes if t not in resolved_ids],
            "accuracy": len(resolved_ids) / len(outcomes) if outcomes else 0.0}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder


def _plus(start: str, seconds: float) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(start) + timedelta(seconds=seconds)).isoformat() + "+00:00"


def write_harbor_trial(job: Path, task: str, attempt: int, reward: float | None, cost: float | None = None,
                       tool_calls: list[tuple[str, dict[str, Any]]] | None = None,
                       reward_in_file: bool = False, exception: str | None = None) -> Path:
    """One Harbor trial folder `<task>__<id>` with result.json, the verifier's reward and an ATIF trajectory."""
    trial = job / f"{task}__a{attempt}"
    (trial / "verifier").mkdir(parents=True, exist_ok=True)
    (trial / "agent").mkdir(parents=True, exist_ok=True)
    verifier_result = None
    if reward is not None:
        (trial / "verifier" / "reward.txt").write_text(f"{reward}\n", encoding="utf-8")
        verifier_result = None if reward_in_file else {"rewards": {"reward": reward}}
    result = {
        "id": f"uuid-{task}-{attempt}", "task_name": task, "trial_name": trial.name, "trial_uri": trial.resolve().as_uri(),
        "task_id": {"path": f"tasks/{task}"}, "source": "terminal-bench", "task_checksum": "abc",
        "config": {"agent": {"name": "claude-code", "model_name": "anthropic/claude-sonnet-4-5"}},
        "agent_info": {"name": "claude-code", "version": "2.0.0"},
        "agent_result": {"n_input_tokens": 1000 * attempt, "n_cache_tokens": 0, "n_output_tokens": 100,
                         "cost_usd": cost},
        "verifier_result": verifier_result,
        "exception_info": {"exception_type": exception, "exception_message": "timed out",
                           "exception_traceback": "", "occurred_at": "2025-11-01T10:05:00Z"} if exception else None,
        "started_at": "2025-11-01T10:00:00Z", "finished_at": "2025-11-01T10:06:00Z",
        "agent_execution": {"started_at": "2025-11-01T10:00:30Z", "finished_at": "2025-11-01T10:02:30Z"},
    }
    (trial / "result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    steps: list[dict[str, Any]] = [{"step_id": 1, "source": "user", "message": f"Do {task}."}]
    for number, (name, arguments) in enumerate(tool_calls or [], start=2):
        steps.append({"step_id": number, "source": "agent", "message": "",
                      "tool_calls": [{"tool_call_id": f"c{number}", "function_name": name, "arguments": arguments}],
                      "observation": {"results": [{"source_call_id": f"c{number}", "content": "ok"}]}})
    atif = {"schema_version": "ATIF-v1.2", "session_id": "s", "agent": {"name": "claude-code", "version": "2.0.0",
            "model_name": "claude-sonnet-4-5"}, "steps": steps, "final_metrics": {}}
    (trial / "agent" / "trajectory.json").write_text(json.dumps(atif), encoding="utf-8")
    return trial


def write_harbor_job(job: Path, rewards: dict[str, list[float | None]], cost: float | None = 0.5) -> Path:
    """A Harbor job folder: one trial per attempt, and the job's own result.json (which is not a trial)."""
    job.mkdir(parents=True, exist_ok=True)
    (job / "config.json").write_text(json.dumps({"job_name": job.name}), encoding="utf-8")
    (job / "result.json").write_text(json.dumps({"id": "job", "n_total_trials": sum(map(len, rewards.values())),
                                                 "stats": {"n_trials": 0, "n_errors": 0, "evals": {}}}),
                                     encoding="utf-8")
    for task, attempts in rewards.items():
        for attempt, reward in enumerate(attempts, start=1):
            write_harbor_trial(job, task, attempt, reward, cost)
    return job
