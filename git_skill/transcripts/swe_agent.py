"""SWE-agent trajectories (`<instance>.traj`): the `trajectory` list of action and observation.

SWE-agent writes one JSON document per run: `trajectory` (per step `thought`, `action`,
`observation`, `response`, `state`), `history` (the chat sent to the model, whose first user
turn wraps the task in its instance template), `info` (`exit_status`, `submission`,
`model_stats`, versions) and `replay_config` (the run's configuration, as JSON text, with the
problem statement). Actions are shell commands or SWE-agent's own tools (`str_replace_editor
view …`, `open`, `edit`); neither records an exit code, so an observation's failure is judged
from its text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from git_skill.transcripts import events as ev
from git_skill.transcripts.jsonl import text_of

FORMAT = "swe-agent"
_SUBMIT = re.compile(r"^\s*submit\b")
# the task inside SWE-agent's instance templates (1.x: <pr_description>; 0.x: ISSUE: … INSTRUCTIONS:)
_TEMPLATED_TASK = (re.compile(r"<pr_description>\s*(.*?)\s*</pr_description>", re.S),
                   re.compile(r"ISSUE:\s*\n(.*?)\n\s*INSTRUCTIONS:", re.S))


def is_trajectory(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("trajectory"), list):
        return False
    steps = data["trajectory"][:5]
    return ("history" in data or "info" in data) and all(isinstance(s, dict) and "action" in s for s in steps)


def _dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def task_of(data: dict[str, Any]) -> str:
    """The problem statement: from the replay configuration, else the first user turn without its template."""
    statement = _dict(_dict(data.get("replay_config")).get("problem_statement"))
    if isinstance(statement.get("text"), str) and statement["text"].strip():
        return statement["text"].strip()
    history = data.get("history") if isinstance(data.get("history"), list) else []
    first = next((m for m in history if isinstance(m, dict) and m.get("role") == "user"), None)
    text = text_of(first.get("content")) if first else ""
    for pattern in _TEMPLATED_TASK:
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return text.strip()


def read(path: Path, transcript: ev.Transcript, data: Any = None) -> Iterator[ev.Event]:
    data = data if data is not None else json.loads(path.read_bytes().decode("utf-8", "replace"))
    info = _dict(data.get("info"))
    facts = transcript.facts
    facts.agent = ("swe-agent " + str(info.get("swe_agent_version") or "")).strip()
    stats = _dict(info.get("model_stats"))
    facts.cost_usd = stats.get("instance_cost")
    facts.input_tokens = stats.get("tokens_sent") or None
    facts.output_tokens = stats.get("tokens_received") or None
    model = _dict(_dict(_dict(data.get("replay_config")).get("agent")).get("model"))
    facts.model = model.get("name")
    if info.get("exit_status"):
        facts.outcome = str(info["exit_status"])
    task = task_of(data)
    if task:
        yield ev.Event(ev.USER, task)
    tracker = ev.CallTracker()
    steps = iter(enumerate(data["trajectory"]))
    yield from ev.each_record(steps, transcript.report, lambda step: _step(step[0], step[1], tracker))


def _step(index: int, step: dict[str, Any], tracker: ev.CallTracker) -> Iterator[ev.Event]:
    thought = step.get("thought")
    if isinstance(thought, str) and thought.strip():
        yield ev.Event(ev.ASSISTANT, thought.strip())
    action = step.get("action")
    if not isinstance(action, str) or not action.strip():
        return
    action = action.strip()
    if _SUBMIT.match(action):
        yield ev.Event(ev.NOTE, "the agent submitted its work")
        return
    call_id = f"step-{index}"
    tool = action.split(None, 1)[0]
    yield tracker.call(tool, {"command": action}, call_id, command=action)
    observation = step.get("observation")
    yield tracker.result(call_id, observation if isinstance(observation, str) else text_of(observation))
