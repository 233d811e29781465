"""A model batch on a terminal: the progress line names the task just done, counts tasks, and gives the time left."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git_skill_executable
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION
from tests.support.terminal import on_terminal
from tests.support.transcripts import tb_trial

pytest.importorskip("litellm")

TASKS = ("sqlite", "nginx")


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """A reflection for a reflection call, a creation for a creation call (whichever order they come in)."""
    reflecting = "The digest:" in body["messages"][0]["content"]
    return {"content": json.dumps(REFLECTION if reflecting else {**CREATION, "scripts": []})}


def test_a_model_batch_shows_each_task_done_and_the_time_left(repo: Path, env: None) -> None:
    run = repo.parent / "run"
    for task in TASKS:
        tb_trial(run / task / f"{task}.1-of-1", task, False, "test_main")
    with FakeLLM() as server:
        server.responder = _answer
        server.latency = 1.1  # click estimates the time left once a step has taken a second
        code, shown = on_terminal([git_skill_executable(), "learn", str(run), "--model", "openai/fake-model",
                                   "--api-base", server.url, "--jobs", "1", "--context-window", "32768"], repo)
    text = shown.decode().replace("\r", "\n")
    assert code == 0, text
    lines = [line for line in text.splitlines() if line.lstrip("\x1b[?25l").startswith("model ")]
    assert any(re.search(r"1/2\s+\d\d:\d\d:\d\d\s+\w+\.1-of-1; \d+ calls", line) for line in lines), lines
    assert any(re.search(r"2/2\s+\w+\.1-of-1; \d+ calls", line) for line in lines), lines
