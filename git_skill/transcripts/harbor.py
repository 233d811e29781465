"""Harbor (Terminal-Bench 2) trials: ATIF `agent/trajectory.json`, the verifier's output and reward.

A trial folder holds `agent/trajectory.json`, `verifier/test-stdout.txt`,
`verifier/reward.txt` or `reward.json`, `result.json` and `config.json`; multi-step
trials hold the same under `steps/<name>/`. A bare ATIF file is read too.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import orjson

from git_skill.transcripts import events as ev
from git_skill.transcripts.feedback import verifier_feedback
from git_skill.transcripts.json_stream import STREAM_ERRORS, first_item, items
from git_skill.transcripts.jsonl import parse_json_arguments, text_of

FORMAT = "harbor"
FORMAT_ATIF = "atif"


def is_atif(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("schema_version", "")).startswith("ATIF") and isinstance(data.get("steps"), list)


def step_folders(folder: Path) -> list[Path]:
    steps = folder / "steps"
    if steps.is_dir():
        return sorted(p for p in steps.iterdir() if (p / "agent").is_dir())
    return [folder] if (folder / "agent").is_dir() else []


def sniff(folder: Path) -> bool:
    if (folder / "result.json").is_file() and ((folder / "verifier").is_dir() or (folder / "agent").is_dir()):
        return True
    return any((step / "agent" / "trajectory.json").is_file() for step in step_folders(folder))


_INSTRUCTIONS = ("instruction.md", "agent/instruction.md", "agent/instruction.txt", "task/instruction.md")


def _instruction(folder: Path) -> str | None:
    for name in _INSTRUCTIONS:
        path = folder / name
        if path.is_file():
            text = path.read_bytes()[:256 * 1024].decode("utf-8", "replace").strip()
            if text:
                return text
    return None


def read_reward(verifier: Path) -> float | None:
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
    result = _result(folder, transcript)
    instruction = _instruction(folder)
    if instruction:
        transcript.task_known = True
        yield ev.Event(ev.USER, instruction)
    asked = bool(instruction)
    logs_seen: list[Any] = []
    for step in step_folders(folder):
        thread = "main" if step == folder else f"step:{step.name}"
        for event in _agent_events(step, transcript, thread, logs_seen):
            asked = asked or event.kind == ev.USER
            yield event
        _verifier(step, transcript, result if step == folder else {})  # result.json's reward is the trial's
    if not asked:  # the task from the first user message of any log, else the task's name
        from git_skill.transcripts.harbor_agents import first_request

        request = first_request(logs_seen) or transcript.facts.task_id
        if request:
            yield ev.Event(ev.USER, request)


def _result(folder: Path, transcript: ev.Transcript) -> dict[str, Any]:
    """`result.json`: the task's name, the agent's usage, the reward, an exception."""
    result_path = folder / "result.json"
    if not result_path.is_file():
        return {}
    try:
        result = json.loads(result_path.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        transcript.report.skip("unreadable result.json")
        return {}
    if not isinstance(result, dict):
        return {}
    facts = transcript.facts
    name = result.get("task_name") or result.get("trial_name")
    facts.task_id = name if isinstance(name, str) else None
    if result.get("exception_info"):
        facts.outcome = f"exception: {str(result['exception_info'])[:200]}"
    usage = result.get("agent_result") if isinstance(result.get("agent_result"), dict) else {}
    for key, field_name in (("n_input_tokens", "input_tokens"), ("n_output_tokens", "output_tokens"),
                            ("cost_usd", "cost_usd")):
        value = usage.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and getattr(facts, field_name) is None:
            setattr(facts, field_name, value)
    return result


def reward_value(value: Any) -> float | None:
    """A reward: a finite number, or a number written as text ("1", "0.5"); NaN, booleans and the rest are none."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def trial_reward(result: dict[str, Any], verifier: Path | None) -> float | None:
    """A trial's reward, the one `compare`, `usage` and the digest all use: result.json's
    `verifier_result.rewards.reward` (else the mean of its rewards, else `verifier_result.reward`),
    else the verifier's reward.txt or reward.json (a file holding "nan" is no reward)."""
    found = result.get("verifier_result") if isinstance(result.get("verifier_result"), dict) else {}
    rewards = found.get("rewards") if isinstance(found.get("rewards"), dict) else {}
    numbers = {k: number for k, v in rewards.items() for number in [reward_value(v)] if number is not None}
    if "reward" in numbers:
        return numbers["reward"]
    if numbers:
        return sum(numbers.values()) / len(numbers)
    single = reward_value(found.get("reward"))
    if single is not None:
        return single
    return reward_value(read_reward(verifier)) if verifier is not None and verifier.is_dir() else None


