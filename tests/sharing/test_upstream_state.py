"""What a failed read of upstream is called (issue 11, defect 13): a deleted local source is unreachable
(exit 6), unsafe upstream content is refused, and a damaged cache is rebuilt rather than blamed on upstream."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import Upstream, run_cli


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own: the tests damage it."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", str(cache))
    return cache


def rows(repo: Path) -> tuple[int, dict[str, dict[str, str]], str]:
    result = run_cli("status", "--format", "json", cwd=repo)
    skills = json.loads(result.out)["skills"] if result.out else []
    return result.code, {row["path"].rsplit("/", 1)[-1]: row for row in skills}, result.err


def test_a_deleted_local_repository_is_unreachable_not_gone(repo: Path, upstream: Upstream, tmp_path: Path,
                                                           own_cache: Path) -> None:
    assert run_cli("add", f"{upstream.path}//skills/csv-cleaning", cwd=repo).code == 0
    shutil.rmtree(upstream.path)
    code, found, _ = rows(repo)
    assert code == 6 and found["csv-cleaning"]["upstream"] == "unreachable"
    assert "no longer exists" in found["csv-cleaning"]["detail"]
    result = run_cli("update", cwd=repo)
    assert result.code == 6 and "removed upstream" not in result.err


def test_a_deleted_plain_folder_is_unreachable(repo: Path, upstream: Upstream, tmp_path: Path, own_cache: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(upstream.path / "skills", plain)
    assert run_cli("add", str(plain / "csv-cleaning"), cwd=repo).code == 0
    shutil.rmtree(plain)
    code, found, _ = rows(repo)
    assert code == 6 and found["csv-cleaning"]["upstream"] == "unreachable"


def test_a_skill_removed_upstream_is_gone(repo: Path, upstream: Upstream, own_cache: Path) -> None:
    assert run_cli("add", f"{upstream.url}//skills/csv-cleaning", cwd=repo).code == 0
    shutil.rmtree(upstream.path / "skills" / "csv-cleaning")
    upstream.commit("drop csv-cleaning")
    code, found, _ = rows(repo)
    assert code == 0 and found["csv-cleaning"]["state"] == "upstream gone"
    assert "csv-cleaning: removed upstream" in run_cli("update", cwd=repo).err


def test_an_escaping_symlink_upstream_is_refused_not_removed(repo: Path, upstream: Upstream, own_cache: Path) -> None:
    assert run_cli("add", f"{upstream.url}//skills/pdf-forms", cwd=repo).code == 0
    os.symlink("../../../etc/passwd", upstream.path / "skills" / "pdf-forms" / "leak")
    upstream.commit("a link out")
    code, found, _ = rows(repo)
    assert found["pdf-forms"]["state"] == "upstream refused" and "points outside" in found["pdf-forms"]["detail"]
    result = run_cli("update", cwd=repo)
    assert "pdf-forms: refused" in result.err and "removed upstream" not in result.err
    assert not (repo / ".agents" / "skills" / "pdf-forms" / "leak").exists()


def cache_repository(cache: Path) -> Path:
    [repository] = list((cache / "repos").iterdir())
    return repository


def damage_head(repository: Path) -> None:
    (repository / "HEAD").write_text("garbage\n")


def damage_config(repository: Path) -> None:
    (repository / "config").write_text("[core\nbroken = \n")


def damage_objects(repository: Path) -> None:
    for path in (repository / "objects").rglob("*"):
        if path.is_file() and path.parent.name not in ("info", "pack"):
            path.chmod(0o644)
            path.write_bytes(b"")  # every loose object truncated
    for pack in (repository / "objects" / "pack").glob("*"):
        pack.chmod(0o644)
        pack.write_bytes(b"")


@pytest.mark.parametrize("damage", [damage_head, damage_config, damage_objects])
def test_a_damaged_cache_is_rebuilt_not_blamed_on_upstream(repo: Path, upstream: Upstream, own_cache: Path,
                                                           damage: object) -> None:
    assert run_cli("add", f"{upstream.url}//skills/csv-cleaning", cwd=repo).code == 0
    damage(cache_repository(own_cache))  # type: ignore[operator]
    code, found, err = rows(repo)
    assert code == 0 and found["csv-cleaning"]["state"] == "up to date", (err, found)
    assert "rebuilding" in err
    code, found, err = rows(repo)
    assert code == 0 and "rebuilding" not in err  # rebuilt once, sound since
    upstream.write("skills/csv-cleaning/SKILL.md", (upstream.path / "skills/csv-cleaning/SKILL.md").read_text() + "\nUp.\n")
    upstream.commit("csv")
    damage(cache_repository(own_cache))  # type: ignore[operator]
    assert run_cli("update", cwd=repo).code == 0
    assert "Up." in (repo / ".agents/skills/csv-cleaning/SKILL.md").read_text()
