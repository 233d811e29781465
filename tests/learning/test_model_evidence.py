"""What the model's work carries through: the evidence to the creation call, "no lesson" to nothing
written, and an extend's variant name, description and sources into the skill."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import git, run_cli
from tests.fake_llm import FakeLLM
from tests.support.model import CREATION, REFLECTION, learn, reply
from tests.support.transcripts import write_harbor_trial

pytest.importorskip("litellm")

BUILD_SCRIPT = "#!/bin/sh\nset -e\ncommand -v gcc >/dev/null || apt-get install -y gcc\ngcc -Wall \"$1\" -o \"${1%.c}\"\n"


def test_what_worked_reaches_the_creation_call(repo: Path, env: None) -> None:
    reflection = {**REFLECTION, "what_worked": [{"kind": "script", "path": "build.sh", "text": BUILD_SCRIPT}]}
    with FakeLLM() as server:
        server.replies = [reply(reflection), reply(CREATION)]
        assert learn(repo, write_harbor_trial(repo.parent / "trial"), server).code == 0
        creation_prompt = server.requests[1]["messages"][0]["content"]
    assert json.dumps(BUILD_SCRIPT)[1:-1] in creation_prompt
    assert re.search(r"room for about [\d,]+ tokens", creation_prompt)


def test_a_reflection_with_no_lesson_writes_nothing(repo: Path, env: None) -> None:
    with FakeLLM() as server:
        server.replies = [reply({**REFLECTION, "lessons": []})]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server)
        assert len(server.requests) == 1  # no creation call
    assert result.code == 3 and "no lesson" in result.err and "Traceback" not in result.err
    assert not (repo / ".agents").exists()


def committed_skill(repo: Path) -> Path:
    folder = repo / ".agents/skills/build-c-programs"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: build-c-programs\ndescription: Build small C programs. Use when a task asks to compile C code.\n"
        "metadata:\n  learned-from: sha256:" + "a" * 64 + "\n---\n\n# Build c programs\n\n## Approaches\n\n"
        "- Compile with `gcc -Wall file.c -o file`.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "skill")
    return folder / "SKILL.md"


EXTEND = {**CREATION, "operation": "extend", "target": "build-c-programs", "scripts": [],
          "description": "Build small C programs and check what they print. Use when a task asks to compile C "
                         "code and its output is tested.",
          "pitfalls": ["A binary that builds can still print nothing: run it before finishing."]}


def test_an_extend_takes_the_models_description_names_the_variant_and_keeps_every_source(
        repo: Path, env: None) -> None:
    skill = committed_skill(repo)
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(EXTEND)]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server)
        assert result.code == 0, result.err
    text = skill.read_text()
    assert "description: Build small C programs and check what they print." in text
    assert "## Variant: build hello" in text  # the task's name: the model named the skill it extends
    sources = re.search(r"learned-from: (.*)", text).group(1).split()
    assert len(sources) == 2 and sources[1] == "sha256:" + "a" * 64 and sources[0] != sources[1]
    assert "description updated" in result.out


def test_an_extend_keeps_the_description_of_a_skill_with_local_edits(repo: Path, env: None) -> None:
    skill = committed_skill(repo)
    skill.write_text(skill.read_text().replace("Compile with", "Always compile with"))  # the user's own edit
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(EXTEND)]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server, "--force")
        assert result.code == 0, result.err
    text = skill.read_text()
    assert "description: Build small C programs. Use when" in text and "Always compile with" in text
    assert "the model's description not taken: the skill has local edits" in result.out


def test_sources_are_bounded_newest_first() -> None:
    from git_skill.learning.provenance import MAX_SOURCES, record

    metadata: dict[str, str] = {}
    for number in range(MAX_SOURCES + 3):
        metadata = record(f"sha256:{number:064x}", "model m", "extend", None, metadata)
    sources = metadata["learned-from"].split()
    assert len(sources) == MAX_SOURCES and sources[0] == f"sha256:{MAX_SOURCES + 2:064x}"
    assert record(sources[3], "model m", "extend", None, metadata)["learned-from"].split()[0] == sources[3]


def test_debug_is_taken_after_the_subcommand(repo: Path, env: None) -> None:
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        result = learn(repo, write_harbor_trial(repo.parent / "trial"), server, "--debug")
        assert result.code == 0, result.err
    assert "git-skill: debug: structured output: json_schema" in result.err
    assert run_cli("validate", "--debug", cwd=repo).code == 0


def test_the_closest_skills_body_is_shown_only_when_it_is_close(repo: Path, env: None) -> None:
    committed_skill(repo)  # building C programs: close to the trial's task
    far = repo / ".agents/skills/rotate-web-server-logs"
    far.mkdir(parents=True)
    (far / "SKILL.md").write_text(
        "---\nname: rotate-web-server-logs\ndescription: Rotate and compress nginx access logs. Use when a log "
        "partition fills up.\n---\n\n# Rotate web server logs\n\n## Approaches\n\n- Run `logrotate -f "
        "/etc/logrotate.d/nginx` and reload nginx so it reopens its files.\n")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply({**CREATION, "name": "build-and-run-c"})]
        assert learn(repo, write_harbor_trial(repo.parent / "trial"), server).code == 0
        close_prompt = server.requests[1]["messages"][0]["content"]
    assert "Compile with `gcc -Wall file.c -o file`" in close_prompt  # the close skill's body, for exact edits
    for folder in (repo / ".agents/skills").iterdir():  # the C skill (and whatever the first run wrote) go
        if folder.name != "rotate-web-server-logs":
            shutil.rmtree(folder)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "only the far skill")
    with FakeLLM() as server:
        server.replies = [reply(REFLECTION), reply(CREATION)]
        assert learn(repo, write_harbor_trial(repo.parent / "trial2", reward="1"), server).code == 0
        far_prompt = server.requests[1]["messages"][0]["content"]
    assert "name: rotate-web-server-logs" in far_prompt and "logrotate -f" not in far_prompt
