"""Terminal-Bench 1 trial folders: `results.json`, `sessions/agent.cast` or `agent.log`, and the verifier's logs.

The task is the instruction in `results.json`; the trajectory is the agent's terminal
session; the feedback is the per-test results (`parser_results`), the verifier's
pytest run (`sessions/tests.log`, else `panes/post-test.txt`) and the resolution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from git_skill.evaluation.results import tb_trial, tb_trial_results
from git_skill.transcripts import events as ev
from git_skill.transcripts.feedback import verifier_feedback
from git_skill.transcripts.terminal import read_cast, read_log, sniff_cast

FORMAT = "terminal-bench"


def sniff(folder: Path) -> bool:
    return tb_trial_results(folder) is not None


def read(folder: Path, transcript: ev.Transcript) -> Iterator[ev.Event]:
    results = tb_trial_results(folder) or {}
    trial = tb_trial(results, threshold=1.0)  # the verdict as compare reads it ("yes", 1, "false" included)
    facts = transcript.facts
    facts.task_id = results.get("task_id")
    facts.started = results.get("agent_started_at") or results.get("trial_started_at")
    facts.ended = results.get("agent_ended_at") or results.get("trial_ended_at")
    facts.input_tokens = results.get("total_input_tokens") or None
    facts.output_tokens = results.get("total_output_tokens") or None
    resolved = trial.passed if trial is not None and trial.reward is not None else None
    failure = trial.error if trial is not None else None
    facts.outcome = ("resolved" if resolved else "unresolved" if resolved is False else "unknown") + (
        f" ({failure})" if failure else "")
    parser_results = results.get("parser_results") or {}
    if not isinstance(parser_results, dict):  # a string or a list where the per-test table belongs
        transcript.report.skip("results.json fields of the wrong type")
        parser_results = {}
    known = {str(name): str(status) for name, status in parser_results.items()}
    log = next((p for p in (folder / "sessions" / "tests.log", folder / "panes" / "post-test.txt") if p.is_file()), None)
    text = log.read_bytes().decode("utf-8", "replace") if log else ""
    transcript.feedback.append(verifier_feedback(text, "verifier", str(log) if log else None, known, resolved))
    instruction = results.get("instruction")
    if isinstance(instruction, str):
        transcript.task_known = True
        yield ev.Event(ev.USER, instruction)
    cast = folder / "sessions" / "agent.cast"
    agent_log = folder / "sessions" / "agent.log"
    if cast.is_file() and sniff_cast(cast.read_bytes()[:4096]):
        yield from read_cast(cast, transcript)
    elif agent_log.is_file():
        yield from read_log(agent_log, transcript)
    else:
        transcript.report.note("no agent session recording in the trial")
