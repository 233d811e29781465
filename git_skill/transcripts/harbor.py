"""Harbor (Terminal-Bench 2) trials: ATIF `agent/trajectory.json`, the verifier's output and reward.

A trial folder holds `agent/trajectory.json`, `verifier/test-stdout.txt`,
`verifier/reward.txt` or `reward.json`, `result.json` and `config.json`; multi-step
trials hold the same under `steps/<name>/`. A bare ATIF file is read too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.feedback import verifier_feedback
from git_skill.transcripts.jsonl import parse_json_arguments, text_of

FORMAT = "harbor"
FORMAT_ATIF = "atif"


def is_atif(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("schema_version", "")).startswith("ATIF") and isinstance(data.get("steps"), list)


def step_folders(folder: Path) -> list[Path]:
    steps = folder / "steps"
    if steps.is_dir():
        return sorted(p for p in steps.iterdir() if (p / "agent" / "trajectory.json").is_file())
    return [folder] if (folder / "agent" / "trajectory.json").is_file() else []


def sniff(folder: Path) -> bool:
    return bool(step_folders(folder)) or ((folder / "result.json").is_file() and (folder / "verifier").is_dir())


def _read_reward(verifier: Path) -> float | None:
    for name in ("reward.txt", "reward.json"):
        path = verifier / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, dict):
            numbers = [v for v in value.values() if isinstance(v, (int, float))]
            if "reward" in value and isinstance(value["reward"], (int, float)):
                return float(value["reward"])
            if numbers:
                return float(sum(numbers) / len(numbers))
    return None


def read(folder: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    result_path = folder / "result.json"
    if result_path.is_file():
        try:
            result = json.loads(result_path.read_text(encoding="utf-8", errors="replace"))
        except ValueError:
            result = {}
            transcript.report.skip("unreadable result.json")
        if isinstance(result, dict):
            transcript.facts.task_id = result.get("task_name") or result.get("trial_name")
            if result.get("exception_info"):
                transcript.facts.outcome = f"exception: {str(result['exception_info'])[:200]}"
    for step in step_folders(folder):
        thread = "main" if step == folder else f"step:{step.name}"
        yield from read_atif_file(step / "agent" / "trajectory.json", transcript, thread)
        verifier = step / "verifier"
        stdout = verifier / "test-stdout.txt"
        reward = _read_reward(verifier)
        if stdout.is_file() or reward is not None:
            text = stdout.read_bytes().decode("utf-8", "replace") if stdout.is_file() else ""
            resolved = None if reward is None else reward >= 1.0
            transcript.feedback.append(verifier_feedback(text, "verifier", str(stdout) if stdout.is_file() else None,
                                                         resolved=resolved, reward=reward))
            if reward is not None and not transcript.facts.outcome:
                transcript.facts.outcome = f"{'resolved' if resolved else 'unresolved'} (reward {reward:g})"


def read_atif_file(path: Path, transcript: ev.Transcript, thread: str = "main") -> Iterator[ev.Event]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8", "replace"))
    except ValueError:
        transcript.report.skip("unreadable ATIF trajectory")
        return
    if not is_atif(data):
        transcript.report.skip("trajectory.json that is not ATIF")
        return
    facts = transcript.facts
    agent = data.get("agent") if isinstance(data.get("agent"), dict) else {}
    facts.agent = " ".join(str(agent[k]) for k in ("name", "version") if agent.get(k)) or facts.agent
    facts.model = agent.get("model_name") or facts.model
    facts.session_id = facts.session_id or data.get("session_id")
    final = data.get("final_metrics") if isinstance(data.get("final_metrics"), dict) else {}
    facts.input_tokens = final.get("total_prompt_tokens", facts.input_tokens)
    facts.output_tokens = final.get("total_completion_tokens", facts.output_tokens)
    facts.cost_usd = final.get("total_cost_usd", facts.cost_usd)
    yield from _steps(data["steps"], transcript, thread)


def _steps(steps: list[Any], transcript: ev.Transcript, thread: str) -> Iterator[ev.Event]:
    tracker = ev.CallTracker()
    yield from ev.each_record(steps, transcript.report, lambda step: _step(step, transcript, thread, tracker))


def _step(step: Any, transcript: ev.Transcript, thread: str, tracker: ev.CallTracker) -> Iterator[ev.Event]:
    if not isinstance(step, dict):
        transcript.report.skip("ATIF steps that are not objects")
        return
    when = step.get("timestamp") if isinstance(step.get("timestamp"), str) else None
    transcript.facts.started = transcript.facts.started or when
    transcript.facts.ended = when or transcript.facts.ended
    source = step.get("source")
    message = text_of(step.get("message"))
    if message:
        kind = {"user": ev.USER, "agent": ev.ASSISTANT}.get(source, ev.NOTE)
        yield ev.Event(kind, message, thread=thread, timestamp=when)
    if isinstance(step.get("reasoning_content"), str) and step["reasoning_content"]:
        yield ev.Event(ev.REASONING, step["reasoning_content"], thread=thread, timestamp=when)
    for call in step.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        yield tracker.call(str(call.get("function_name") or "tool"), parse_json_arguments(call.get("arguments")),
                           str(call.get("tool_call_id") or ""), thread=thread, timestamp=when)
    observation = step.get("observation") if isinstance(step.get("observation"), dict) else {}
    for result in observation.get("results") or []:
        if not isinstance(result, dict):
            continue
        yield tracker.result(str(result.get("source_call_id") or ""), text_of(result.get("content")),
                             thread=thread, timestamp=when)
