"""How `learn --model` adapts to real servers, played by the fake one: the structured-output ladder,
the relaxed decoding schema and code-side repairs, the content gate, the context window, a missing
`llm` extra, and batches of tasks learned at once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.transcripts import tb_trial
from tests.conftest import git, run_cli
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION, learn, reply
from tests.support.transcripts import write_harbor_trial

pytest.importorskip("litellm")

REFUSED_SCHEMA = {"status": 500, "message": "Failed to parse grammar: response_format type json_schema is not "
                                           "supported; use json_object with a schema"}


def debug_learn(repo: Path, source: Path, server: FakeLLM, *extra: str) -> Any:
    return run_cli("--debug", "learn", str(source), "--model", "openai/fake-model", "--api-base", server.url,
                   "--timeout", "5", *extra, cwd=repo)


def formats(server: FakeLLM) -> list[Any]:
    return [request.get("response_format", {}).get("type") if request.get("response_format") else "text"
            for request in server.requests]


def test_a_server_refusing_json_schema_with_500_gets_json_mode_with_the_schema(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [REFUSED_SCHEMA, reply(REFLECTION), reply(CREATION)]
        result = debug_learn(repo, trial, server)
        assert result.code == 0, result.err
        assert formats(server) == ["json_schema", "json_object", "json_object"]  # remembered: no second refusal
        attached = server.requests[1]["response_format"]["schema"]
    assert attached["required"] == CREATION_REQUIRED_REFLECTION
    assert "structured output: json_object+schema" in result.err and "refused json_schema" in result.err
    remembered = json.loads((repo / ".git/git-skill/structured-output.json").read_text())
    assert list(remembered.values()) == ["json_object+schema"]
    with FakeLLM() as server:  # the next run starts where this one ended, for the same endpoint and model
        server.replies = [reply(REFLECTION), reply(CREATION)]
        server_key = f"{server.url} openai/fake-model"
        (repo / ".git/git-skill/structured-output.json").write_text(json.dumps({server_key: "json_object"}))
        assert learn(repo, trial, server, "--force").code == 0
        assert formats(server) == ["json_object", "json_object"] and "schema" not in server.requests[0]["response_format"]


CREATION_REQUIRED_REFLECTION = ["solved", "evidence", "soundness", "error_fixes", "unjustified_steps",
                                "missed_edge_cases", "repeated_patterns", "pitfalls", "verification_gaps", "lessons"]


def test_the_ladder_ends_in_plain_text_with_the_schema_in_the_prompt(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    refusals = [{"status": 400, "message": "response_format is not supported by this model"},
                {"status": 400, "message": "unknown field: schema"},
                {"status": 422, "message": "json_object: response_format not allowed"}]
    with FakeLLM() as server:
        server.replies = [*refusals, reply(REFLECTION), reply(CREATION)]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert formats(server) == ["json_schema", "json_object", "json_object", "text", "text"]
        assert '"lessons"' in server.requests[3]["messages"][0]["content"]  # the schema travels in the prompt


def test_a_500_that_names_no_schema_is_still_an_outage(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [{"status": 500, "message": "out of memory", "headers": {"retry-after": "0"}}] * 5
        result = learn(repo, trial, server)
        assert result.code == 5 and "out of memory" in result.err
        assert formats(server) == ["json_schema"] * 4


def test_the_schema_sent_for_decoding_has_no_bounds_and_the_strict_one_is_checked_in_code(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    sloppy = {**CREATION, "name": "Build C Programs!", "notes": "extra key",
              "scripts": [{"path": "../tools/build.sh,", "content": CREATION["scripts"][0]["content"]},
                          {"path": "", "content": " "}],
              "approaches": CREATION["approaches"] + [CREATION["approaches"][0]],
              "edits": [{"find": "", "replace": ""}]}  # as SmolLM2 leaves them on a create
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(sloppy)]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert len(server.requests) == 2  # repaired in code: no repair round
        sent = json.dumps(server.requests[1]["response_format"])
    for keyword in ("maxLength", "minLength", "pattern", '"title"'):
        assert keyword not in sent
    assert "name 'Build C Programs!' made 'build-c-programs'" in result.err
    assert "approaches: 1 duplicate item(s) removed" in result.err and "dropped unknown keys notes" in result.err
    assert "scripts path '../tools/build.sh,' made 'tools-build.sh'" in result.err
    assert "edits: dropped, 1 of them, the operation being 'create'" in result.err
    assert "scripts: 1 without content removed" in result.err
    text = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    assert text.count("gcc -Wall hello.c -o hello") == 1
    assert (repo / ".agents/skills/build-c-programs/scripts/tools-build.sh").is_file()


def test_a_name_left_empty_is_the_tasks_without_a_repair_round(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:  # a small model under a grammar fills every key but can leave a string empty
        server.replies = [reply(REFLECTION), reply({**CREATION, "name": ""})]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert len(server.requests) == 2
    assert "name left empty: the task's name 'build-hello' used" in result.err
    assert (repo / ".agents/skills/build-hello/SKILL.md").read_text().startswith("---\nname: build-hello\n")


def test_what_needs_judgement_still_goes_back_to_the_model(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "description": "Too short"}), reply(CREATION)]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert "description: 'Too short' is too short" in server.requests[2]["messages"][-1]["content"]


@pytest.mark.parametrize("copied, why", [
    ({"name": "a-skill-proposed-from-a-reflection", "description": "The existing skill to extend or update, by name."},
     "copies the prompt or the schema"),
    ({"description": "Lessons from error_fixes and verification_gaps of the session, for later."},
     "repeats the reply's own keys (error_fixes, verification_gaps)"),
    ({"description": "Helpful guidance for the agent on this."}, "names no task and no trigger"),
    ({"pitfalls": ["Every item must come from the reflection's evidence; no generic advice."]},
     "pitfalls[0] copies the prompt or the schema"),
])
def test_a_skill_copied_from_the_prompt_is_refused(repo: Path, env: None, copied: dict, why: str) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, **copied, "scripts": []})]
        result = learn(repo, trial, server)
    assert result.code == 1 and why in result.err and "nothing was written" in result.err, result.err
    assert not (repo / ".agents").exists()


def test_the_context_window_the_server_reports_sizes_the_digest(repo: Path, env: None, tmp_path: Path) -> None:
    long_session = "".join(f"root@box:/app# step {i} && cat big-{i}.log\n" + f"line {i} of output, all different\n" * 40
                           for i in range(300))
    tb_trial(tmp_path / "trial", "long-task", False, "test_main", long_session + "root@box:/app# exit\n")
    with FakeLLM() as server:
        server.routes["/props"] = {"default_generation_settings": {"n_ctx": 4096}}
        server.replies = [reply(REFLECTION), reply(CREATION)]
        result = debug_learn(repo, tmp_path / "trial", server)
        assert result.code == 0, result.err
        sent = server.requests[0]
    assert "context window 4096 (the server's /props)" in result.err
    assert sent["max_tokens"] == 1024
    assert len(sent["messages"][0]["content"]) < (4096 - 1024) * 4  # prompt, schema and digest within the window
    with FakeLLM() as server:  # the OpenAI-style model list (vLLM's max_model_len), and the option over it
        server.routes["/v1/models"] = {"data": [{"id": "fake-model", "max_model_len": 16384}]}
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert "context window 16384 (the server's /v1/models)" in debug_learn(repo, tmp_path / "trial", server,
                                                                         "--force", "--dry-run").err
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert "context window 2048 (--context-window)" in debug_learn(repo, tmp_path / "trial", server, "--dry-run",
                                                                 "--context-window", "2048").err
        assert 256 <= server.requests[-2]["max_tokens"] <= 512  # a quarter of the window, less what the prompt takes


def test_ollama_show_and_git_config_give_the_window(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.routes["/api/show"] = {"parameters": "temperature 0.7\nnum_ctx 6144",
                                      "model_info": {"llama.context_length": 131072}}
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert "context window 6144 (the server's /api/show)" in debug_learn(repo, trial, server, "--dry-run").err
        git(repo, "config", "skill.contextWindow", "3000")
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert "context window 3000 (--context-window)" in debug_learn(repo, trial, server, "--dry-run").err
        git(repo, "config", "skill.contextWindow", "lots")
        bad = learn(repo, trial, server, "--dry-run")
    assert bad.code == 2 and "skill.contextWindow is 'lots'" in bad.err
    assert learn(repo, trial, server, "--context-window", "100").code == 2


def test_a_context_exceeded_reply_is_retried_once_with_a_smaller_digest(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    too_long = {"status": 400, "message": "Requested tokens (9000) exceed context window of 2048"}
    with FakeLLM() as server:
        server.replies = [too_long, reply(REFLECTION), reply(CREATION)]
        result = learn(repo, trial, server)
        assert result.code == 0, result.err
        assert len(server.requests) == 3 and formats(server)[:2] == ["json_schema", "json_schema"]
    assert "did not fit the model's context window" in result.err
    with FakeLLM() as server:
        server.replies = [too_long, too_long]
        failed = learn(repo, trial, server, "--force")
    assert failed.code == 3 and "--context-window" in failed.err and "Traceback" not in failed.err


def test_without_the_llm_extra_the_install_command_is_named(repo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "litellm" or name.startswith("litellm."):
                    raise ModuleNotFoundError("No module named 'litellm'")
        sys.meta_path.insert(0, Block())
    """))
    trial = write_harbor_trial(repo.parent / "trial")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(blocker), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "git_skill", "learn", str(trial), "--model", "openai/x"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    # the hint fits where git-skill runs from: its checkout (editable install), else the package index
    assert re.search(r"pip install (?:-e '\S+\[llm\]'|'git-skill\[llm\]')", done.stderr), done.stderr
    assert "internal error" not in done.stderr


