"""Batch learning consolidates: one skill per lesson, not one per trial (issue 23).

Real runs of `git skill learn` on run folders in temp repositories, with the distiller and,
through litellm, against the fake OpenAI-compatible server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, run_cli
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION, learn, reply
from tests.support.transcripts import tb_trial

CRACK = ("root@box:/app# 7z x archive.7z\nERROR: Wrong password\nroot@box:/app# 7z2john archive.7z > hash.txt\n"
         "root@box:/app# john --wordlist=rockyou.txt hash.txt\n1 password hash cracked\nroot@box:/app# exit\n")
SQLITE = ("root@box:/app# sqlite3 app.db < migrate.sql\nError: near line 3: no such table: users\n"
          "root@box:/app# sqlite3 app.db .tables\nroot@box:/app# sqlite3 app.db < create.sql\nroot@box:/app# exit\n")


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.delenv("GIT_SKILL_MODEL", raising=False)


def variants(root: Path) -> Path:
    """One task and its easy variant, tried by two agents."""
    tb_trial(root / "run" / "crack-7z-hash" / "crack-7z-hash.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(root / "run" / "crack-7z-hash.easy" / "crack-7z-hash.easy.1-of-1", "crack-7z-hash.easy", True, None,
             CRACK.replace("rockyou.txt", "small.txt"))
    return root / "run"


def near_duplicates(repo: Path) -> list[dict[str, Any]]:
    found = run_cli("lint", "--format", "json", cwd=repo)
    return [f for f in json.loads(found.out)["findings"] if f["rule"] == "near-duplicate"]


def skill_folders(repo: Path) -> list[str]:
    root = repo / ".agents" / "skills"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_variants_of_one_task_make_one_skill_with_the_distiller(repo: Path, tmp_path: Path) -> None:
    result = run_cli("--debug", "learn", str(variants(tmp_path)), "--json", cwd=repo)
    assert result.code == 0, result.err
    [only] = json.loads(result.out)["results"]
    assert only["operation"] == "create" and "crack-7z-hash.1-of-1" in only["source"] \
        and "crack-7z-hash.easy.1-of-1" in only["source"]
    assert skill_folders(repo) == ["crack-7z-hash"] and near_duplicates(repo) == []  # named by the family
    text = (repo / ".agents/skills/crack-7z-hash/SKILL.md").read_text()
    named = re.search(r"learned-from: (.*)", text).group(1).split()
    assert len(named) == 2 and all(re.fullmatch(r"sha256:[0-9a-f]{64}", d) for d in named)  # each trial's digest
    assert "grouped: crack-7z-hash.easy is a variant of crack-7z-hash (task family crack-7z-hash)" in result.err


def test_two_variants_reflected_once_each_and_named_differently_make_one_skill(
        repo: Path, env: None, tmp_path: Path) -> None:
    names = iter(["seven-zip-password-recovery", "crack-archive-hashes"])  # the model names each creation anew

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if "The digest:" in body["messages"][0]["content"]:
            return reply(REFLECTION)
        return reply({**CREATION, "name": next(names), "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        result = learn(repo, variants(tmp_path), server, "--jobs", "2", "--json")
        assert result.code == 0, result.err
        reflections = [r for r in server.requests if "The digest:" in r["messages"][0]["content"]]
        assert len(reflections) == 2 and len(server.requests) == 3  # each trial reflected on once, one creation
    [only] = json.loads(result.out)["results"]
    assert "crack-7z-hash.1-of-1" in only["source"] and "crack-7z-hash.easy.1-of-1" in only["source"]
    assert skill_folders(repo) == ["seven-zip-password-recovery"] and near_duplicates(repo) == []
    text = (repo / ".agents/skills/seven-zip-password-recovery/SKILL.md").read_text()
    assert len(re.search(r"learned-from: (.*)", text).group(1).split()) == 2  # the skill names both sources


def test_a_create_lint_would_call_a_near_duplicate_extends_instead(repo: Path, env: None, tmp_path: Path) -> None:
    """Two different tasks, the model naming their skills differently but saying the same thing."""
    tb_trial(tmp_path / "run" / "alpha" / "alpha.1-of-1", "open-archive", False, "test_password", CRACK)
    tb_trial(tmp_path / "run" / "bravo" / "bravo.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    names = iter(["build-c-programs", "compile-c-code"])

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if "The digest:" in body["messages"][0]["content"]:
            return reply(REFLECTION)
        return reply({**CREATION, "name": next(names), "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        result = learn(repo, tmp_path / "run", server, "--json")
        assert result.code == 0, result.err
    first, second = json.loads(result.out)["results"]
    assert first["operation"] == "create" and second["operation"] == "extend"
    assert re.search(r"lint would call the new skill compile-c-code a near-duplicate of build-c-programs "
                     r"\((description|body) similarity \d\.\d\d\)", second["reason"]), second["reason"]
    assert skill_folders(repo) == ["build-c-programs"] and near_duplicates(repo) == []


def test_a_batch_goes_past_a_skill_learn_wrote_itself(repo: Path, tmp_path: Path) -> None:
    """Learn one run, then the next: the first run's skill, not yet committed, is learn's own output."""
    tb_trial(tmp_path / "one" / "crack" / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(tmp_path / "two" / "crack" / "crack.1-of-1", "crack-7z-hash", True, None,
             CRACK.replace("rockyou.txt", "words.txt") + "root@box:/app# 7z t archive.7z\nEverything is Ok\n")
    tb_trial(tmp_path / "two" / "tables" / "tables.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    assert run_cli("learn", str(tmp_path / "one"), cwd=repo).code == 0
    second = run_cli("learn", str(tmp_path / "two"), "--json", cwd=repo)
    assert second.code == 0, second.err
    operations = {r["skill"]: r["operation"] for r in json.loads(second.out)["results"]}
    assert operations["crack-7z-hash"] == "extend" and "words.txt" in \
        (repo / ".agents/skills/crack-7z-hash/SKILL.md").read_text()


def test_a_persons_edit_skips_that_task_only_and_is_kept(repo: Path, tmp_path: Path) -> None:
    tb_trial(tmp_path / "one" / "crack" / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    assert run_cli("learn", str(tmp_path / "one"), cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "learned")
    skill = repo / ".agents/skills/crack-7z-hash/SKILL.md"
    skill.write_text(skill.read_text() + "\nMy own note.\n")
    tb_trial(tmp_path / "two" / "crack" / "crack.1-of-1", "crack-7z-hash", True, None,
             CRACK.replace("rockyou.txt", "words.txt"))
    tb_trial(tmp_path / "two" / "tables" / "tables.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    result = run_cli("learn", str(tmp_path / "two"), cwd=repo)
    assert result.code == 4, result.err
    assert "1 of 2 tasks skipped" in result.err and "uncommitted" in result.err
    row = next(line for line in result.out.splitlines() if line.startswith("crack.1-of-1"))
    assert "skipped" in row and "uncommitted edits kept" in row
    assert "1 skill written (1 created, 0 extended), 0 untouched, 1 skipped (uncommitted edits)" in result.out
    assert skill.read_text().endswith("My own note.\n") and "words.txt" not in skill.read_text()
    assert (repo / ".agents/skills/migrate-tables/SKILL.md").is_file()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "my note")
    again = run_cli("learn", str(tmp_path / "two"), "--json", cwd=repo)  # only the skipped task is learned
    assert again.code == 0, again.err
    [extended] = json.loads(again.out)["results"]
    assert extended["operation"] == "extend" and "My own note." in skill.read_text() and "words.txt" in skill.read_text()


def test_an_update_is_reported_in_text(repo: Path, env: None, tmp_path: Path) -> None:
    folder = repo / ".agents" / "skills" / "build-c-programs"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: build-c-programs\ndescription: Build small C programs. Use when compiling C code.\n---\n\n"
        "# Build\n\n## Approaches\n\n- Compile with `cc hello.c`.\n- Keep warnings off.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a skill with a wrong step")
    tb_trial(tmp_path / "trial", "build-hello", False, "test_output")
    update = {**CREATION, "operation": "update", "target": "build-c-programs", "scripts": [],
              "edits": [{"find": "- Keep warnings off.", "replace": "- Compile with `-Wall`."}]}
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(update)]
        result = learn(repo, tmp_path / "trial", server)
    assert result.code == 0, result.err
    assert result.out.startswith("updated .agents/skills/build-c-programs/SKILL.md (proposed by model")


def test_a_rerun_after_a_failed_creation_pays_only_for_the_creation(repo: Path, env: None, tmp_path: Path) -> None:
    tb_trial(tmp_path / "trial", "crack-7z-hash", False, "test_password", CRACK)
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), {"status": 400, "message": "bad request"}]
        failed = learn(repo, tmp_path / "trial", server)
        assert failed.code != 0 and len(server.requests) == 2
    with FakeLLM() as server:
        server.replies = [reply({**CREATION, "scripts": []})]
        again = run_cli("--debug", "learn", str(tmp_path / "trial"), "--model", "openai/fake-model", "--api-base",
                        server.url, "--timeout", "5", cwd=repo)
        assert again.code == 0, again.err
        assert len(server.requests) == 1 and "The digest:" not in server.requests[0]["messages"][0]["content"]
    assert "reflection taken from the cache" in again.err


def test_batch_sends_the_reflections_as_one_provider_batch_and_a_rerun_collects_it(
        repo: Path, env: None, tmp_path: Path) -> None:
    """`--batch` through litellm's files and batches interface, against the fake server's endpoints."""
    tb_trial(tmp_path / "run" / "crack" / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(tmp_path / "run" / "tables" / "tables.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    names = iter(["crack-7z-hash", "migrate-tables"])

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if "The digest:" in body["messages"][0]["content"]:
            return reply(REFLECTION)
        name = next(names)
        return reply({**CREATION, "name": name, "scripts": [], "description": f"Handle {name} tasks. Use when "
                      f"{name} fails.", "approaches": [f"Read the {name} error first."], "pitfalls": [],
                      "verification": []})
    with FakeLLM() as server:
        server.responder = answer
        server.batch_polls = 10**6  # the provider never finishes within this run
        waiting = learn(repo, tmp_path / "run", server, "--batch", "--timeout", "1")
        assert waiting.code == 5, waiting.err
        assert "still 'in_progress'" in waiting.err and "run the same learn --batch again" in waiting.err
        assert (repo / ".git/git-skill/provider-batch.json").is_file() and server.requests == []
        assert len(server.batch_lines) == 0 and len(server.batches) == 1
        server.batch_polls = 0  # done by the rerun
        done = learn(repo, tmp_path / "run", server, "--batch", "--json")
        assert done.code == 0, done.err
        assert len(server.batches) == 1  # the rerun collected the batch sent before, sent none
        assert len(server.batch_lines) == 2 and all("The digest:" in b["messages"][0]["content"]
                                                     for b in server.batch_lines)
        assert len(server.requests) == 2 and all("The digest:" not in r["messages"][0]["content"]
                                                 for r in server.requests)  # only the creations were calls
        assert server.batch_lines[0]["model"] == "fake-model" and "max_tokens" in server.batch_lines[0]
    assert not (repo / ".git/git-skill/provider-batch.json").exists()
    assert sorted(r["skill"] for r in json.loads(done.out)["results"]) == ["crack-7z-hash", "migrate-tables"]
    assert json.loads(done.out)["usage"]["calls"] == 4


def test_batch_without_a_provider_batch_api_or_a_model_is_a_clear_usage_error(
        repo: Path, env: None, tmp_path: Path) -> None:
    tb_trial(tmp_path / "trial", "crack-7z-hash", False, "test_password", CRACK)
    alone = run_cli("learn", str(tmp_path / "trial"), "--batch", cwd=repo)
    assert alone.code == 2 and "--batch" in alone.err and "needs a model" in alone.err
    with FakeLLM() as server:
        refused = run_cli("learn", str(tmp_path / "trial"), "--batch", "--model", "ollama/qwen", "--api-base",
                          server.url.removesuffix("/v1"), "--context-window", "8192", cwd=repo)
        assert server.requests == []
    assert refused.code == 2 and "which litellm offers no batch API for" in refused.err, refused.err
    assert "Traceback" not in refused.err


def test_what_was_written_before_a_run_stopped_is_not_learned_again(repo: Path, env: None, tmp_path: Path) -> None:
    """A refused key stops the run at the second creation: the first skill is written and remembered."""
    tb_trial(tmp_path / "run" / "crack" / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(tmp_path / "run" / "tables" / "tables.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    creations = {"count": 0}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if "The digest:" in body["messages"][0]["content"]:
            return reply(REFLECTION)
        creations["count"] += 1
        if creations["count"] > 1:
            return {"status": 401, "message": "invalid api key"}
        return reply({**CREATION, "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        stopped = learn(repo, tmp_path / "run", server)
    assert stopped.code == 2 and "credentials" in stopped.err
    assert skill_folders(repo) == ["build-c-programs"]
    with FakeLLM() as server:
        server.responder = lambda body: reply({**CREATION, "name": "migrate-tables", "scripts": [],
                                               "description": "Migrate SQLite tables in order. Use when a migration "
                                               "fails on a missing table.", "approaches": ["Create tables first."],
                                               "pitfalls": [], "verification": []})
        again = learn(repo, tmp_path / "run", server, "--json")
        assert again.code == 0, again.err
        assert len(server.requests) == 1  # the second task's creation alone: reflections cached, the first learned
    assert json.loads(again.out)["skipped"] == [str(tmp_path / "run" / "crack" / "crack.1-of-1")]


SQLITE_CREATION = {
    "operation": "create", "name": "build-c-programs",  # the name the batch's first skill took
    "description": "Migrate SQLite databases whose tables are missing. Use when a migration script fails on a table.",
    "when_to_use": "A migration stops with `no such table` before the schema exists.",
    "approaches": ["List the tables with `sqlite3 app.db .tables` before migrating.",
                   "Create the schema first: `sqlite3 app.db < create.sql`, then run the migration."],
    "pitfalls": ["A migration that names a missing table stops at that line and leaves the rest undone."],
    "verification": ["Run `sqlite3 app.db .schema users` and check the table exists."],
    "scripts": [],
}


def two_unrelated_tasks(root: Path) -> Path:
    tb_trial(root / "run" / "alpha" / "alpha.1-of-1", "open-archive", False, "test_password", CRACK)
    tb_trial(root / "run" / "bravo" / "bravo.1-of-1", "migrate-tables", False, "test_schema", SQLITE)
    return root / "run"


def clash_batch(repo: Path, root: Path, renamed: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """Both creations named build-c-programs; the second about SQLite. Asked again, the model answers
    `renamed` (None: the same taken name once more)."""
    def answer(body: dict[str, Any]) -> dict[str, Any]:
        content = body["messages"][0]["content"]
        if "The digest:" in content:
            return reply(REFLECTION)
        if "migrate-tables job" not in content:
            return reply({**CREATION, "scripts": []})
        if "must not use any of them: build-c-programs." in content:
            return reply({**SQLITE_CREATION, "name": renamed or SQLITE_CREATION["name"]})
        return reply(SQLITE_CREATION)
    with FakeLLM() as server:
        server.responder = answer
        result = run_cli("--debug", "learn", str(two_unrelated_tasks(root)), "--model", "openai/fake-model",
                         "--api-base", server.url, "--timeout", "5", "--json", cwd=repo)
        requests = list(server.requests)
    assert result.code == 0, result.err
    return result, requests


def creations(requests: list[dict[str, Any]]) -> list[str]:
    return [r["messages"][0]["content"] for r in requests if "The digest:" not in r["messages"][0]["content"]]


def test_a_name_clash_with_an_unrelated_skill_asks_again_for_the_creation_only(repo: Path, env: None,
                                                                               tmp_path: Path) -> None:
    result, requests = clash_batch(repo, tmp_path, "migrate-sqlite-tables")
    asked = creations(requests)
    assert len(requests) == 5 and len(asked) == 3  # two reflections, never repeated; one creation asked again
    assert "must not use any of them" not in asked[1] and "must not use any of them: build-c-programs." in asked[2]
    assert re.search(r"debug: sha256:[0-9a-f]{12}…: the model named its new skill build-c-programs, the name of a "
                     r"skill it is not similar to \((description|body) similarity \d\.\d\d\): asking for the "
                     r"creation again with the taken names unavailable \(the reflections are reused\)", result.err)
    first, second = json.loads(result.out)["results"]
    assert first["operation"] == second["operation"] == "create"
    assert "named migrate-sqlite-tables: build-c-programs is an unrelated skill's name" in second["reason"]
    assert skill_folders(repo) == ["build-c-programs", "migrate-sqlite-tables"] and near_duplicates(repo) == []
    assert "sqlite3" not in (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    assert "sqlite3 app.db .tables" in (repo / ".agents/skills/migrate-sqlite-tables/SKILL.md").read_text()


def test_a_model_that_takes_the_name_again_gets_one_named_after_the_task(repo: Path, env: None,
                                                                          tmp_path: Path) -> None:
    result, requests = clash_batch(repo, tmp_path, None)
    assert len(requests) == 5 and len(creations(requests)) == 3  # asked once more, not again and again
    assert "the model named it build-c-programs again: named migrate-tables after the task instead" in result.err
    first, second = json.loads(result.out)["results"]
    assert (first["operation"], second["operation"]) == ("create", "create")
    assert "named migrate-tables after the task: build-c-programs is an unrelated skill's name" in second["reason"]
    assert skill_folders(repo) == ["build-c-programs", "migrate-tables"] and near_duplicates(repo) == []
    text = (repo / ".agents/skills/migrate-tables/SKILL.md").read_text()
    assert re.search(r"^name: migrate-tables$", text, re.M) and "sqlite3 app.db .tables" in text
