"""`git skill status`: up to date, locally modified, upstream ahead, both, missing, unreachable."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from git_skill.sharing import fetch
from tests.conftest import Upstream, git, run_cli


def states(repo: Path, *args: str) -> dict[str, str]:
    result = run_cli("status", "--format", "json", *args, cwd=repo)
    return {row["path"].rsplit("/", 1)[-1]: row["state"] for row in json.loads(result.out)["skills"]}


def test_every_state(repo: Path, upstream: Upstream, tmp_path: Path) -> None:
    assert run_cli("status", cwd=repo).code == 2  # nothing shared yet
    assert run_cli("add", f"{upstream.url}//skills", cwd=repo).code == 0
    assert states(repo) == {"csv-cleaning": "up to date", "pdf-forms": "up to date"}
    assert run_cli("status", "--exit-code", cwd=repo).code == 0
    upstream.write("README.md", "Only the readme moved.\n")
    upstream.commit("readme")
    assert states(repo) == {"csv-cleaning": "up to date", "pdf-forms": "up to date"}  # the folder did not change
    skills = repo / ".agents/skills"
    (skills / "csv-cleaning/SKILL.md").write_text((skills / "csv-cleaning/SKILL.md").read_text() + "\nLocal.\n")
    upstream.write("skills/pdf-forms/SKILL.md", (upstream.path / "skills/pdf-forms/SKILL.md").read_text() + "\nUp.\n")
    upstream.commit("pdf")
    assert states(repo) == {"csv-cleaning": "locally modified", "pdf-forms": "upstream ahead"}
    (skills / "pdf-forms/SKILL.md").write_text((skills / "pdf-forms/SKILL.md").read_text() + "\nMine.\n")
    assert states(repo, "pdf-forms") == {"pdf-forms": "both"}
    assert states(repo, "--no-fetch") == {"csv-cleaning": "locally modified", "pdf-forms": "locally modified"}
    text = run_cli("status", "--exit-code", cwd=repo)
    assert text.code == 1 and re.search(r"^both +\.agents/skills/pdf-forms ", text.out, re.M)
    shutil.rmtree(skills / "csv-cleaning")
    assert states(repo, "csv-cleaning") == {"csv-cleaning": "missing"}


def test_unreachable_upstream_is_exit_6_and_other_skills_still_show(repo: Path, upstream: Upstream,
                                                                    tmp_path: Path) -> None:
    assert run_cli("add", f"{upstream.url}//skills/pdf-forms", cwd=repo).code == 0
    plain = tmp_path / "plain" / "notes-skill"
    plain.mkdir(parents=True)
    shutil.copy(upstream.path / "skills/csv-cleaning/SKILL.md", plain / "SKILL.md")
    (plain / "SKILL.md").write_text((plain / "SKILL.md").read_text().replace("csv-cleaning", "notes-skill"))
    assert run_cli("add", str(plain), cwd=repo).code == 0
    shutil.move(upstream.path, tmp_path / "gone")
    result = run_cli("status", cwd=repo)
    assert result.code == 6 and "upstream unreachable" in result.out and "up to date" in result.out
    assert f".agents/skills/notes-skill  {plain}\n" in result.out  # no commit for a plain folder, no trailing space
    assert "Traceback" not in result.err and git(repo, "status", "--porcelain").stdout.count("\n") == 2


def test_one_fetch_per_source_and_ref(repo: Path, upstream: Upstream, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("add", f"{upstream.url}//skills", cwd=repo).code == 0
    calls: list[str] = []
    real_fetch = fetch.Upstream.fetch

    def counted(self: fetch.Upstream, ref: str) -> str:
        calls.append(ref)
        return real_fetch(self, ref)

    monkeypatch.setattr(fetch.Upstream, "fetch", counted)
    assert run_cli("status", cwd=repo).code == 0 and len(calls) == 1  # two skills, one collection
    assert run_cli("update", cwd=repo).code == 0 and len(calls) == 2
    shutil.move(upstream.path, tmp_path / "gone")
    assert run_cli("status", cwd=repo).code == 6 and len(calls) == 3  # a failure is not retried per skill