COMMANDS = {  # each task its own work, so the distiller's lessons of two tasks are not near-duplicates
    "alpha-job": ("pdflatex invoice.tex", "! LaTeX Error: File `eurosym.sty' not found.", "tlmgr install eurosym"),
    "bravo-job": ("sqlite3 app.db < migrate.sql", "Error: near line 3: no such table: users", "sqlite3 app.db .tables"),
    "charlie-job": ("nginx -t", "nginx: [emerg] unknown directive \"proxy_cache_pathx\"", "sed -i s/pathx/path/ x.conf"),
    "delta-job": ("gpsbabel -i gpx -f track.gpx -o csv", "gpsbabel: Unknown file type", "file track.gpx"),
}


def batch(root: Path, tasks: list[str]) -> Path:
    for task in tasks:
        command, error, fix = COMMANDS[task]
        session = (f"root@box:/app# {command}\n{error}\nroot@box:/app# {fix}\nroot@box:/app# {command}\ndone\n"
                   "root@box:/app# exit\n")
        tb_trial(root / "run" / task / f"{task}.1-of-1", task, False, f"test_{task.split('-')[0]}", session)
    return root / "run"


TOPICS = {  # descriptions lint would not call near-duplicates of each other
    "alpha-job": "Render PDF invoices from templates. Use when a task asks for printable invoices.",
    "bravo-job": "Migrate a SQLite schema safely. Use when a task changes database tables.",
    "charlie-job": "Tune nginx reverse proxy caching. Use when a task serves static assets slowly.",
    "delta-job": "Parse GPS tracks into summaries. Use when a task reads GPX recordings.",
}


