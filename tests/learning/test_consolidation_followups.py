"""Phase two with a model: what the creation call is shown, when a person's edit skips a task, where an
extend's section lands, and what a verification bullet keeps once answers are hidden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, run_cli
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION, learn, reply
from tests.support.transcripts import tb_trial

CRACK = ("root@box:/app# 7z x archive.7z\nERROR: Wrong password\nroot@box:/app# 7z2john archive.7z > hash.txt\n"
         "root@box:/app# john --wordlist=rockyou.txt hash.txt\n1 password hash cracked\nroot@box:/app# exit\n")


@pytest.fixture(autouse=True)
def no_configured_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_SKILL_MODEL", raising=False)


def is_reflection(body: dict[str, Any]) -> bool:
    return "The digest:" in body["messages"][0]["content"]


def creation_requests(server: FakeLLM) -> list[str]:
    return [r["messages"][0]["content"] for r in server.requests if not is_reflection(r)]


def test_the_creation_call_sees_each_reflection_labelled_and_the_task_redacted(
        repo: Path, env: None, tmp_path: Path) -> None:
    hard = tmp_path / "run" / "crack-7z-hash" / "crack-7z-hash.1-of-1"
    easy = tmp_path / "run" / "crack-7z-hash.easy" / "crack-7z-hash.easy.1-of-1"
    tb_trial(hard, "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(easy, "crack-7z-hash.easy", True, None, CRACK.replace("rockyou.txt", "small.txt"))
    results = json.loads((easy / "results.json").read_text())
    results["instruction"] = f"Recover the password of {tmp_path}/data/archive.7z and write it to /app/solution.txt."
    (easy / "results.json").write_text(json.dumps(results))

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return reply(REFLECTION if is_reflection(body) else {**CREATION, "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        result = learn(repo, tmp_path / "run", server, "--json")
        assert result.code == 0, result.err
        [creation] = creation_requests(server)
    task = creation.split("The task:", 1)[1].split("The reflections, one per session:", 1)[0]
    assert "- crack-7z-hash: Make the crack-7z-hash job pass." in task
    assert "- crack-7z-hash.easy: Recover the password of <tmp>/" in task and "/data/archive.7z and write" in task
    assert str(tmp_path) not in creation  # the task text went through the provider redaction
    shown = json.loads(creation.split("The reflections, one per session:", 1)[1].split("The closest existing", 1)[0])
    assert [(r["trial"], r["variant"], r["outcome"]) for r in shown] == [
        ("crack-7z-hash.1-of-1", "crack-7z-hash", "unresolved"), ("crack-7z-hash.easy.1-of-1", "crack-7z-hash.easy",
                                                              "resolved")]
    assert all(r["reflection"]["lessons"] == REFLECTION["lessons"] for r in shown)
