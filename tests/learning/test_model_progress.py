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


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """Each call answered from what it holds, so the tasks get skills of their own names."""
    content = body["messages"][0]["content"]
    if "The digest:" in content:
        return {"content": json.dumps(REFLECTION)}
    task = re.search(r"\b(job-\d)\b", content)
    name = f"fix-{task.group(1) if task else 'unknown'}"
    return {"content": json.dumps({**CREATION, "name": name, "scripts": []})}


def test_a_model_batch_shows_each_task_done_and_the_time_left(repo: Path, env: None) -> None:
    run = repo.parent / "run"
    for index in range(3):
        tb_trial(run / f"job-{index}" / f"job-{index}.1-of-1", f"job-{index}", False, "test_main")
    with FakeLLM() as server:
        server.responder = _answer
        server.latency = 0.2
        code, shown = on_terminal([git_skill_executable(), "learn", str(run), "--model", "openai/fake-model",
                                   "--api-base", server.url, "--jobs", "1", "--context-window", "32768"], repo)
    text = shown.decode().replace("\r", "\n")
    assert code == 0, text
    lines = [line for line in text.splitlines() if line.lstrip("\x1b[?25l").startswith("model ")]
    assert any(re.search(r"1/3\s+\d\d:\d\d:\d\d\s+job-0\.1-of-1; 2 calls", line) for line in lines), lines
    assert any("3/3" in line and "job-2.1-of-1; 6 calls" in line for line in lines), lines