def distinct(task: str) -> dict[str, Any]:
    """A creation about the task's own topic: no two of them near-duplicates."""
    topic = TOPICS[task]
    return {"description": topic, "when_to_use": topic.split(". ")[1], "approaches": [topic.split(". ")[0] + "."],
            "pitfalls": [f"Check the {task} output before finishing."], "verification": [], "scripts": []}


def test_a_batch_learns_tasks_at_once_and_a_failed_task_does_not_stop_the_others(
        repo: Path, env: None, tmp_path: Path) -> None:
    tasks = ["alpha-job", "bravo-job", "charlie-job", "delta-job"]
    run = batch(tmp_path, tasks)
    with FakeLLM() as server:
        server.latency = 0.3

        def answer(body: dict[str, Any]) -> dict[str, Any]:
            first, last = body["messages"][0]["content"], body["messages"][-1]["content"]
            if "The digest:" in first:
                task = next(t for t in tasks if f"Make the {t} job pass" in first)
                return reply("{not json") if task == "bravo-job" or last != first else \
                    reply({**REFLECTION, "evidence": f"marker:{task}:"})
            task = re.search(r"marker:([a-z-]+):", first).group(1)
            return reply({**CREATION, "name": f"build-{task}", **distinct(task)})
        server.responder = answer
        result = learn(repo, run, server, "--jobs", "4")
        assert server.max_in_flight >= 3  # tasks really ran at once
    assert result.code == 3, result.err
    assert "1 of 4 tasks failed" in result.err and "a rerun learns only those" in result.err
    assert "4 sources, 4 tasks: 3 skills written (3 created, 0 extended), 0 untouched, 1 failed, 0 already learned" in result.out
    failed_row = next(line for line in result.out.splitlines() if line.startswith("bravo-job"))
    assert "failed" in failed_row and "reflection schema" in failed_row
    assert sorted(p.name for p in (repo / ".agents/skills").iterdir()) == \
        ["build-alpha-job", "build-charlie-job", "build-delta-job"]
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "learned")
    with FakeLLM() as server:
        server.responder = lambda body: reply(REFLECTION) if "The digest:" in body["messages"][0]["content"] else \
            reply({**CREATION, "name": "build-bravo-job", **distinct("bravo-job")})
        rerun = learn(repo, run, server, "--jobs", "4", "--json")
        assert rerun.code == 0, rerun.err
        assert len(server.requests) == 2  # only the task that failed
    report = json.loads(rerun.out)
    assert [r["skill"] for r in report["results"]] == ["build-bravo-job"] and len(report["skipped"]) == 3


