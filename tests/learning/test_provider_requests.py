"""What a learn run sends a provider: no private path, room for the reply, parameters each provider takes.

Every test goes through litellm to the fake OpenAI-compatible server on 127.0.0.1 and reads the
requests it recorded, as a provider would receive them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION, learn, reply

pytest.importorskip("litellm")

USER, CONTAINER = "alicewonder", "4f3c2a1b9d8e"


def private_trial(folder: Path) -> Path:
    """A Harbor trial whose steps name a home folder and a container, and whose verifier log names the user's."""
    atif = {
        "schema_version": "ATIF-v1.2", "session_id": "p1",
        "agent": {"name": "terminus-2", "version": "2.0", "model_name": "openai/gpt-5"},
        "steps": [
            {"step_id": 1, "source": "user", "message": "Make report.py print the totals"},
            {"step_id": 2, "source": "agent", "message": "Running it.",
             "tool_calls": [{"tool_call_id": "t1", "function_name": "bash_command",
                             "arguments": {"keystrokes": "python report.py\n"}}],
             "observation": {"results": [{"source_call_id": "t1", "content":
                                          f"root@{CONTAINER}:/app# python report.py\nTraceback (most recent call last):\n"
                                          f'  File "/Users/{USER}/src/report.py", line 3\nKeyError: \'total\''}]}},
        ],
    }
    (folder / "agent").mkdir(parents=True)
    (folder / "agent" / "trajectory.json").write_text(json.dumps(atif))
    (folder / "verifier").mkdir()
    (folder / "verifier" / "reward.txt").write_text("0")
    (folder / "verifier" / "test-stdout.txt").write_text(
        f"cachedir: /home/{USER}/.cache\nFAILED tests/test_report.py::test_totals - KeyError: 'total'\n")
    (folder / "result.json").write_text(json.dumps({"task_name": "report-totals", "trial_name": "report-totals__p1"}))
    return folder


def test_no_request_names_a_folder_of_this_machine_or_a_user(repo: Path, env: None, tmp_path: Path) -> None:
    trial = private_trial(tmp_path / "runs" / "report-totals__p1")
    notes = tmp_path / "review" / "ci.log"
    notes.parent.mkdir()
    notes.write_text(f"FAILED tests/test_report.py::test_totals - see /home/{USER}/ci/run.txt\n1 failed in 0.1s\n")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "scripts": []})]
        result = learn(repo, trial, server, "--feedback", str(notes))
        assert result.code == 0, result.err
        sent = [json.dumps(request) for request in server.requests]
    assert len(sent) == 2
    for request in sent:
        for private in (str(tmp_path), str(Path.home()) + "/", "/tmp/", USER, CONTAINER, "/Users/", "/home/"):
            assert private not in request, private
    digest = json.loads(sent[0])["messages"][0]["content"]
    assert "report-totals__p1/verifier/test-stdout.txt" in digest  # named relative to where it lies
    assert "~/src/report.py" in digest and "KeyError" in digest  # the evidence stays


def long_script(lines: int) -> str:
    return "#!/usr/bin/env python3\n" + "".join(f"print('step {i}: check the totals row by row')\n" for i in range(lines))


