"""Strong-model replies, replayed as a provider would send them (cut at max_tokens), are written intact.

The replies in strong_replies/ were written for this project in the manner of a frontier model
answering the relay (../shared/tools/relay_model_server.py): a reflection with many items and
what worked, a creation with a whole script, and that creation cut off mid-reply.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_llm import FakeLLM
from tests.learning.test_model_pipeline import learn
from tests.transcripts.test_readers import write_harbor_trial

pytest.importorskip("litellm")

REPLIES = Path(__file__).parent / "strong_replies"
REFLECTION = (REPLIES / "reflection_many_items.json").read_text()
CREATION = (REPLIES / "creation_long_script.json").read_text()
CUT = (REPLIES / "creation_cut.txt").read_text()
PARTS = json.loads(CREATION)


def assert_written_intact(repo: Path) -> None:
    folder = repo / ".agents/skills" / PARTS["name"]
    script = PARTS["scripts"][0]
    assert (folder / "scripts" / script["path"]).read_text() == script["content"]
    text = (folder / "SKILL.md").read_text()
    assert PARTS["description"] in text
    for key, heading in (("approaches", "## Approaches"), ("pitfalls", "## Pitfalls"), ("verification", "## Verification")):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        assert section.count("\n- ") == len(PARTS[key]), key
    assert run_cli("validate", cwd=repo).code == 0 and run_cli("lint", cwd=repo).code == 0


def test_strong_replies_are_written_intact_with_no_repair_round(repo: Path, env: None) -> None:
    with FakeLLM() as server:
        server.chars_per_token = 3.0
        server.routes["/v1/models"] = {"data": [{"id": "fake-model", "max_model_len": 200_000}]}
        server.replies = [{"content": REFLECTION}, {"content": CREATION}]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server)
        assert result.code == 0, result.err
        assert len(server.requests) == 2
        creation_prompt = server.requests[1]["messages"][0]["content"]
    assert "python3-fasttext" in creation_prompt  # the reflection's what_worked reached the creation call
    assert "repaired" not in result.err
    assert_written_intact(repo)


def test_a_reply_cut_by_the_provider_is_asked_for_again_and_written_whole(repo: Path, env: None) -> None:
    with FakeLLM() as server:
        server.replies = [{"content": REFLECTION}, {"content": CUT, "finish_reason": "length"}, {"content": CREATION}]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server, "--context-window", "32768")
        assert result.code == 0, result.err
        rooms = [request["max_tokens"] for request in server.requests]
        last_turn = server.requests[2]["messages"][-1]["content"]
    assert len(rooms) == 3 and rooms[2] > rooms[1]
    assert "could not be used" not in last_turn  # the same request with more room, not a repair round
    assert_written_intact(repo)


def test_a_small_window_cuts_the_reply_and_the_retry_gets_the_room_it_needs(repo: Path, env: None) -> None:
    with FakeLLM() as server:
        server.chars_per_token = 1.0  # a tokenizer that spends a token per character: 8,219 characters need room
        server.replies = [{"content": REFLECTION}, {"content": CREATION}, {"content": CREATION}]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server, "--context-window", "16384")
        assert result.code == 0, result.err
        rooms = [request["max_tokens"] for request in server.requests]
    assert rooms[1] < len(CREATION) <= rooms[2]
    assert_written_intact(repo)