def test_a_refused_key_stops_the_whole_batch(repo: Path, env: None, tmp_path: Path) -> None:
    run = batch(tmp_path, ["alpha-job", "bravo-job", "charlie-job"])
    with FakeLLM() as server:
        server.responder = lambda body: {"status": 401, "message": "invalid api key"}
        result = learn(repo, run, server, "--jobs", "1")
        assert len(server.requests) == 1
    assert result.code == 2 and "credentials" in result.err


def test_a_rate_limit_holds_back_every_task(repo: Path, env: None, tmp_path: Path) -> None:
    run = batch(tmp_path, ["alpha-job", "bravo-job", "charlie-job", "delta-job"])
    limited = {"count": 0}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        limited["count"] += 1
        if limited["count"] == 1:
            return {"status": 429, "headers": {"retry-after": "1"}, "message": "slow down"}
        if "The digest:" in body["messages"][0]["content"]:
            return reply(REFLECTION)
        return reply({**CREATION, "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        result = learn(repo, run, server, "--jobs", "4", "--dry-run")
        assert result.code == 0, result.err
        assert len(server.requests) == 9  # one 429, retried; then two calls per task


def test_the_timeout_applies_to_each_call_and_says_so(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [{"sleep": 3}] * 2
        result = learn(repo, trial, server, "--timeout", "1")
        assert len(server.requests) == 1  # a timed-out call is not sent again to a server still busy with it
    assert result.code == 5 and "no answer within 1 s (--timeout applies to each call" in result.err


def test_two_tasks_of_a_batch_naming_their_skill_alike_keep_both_lessons(
        repo: Path, env: None, tmp_path: Path) -> None:
    """Reflected on at once, both tasks propose `build-c-programs`: consolidated one after the other,
    the second sees the first's skill and extends it instead of replacing it, with no call repeated."""
    tasks = ["alpha-job", "bravo-job"]
    run = batch(tmp_path, tasks)

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        first = body["messages"][0]["content"]
        if "The digest:" in first:
            task = next(t for t in tasks if f"Make the {t} job pass" in first)
            return reply({**REFLECTION, "evidence": f"marker:{task}:"})
        task = re.search(r"marker:([a-z-]+):", first).group(1)
        return reply({**CREATION, "scripts": [], "approaches": [f"Run the {task} steps in order: `make {task}`."]})
    with FakeLLM() as server:
        server.latency = 0.5
        server.responder = answer
        result = learn(repo, run, server, "--jobs", "2", "--json")
        assert server.max_in_flight == 2  # reflected on at once
        assert len(server.requests) == 4  # two reflections, two creations: nothing planned twice
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert sorted(r["operation"] for r in report["results"]) == ["create", "extend"]
    assert [p.name for p in (repo / ".agents/skills").iterdir()] == ["build-c-programs"]
    text = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    assert "make alpha-job" in text and "make bravo-job" in text
    assert re.search(r"## Variant: (alpha|bravo) job", text)  # named by the task it came from, not the skill's name
    assert run_cli("validate", cwd=repo).code == 0


def test_a_proposed_create_over_an_existing_skill_extends_it(repo: Path, env: None, tmp_path: Path) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert learn(repo, trial, server).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first skill")
    before = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    other = batch(tmp_path, ["alpha-job"]) / "alpha-job" / "alpha-job.1-of-1"
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "scripts": [],
                                                    "approaches": ["Link with `-lm` when the program uses math."]})]
        result = learn(repo, other, server, "--json")
    assert result.code == 0, result.err
    outcome = json.loads(result.out)["results"][0]
    assert outcome["operation"] == "extend" and "exists: extended, not replaced" in outcome["reason"]
    after = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    body = before.split("\n---\n", 1)[1].strip()
    head, files = body.split("\n\n## Files\n", 1)
    assert head in after and after.endswith("## Files\n" + files + "\n")  # every line of the first body is kept,
    assert after.index(head) < after.index("## Variant") < after.index("## Files")  # the variant before its Files
    assert "Link with `-lm`" in after