def test_a_strong_models_long_script_is_written_whole_without_a_repair_round(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    script = long_script(900)  # about 45,000 characters: more than 4,096 tokens
    assert len(script) > 40_000
    creation = {**CREATION, "scripts": [{"path": "check_totals.py", "content": script}]}
    with FakeLLM() as server:
        server.chars_per_token = 3.0  # a provider cuts what passes max_tokens
        server.routes["/v1/models"] = {"data": [{"id": "fake-model", "max_model_len": 200_000}]}
        server.replies = [reply(REFLECTION), reply(creation)]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert len(server.requests) == 2
        assert server.requests[1]["max_tokens"] * 3.0 > len(json.dumps(creation))
    written = repo / ".agents/skills/build-c-programs/scripts/check_totals.py"
    assert written.read_text() == script


def test_a_reply_cut_at_the_limit_is_asked_again_once_with_more_room(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    script = long_script(400)  # about 20,000 characters: past a 16k window's 4,096-token reserve
    creation = {**CREATION, "scripts": [{"path": "check_totals.py", "content": script}]}
    with FakeLLM() as server:
        server.chars_per_token = 3.0
        server.replies = [reply(REFLECTION), reply(creation), reply(creation)]
        result = learn(repo, trial, server, "--context-window", "16384")
        assert result.code == 0, result.err
        rooms = [request["max_tokens"] for request in server.requests]
        turns = [request["messages"][-1]["content"] for request in server.requests]
    assert len(rooms) == 3 and rooms[2] > rooms[1] and rooms[2] * 3.0 > len(json.dumps(creation))
    assert not any("could not be used" in turn for turn in turns)  # asked again as it was: no repair round
    assert "repair" not in result.err
    assert (repo / ".agents/skills/build-c-programs/scripts/check_totals.py").read_text() == script


def test_a_reply_still_cut_with_all_the_room_becomes_one_repair_round(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    huge = {**CREATION, "scripts": [{"path": "check_totals.py", "content": long_script(2000)}]}
    with FakeLLM() as server:
        server.chars_per_token = 3.0
        server.replies = [reply(REFLECTION), reply(huge), reply(huge), reply(CREATION)]
        result = learn(repo, trial, server, "--context-window", "8192")
        assert result.code == 0, result.err
        assert "cut off at the length limit" in server.requests[3]["messages"][-1]["content"]
    assert (repo / ".agents/skills/build-c-programs/scripts/build.sh").is_file()


@pytest.mark.parametrize("parameter, refusal", [
    ("temperature", "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) "
                    "value is supported."),
    ("frequency_penalty", "Unsupported parameter: 'frequency_penalty' is not supported with this model."),
])
def test_a_refused_parameter_is_dropped_once_and_remembered(repo: Path, env: None, parameter: str,
                                                           refusal: str) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [{"status": 400, "message": refusal}, reply(REFLECTION), reply(CREATION)]
        result = learn(repo, trial, server, "--context-window", "4096")  # a small local model: every knob sent
        assert result.code == 0, result.err
        assert parameter in server.requests[0] and all(parameter not in r for r in server.requests[1:])
        assert len(server.requests) == 3
        assert "unknown model" not in result.err
        server.requests.clear()  # the next run to this endpoint does not ask to be refused again
        server.replies = [reply(REFLECTION), reply({**CREATION, "name": "build-c-programs-again"})]
        again = learn(repo, write_harbor_trial(repo.parent / "trial2", reward="1"), server, "--context-window", "4096")
        assert again.code == 0, again.err
        assert len(server.requests) == 2 and all(parameter not in r for r in server.requests)


def test_a_refusal_naming_no_parameter_is_not_an_unknown_model(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [{"status": 400, "message": "This model does not accept requests this large on this plan."}]
        result = learn(repo, trial, server)
    assert result.code == 3 and "unknown model" not in result.err and "rejected the request" in result.err


def test_decoding_knobs_go_only_to_a_small_local_model(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    with FakeLLM() as server:
        server.routes["/v1/models"] = {"data": [{"id": "fake-model", "max_model_len": 200_000}]}
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert learn(repo, write_harbor_trial(repo.parent / "big"), server).code == 0
        large = server.requests
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "name": "build-c-small"})]
        assert learn(repo, write_harbor_trial(repo.parent / "small", reward="1"), server, "--context-window",
                     "4096").code == 0
        small = server.requests
    assert len(large) == 2 and len(small) == 2
    assert all("frequency_penalty" not in r for r in large) and all(r["frequency_penalty"] == 1.0 for r in small)
    assert all(r["max_tokens"] >= 16_000 for r in large) and all(r["max_tokens"] <= 1024 for r in small)
    lessons = [r["response_format"]["json_schema"]["schema"]["properties"]["lessons"] for r in (large[0], small[0])]
    assert lessons[0]["maxItems"] == 20 and lessons[1]["maxItems"] == 8  # a small model's grammar stays small
    assert '"maxItems": 8' in small[0]["messages"][0]["content"] and '"maxItems": 8' not in large[0]["messages"][0]["content"]


def test_the_prompt_shows_the_schema_the_reply_is_checked_against(repo: Path, env: None) -> None:
    from git_skill.learning.model import schema
    from git_skill.learning.replies import decoding_schema
    from tests.support.transcripts import write_harbor_trial

    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert learn(repo, write_harbor_trial(repo.parent / "trial"), server).code == 0
        requests = server.requests
    for request, name in zip(requests, ("reflection", "creation")):
        checked = {k: v for k, v in schema(name).items() if k not in ("$schema", "$id", "title")}
        assert json.dumps(checked, ensure_ascii=False) in request["messages"][0]["content"]
        sent = request["response_format"]["json_schema"]["schema"]
        assert sent == decoding_schema(name)
        for key, member in checked["properties"].items():  # the bounds on lists agree in both
            assert sent["properties"][key].get("maxItems") == member.get("maxItems"), key


def test_many_items_of_a_strong_reply_are_kept(repo: Path, env: None) -> None:
    from tests.support.transcripts import write_harbor_trial

    pitfalls = [f"Pitfall {i}: the row index of table {i} is not the row index of the other table." for i in range(14)]
    reflection = {**REFLECTION, "lessons": [f"lesson {i} about joining tables by key" for i in range(15)]}
    with FakeLLM() as server:
        server.replies = [reply(reflection), reply({**CREATION, "pitfalls": pitfalls})]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server)
        assert result.code == 0, result.err and len(server.requests) == 2
    text = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    assert all(item in text for item in pitfalls)
    assert run_cli("lint", cwd=repo).code == 0


def test_a_reasoning_model_is_sent_no_temperature(repo: Path, env: None) -> None:
    from tests.transcripts.test_readers import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        result = run_cli("learn", str(trial), "--model", "openai/o3", "--api-base", server.url, "--timeout", "5",
                         cwd=repo)
        assert result.code == 0, result.err
        assert len(server.requests) == 2 and all("temperature" not in r for r in server.requests)


def test_a_reply_cut_while_repeating_itself_gets_a_repair_round_not_more_room(repo: Path, env: None) -> None:
    from tests.transcripts.test_readers import write_harbor_trial

    looping = '{"solved": "no", "lessons": [' + '"no", ' * 400  # a small model stuck until max_tokens
    with FakeLLM() as server:
        server.replies = [{"content": looping, "finish_reason": "length"}, reply(REFLECTION), reply(CREATION)]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server, "--context-window", "4096")
        assert result.code == 0, result.err
        rooms = [request["max_tokens"] for request in server.requests]
        repair_turn = server.requests[1]["messages"][-1]["content"]
    assert len(rooms) == 3 and rooms[1] <= rooms[0]  # more room would only let it loop longer
    assert "repeating itself" in repair_turn