def _agent_events(step: Path, transcript: ev.Transcript, thread: str, logs_seen: list[Any]) -> Iterator[ev.Event]:
    """The ATIF trajectory, or the agent's own log when there is no trajectory or it holds fewer tool calls."""
    from git_skill.transcripts.harbor_agents import candidates, tool_calls

    trajectory = step / "agent" / "trajectory.json"
    logs = candidates(step / "agent")
    logs_seen += logs
    best, best_calls = None, -1
    for log in logs:
        calls = tool_calls(log)
        if calls > best_calls:
            best, best_calls = log, calls
    atif_calls = 0 if best is None else -1
    if best is not None and trajectory.is_file():
        scratch = ev.Transcript(facts=ev.SessionFacts(format="scratch", source=str(trajectory)), events=iter(()),
                                calls_only=True)
        atif_calls = sum(1 for e in read_atif_file(trajectory, scratch) if e.kind == ev.TOOL_CALL)
    if best is None or atif_calls >= best_calls:
        if trajectory.is_file():
            if best is not None:
                transcript.facts.agent_log = "agent/trajectory.json (ATIF)"
            yield from read_atif_file(trajectory, transcript, thread)
        return
    held = f"; agent/trajectory.json held {atif_calls}" if atif_calls >= 0 else ""
    transcript.facts.agent_log = f"{best.label}: {best_calls} tool calls{held}"
    for event in best.read(best.path, transcript):
        if thread != "main":
            event.thread = thread
        yield event


def _verifier(step: Path, transcript: ev.Transcript, result: dict[str, Any]) -> None:
    """The verifier's per-test report (CTRF), its log and the reward, as one feedback item."""
    from git_skill.transcripts.feedback import ctrf_results

    verifier = step / "verifier"
    stdout = verifier / "test-stdout.txt"
    ctrf = ctrf_results(verifier / "ctrf.json") if (verifier / "ctrf.json").is_file() else None
    reward = trial_reward(result, verifier)
    if not (stdout.is_file() or reward is not None or ctrf):
        return
    text = stdout.read_bytes().decode("utf-8", "replace") if stdout.is_file() else ""
    resolved = None if reward is None else reward >= 1.0
    shown = stdout if stdout.is_file() else verifier / "ctrf.json"
    statuses, messages = ctrf if ctrf else ({}, {})
    transcript.feedback.append(verifier_feedback(text, "verifier", str(shown) if shown.is_file() else None, statuses,
                                                 resolved=resolved, reward=reward, known_messages=messages))
    if reward is not None and not transcript.facts.outcome:
        transcript.facts.outcome = f"{'resolved' if resolved else 'unresolved'} (reward {reward:g})"


_ATIF_HEAD = re.compile(rb'"schema_version"\s*:\s*"ATIF')
_HEAD_BYTES = 64 * 1024
STREAM_ABOVE_BYTES = 16 * 1024 * 1024  # smaller trajectories are parsed whole: several times faster


def sniff_atif_head(head: bytes) -> bool:
    """Whether the first bytes of a JSON file name an ATIF schema (Harbor writes schema_version first)."""
    return _ATIF_HEAD.search(head[:_HEAD_BYTES]) is not None