def test_usage_reports_tokens_and_the_price_of_a_known_model(repo: Path, env: None) -> None:
    trial = write_harbor_trial(repo.parent / "trial")
    with FakeLLM() as server:  # the fake server reports 100 prompt and 20 completion tokens a call
        server.replies = [reply(REFLECTION), reply(CREATION)]
        priced = run_cli("learn", str(trial), "--model", "openai/gpt-4o-mini", "--api-base", server.url, "--json",
                         cwd=repo)
    assert priced.code == 0, priced.err
    usage = json.loads(priced.out)["usage"]
    assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (2, 200, 40)
    assert usage["cost_usd"] == pytest.approx(2 * (100 * 0.15 + 20 * 0.6) / 1e6)  # gpt-4o-mini's listed price
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        unknown = learn(repo, trial, server, "--force")
    assert unknown.code == 0 and "cost unknown for this model" in unknown.err


def test_litellm_is_imported_once_for_threads_and_leaves_the_collector_on() -> None:
    code = ("import gc, threading\nfrom git_skill.learning.model import litellm_module\nfound = []\n"
            "threads = [threading.Thread(target=lambda: found.append(litellm_module())) for _ in range(4)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\n"
            "print(len(found), len({id(m) for m in found}), gc.isenabled(), gc.get_freeze_count() > 1000,"
            " found[0].suppress_debug_info)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert done.stdout.split() == ["4", "1", "True", "True", "True"], done.stderr
