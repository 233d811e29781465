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


SQLITE = ("root@box:/app# sqlite3 app.db < migrate.sql\nError: near line 3: no such table: users\n"
          "root@box:/app# sqlite3 app.db .tables\nroot@box:/app# sqlite3 app.db < create.sql\nroot@box:/app# exit\n")


def committed_skill(repo: Path, name: str, body: str) -> Path:
    folder = repo / ".agents" / "skills" / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: Recover 7z archive passwords. Use when an "
                                     f"archive asks for a password.\n---\n\n{body}")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"skill {name}")
    return folder / "SKILL.md"


def test_a_persons_edit_on_the_known_target_skips_the_task_before_the_creation_call(
        repo: Path, env: None, tmp_path: Path) -> None:
    skill = committed_skill(repo, "crack-7z-hash", "# Crack 7z hash\n\n## Approaches\n\n- Run `7z2john`.\n")
    skill.write_text(skill.read_text() + "\nMy private note about the vault.\n")
    tb_trial(tmp_path / "run" / "crack" / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    tb_trial(tmp_path / "run" / "tables" / "tables.1-of-1", "migrate-tables", False, "test_schema", SQLITE)

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return reply(REFLECTION if is_reflection(body) else {**CREATION, "name": "migrate-tables", "scripts": []})
    with FakeLLM() as server:
        server.responder = answer
        alone = learn(repo, tmp_path / "run" / "crack" / "crack.1-of-1", server)
        assert alone.code == 4, alone.err
        assert "uncommitted changes (.agents/skills/crack-7z-hash/SKILL.md)" in alone.err
        assert creation_requests(server) == []  # the reflection only: no creation call was paid for
        batch = learn(repo, tmp_path / "run", server, "--json")
        assert batch.code == 4, batch.err
        [creation] = creation_requests(server)  # the other task's
        assert all("My private note" not in str(r) for r in server.requests)
    assert "migrate-tables" in creation and skill.read_text().endswith("My private note about the vault.\n")
    rows = {Path(r["source"]).name: r for r in json.loads(batch.out)["results"]}
    assert rows["tables.1-of-1"]["written"] is True


def test_with_force_the_known_target_is_learned_into_despite_the_edit(repo: Path, env: None, tmp_path: Path) -> None:
    skill = committed_skill(repo, "crack-7z-hash", "# Crack 7z hash\n\n## Approaches\n\n- Run `7z2john`.\n")
    skill.write_text(skill.read_text() + "\nMy note.\n")
    tb_trial(tmp_path / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "name": "crack-7z-hash", "scripts": []})]
        result = learn(repo, tmp_path / "crack.1-of-1", server, "--force")
        assert result.code == 0, result.err
        assert len(creation_requests(server)) == 1
    assert "My note." in skill.read_text() and "Variant" in skill.read_text()


def test_an_extends_section_lands_before_the_trailing_files_section_and_a_persons_note(
        repo: Path, env: None, tmp_path: Path) -> None:
    tail = "## Files\n\n- [scripts/crack.sh](scripts/crack.sh)\n\nMy own note: the vault key is on paper.\n"
    skill = committed_skill(repo, "crack-7z-hash", "# Crack 7z hash\n\n## Approaches\n\n- Run `7z2john`.\n\n" + tail)
    (skill.parent / "scripts").mkdir()
    (skill.parent / "scripts" / "crack.sh").write_text("#!/bin/sh\n7z2john \"$1\" > hash.txt\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "its script")
    tb_trial(tmp_path / "crack.1-of-1", "crack-7z-hash", False, "test_password", CRACK)
    extend = {**CREATION, "operation": "extend", "target": "crack-7z-hash", "name": "wordlist-first", "scripts": []}
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(extend)]
        result = learn(repo, tmp_path / "crack.1-of-1", server)
        assert result.code == 0, result.err
    text = skill.read_text()
    assert text.endswith("\n\n" + tail)  # the person's text and the reference section, byte for byte
    assert text.index("## Approaches") < text.index("## Variant: wordlist first") < text.index("## Files")


def test_a_verification_bullet_keeps_its_command_not_a_claim_on_a_hidden_output(
        repo: Path, env: None, tmp_path: Path) -> None:
    from tests.support.transcripts import write_harbor_trial

    trial = write_harbor_trial(repo.parent / "trial")
    review = tmp_path / "review.txt"
    review.write_text("E   assert regions() == ['north', 'south', 'east']\n")
    verification = ["Run `md5sum out.bin` and check it prints d41d8cd98f00b204e9800998ecf8427e.",  # a <hash>
                    "`python -c 'print(regions())'` should print ['north', 'south', 'east'].",  # a <value>
                    "The output is ['north', 'south', 'east'].",  # a claim and no command: nothing left
                    "Run `./hello` and compare its output with the task's requirement."]  # no placeholder: kept
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "scripts": [], "verification": verification})]
        result = learn(repo, trial, server, "--feedback", str(review))
        assert result.code == 0, result.err
    text = (repo / ".agents/skills/build-c-programs/SKILL.md").read_text()
    section = text.split("## Verification\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == ["- Run `md5sum out.bin`.", "- Run `python -c 'print(regions())'`.",
                                    "- Run `./hello` and compare its output with the task's requirement."]


@pytest.mark.parametrize(("bullet", "kept"), [
    ("- `md5sum FILE` prints `<hash>`.", "- Run `md5sum FILE`."),
    ("- `cat /app/solution.txt` should read \"<value>\" exactly", "- Run `cat /app/solution.txt`."),
    ("- The output is `<value>`.", None),
    ("- `grep <value> out.txt` finds the line.", "- `grep <value> out.txt` finds the line."),  # an argument
    ("- Run `make test` and read the summary.", "- Run `make test` and read the summary."),
])
def test_without_claim(bullet: str, kept: str | None) -> None:
    from git_skill.learning.content_gate import without_claim

    assert without_claim(bullet) == kept