def read_atif_file(path: Path, transcript: ev.Transcript, thread: str = "main") -> Iterator[ev.Event]:
    """An ATIF trajectory's events. One over STREAM_ABOVE_BYTES whose head says ATIF (as Harbor writes
    it, schema_version first) is streamed a step at a time, so a 150 MB trajectory never sits in
    memory; the rest, and JSON only the lenient reader takes (NaN, invalid UTF-8), are read whole."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size > STREAM_ABOVE_BYTES and sniff_atif_head(handle.read(_HEAD_BYTES)):
            stepped = [False]
            try:
                yield from _stream_atif(handle, transcript, thread, stepped)
                return
            except (*STREAM_ERRORS, ValueError):
                if stepped[0]:
                    transcript.report.skip("unreadable ATIF trajectory (cut short or malformed)")
                    return
    yield from _load_atif(path, transcript, thread)


def _stream_atif(handle: BinaryIO, transcript: ev.Transcript, thread: str, stepped: list[bool]) -> Iterator[ev.Event]:
    """The steps, parsed one at a time in C; the fields around them from the head (agent, session:
    before the steps in Harbor's files) and from one more pass that builds nothing else (totals)."""
    handle.seek(0)
    head = handle.read(_HEAD_BYTES)
    for key in ("agent", "session_id"):
        _atif_fact(key, first_item(io.BytesIO(head), key), transcript.facts)
    handle.seek(0)
    tracker = ev.CallTracker(pairs=not transcript.calls_only)
    for step in items(handle, "steps.item"):
        stepped[0] = True
        yield from ev.each_record([step], transcript.report, lambda one: _step(one, transcript, thread, tracker))
    handle.seek(0)
    _atif_fact("final_metrics", first_item(handle, "final_metrics"), transcript.facts)


def _atif_fact(key: str, value: Any, facts: ev.SessionFacts) -> None:
    """What a top-level ATIF field says of the session: the agent, the session id, the totals."""
    if key == "agent" and isinstance(value, dict):
        facts.agent = " ".join(str(value[k]) for k in ("name", "version") if value.get(k)) or facts.agent
        facts.model = value.get("model_name") or facts.model
    elif key == "session_id":
        facts.session_id = facts.session_id or value
    elif key == "final_metrics" and isinstance(value, dict):
        facts.input_tokens = value.get("total_prompt_tokens", facts.input_tokens)
        facts.output_tokens = value.get("total_completion_tokens", facts.output_tokens)
        facts.cost_usd = value.get("total_cost_usd", facts.cost_usd)


def _load_atif(path: Path, transcript: ev.Transcript, thread: str) -> Iterator[ev.Event]:
    raw = path.read_bytes()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # NaN, huge integers, invalid UTF-8: the standard library is more lenient
            data = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:  # nested too deeply (RecursionError) is the caller's to report
            transcript.report.skip("unreadable ATIF trajectory")
            return
    if not is_atif(data):
        transcript.report.skip("trajectory.json that is not ATIF")
        return
    for key in ("agent", "session_id", "final_metrics"):
        _atif_fact(key, data.get(key), transcript.facts)
    yield from _steps(data["steps"], transcript, thread)


def _steps(steps: list[Any], transcript: ev.Transcript, thread: str) -> Iterator[ev.Event]:
    tracker = ev.CallTracker(pairs=not transcript.calls_only)
    yield from ev.each_record(steps, transcript.report, lambda step: _step(step, transcript, thread, tracker))


def _step(step: Any, transcript: ev.Transcript, thread: str, tracker: ev.CallTracker) -> Iterator[ev.Event]:
    if not isinstance(step, dict):
        transcript.report.skip("ATIF steps that are not objects")
        return
    when = step.get("timestamp") if isinstance(step.get("timestamp"), str) else None
    if when:  # assigned only when there is a time: a fact's assignment is checked, and steps are many
        facts = transcript.facts
        if not facts.started:
            facts.started = when
        facts.ended = when
    source = step.get("source")
    message = "" if transcript.calls_only else text_of(step.get("message"))
    if message:
        kind = {"user": ev.USER, "agent": ev.ASSISTANT}.get(source, ev.NOTE)
        yield ev.Event(kind, message, thread=thread, timestamp=when)
    if not transcript.calls_only and isinstance(step.get("reasoning_content"), str) and step["reasoning_content"]:
        yield ev.Event(ev.REASONING, step["reasoning_content"], thread=thread, timestamp=when)
    for call in step.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        yield tracker.call(str(call.get("function_name") or "tool"), parse_json_arguments(call.get("arguments")),
                           str(call.get("tool_call_id") or ""), thread=thread, timestamp=when)
    observation = step.get("observation") if isinstance(step.get("observation"), dict) else {}
    for result in () if transcript.calls_only else observation.get("results") or []:
        if not isinstance(result, dict):
            continue
        yield tracker.result(str(result.get("source_call_id") or ""), text_of(result.get("content")),
                             thread=thread, timestamp=when)
