"""The per-machine copies of plain-folder skills that give `update` a base to merge against."""

from __future__ import annotations

import shutil
from pathlib import Path

import pygit2
import pytest

from git_skill.sharing.fetch import EXECUTABLE, LINK, Entry, cache_root
from git_skill.sharing.library import Snapshot, base_files, content_digest
from git_skill.sharing.lockfile import LockEntry
from git_skill.sharing.snapshots import STORE, recall, remember

SKILL = {
    "SKILL.md": Entry(b"---\nname: notes\ndescription: Take notes.\n---\n# Notes\n"),
    "scripts/run.sh": Entry(b"#!/bin/sh\necho run\n", EXECUTABLE),
    "scripts/deep/data.bin": Entry(b"\x00\x01\x02"),
    "latest.sh": Entry(b"scripts/run.sh", LINK),
}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an empty cache, whatever ran before it."""
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", str(tmp_path / "cache"))


def entry(digest: str) -> LockEntry:
    return LockEntry(".agents/skills/notes", "/elsewhere/notes", "", "", "", digest)


def test_a_remembered_folder_comes_back_whole() -> None:
    digest = content_digest(SKILL)
    assert recall(digest) is None
    remember(SKILL, digest)
    assert recall(digest) == SKILL
    remember(SKILL, digest)  # idempotent
    assert recall(digest) == SKILL
    assert base_files(entry(digest), Snapshot({}, "")) == SKILL


def test_unknown_or_malformed_digests_have_no_copy() -> None:
    remember(SKILL, content_digest(SKILL))
    assert recall("sha256:" + "0" * 64) is None
    for odd in ("", "sha256:../../HEAD", "md5:abc", "sha256:" + "A" * 64):
        remember(SKILL, odd)
        assert recall(odd) is None
    assert base_files(entry("sha256:" + "0" * 64), Snapshot({}, "")) is None


def test_a_copy_that_does_not_match_its_digest_is_not_a_base() -> None:
    digest = content_digest(SKILL)
    remember(SKILL, digest)
    repo = pygit2.Repository(str(cache_root() / STORE))
    other = {"SKILL.md": Entry(b"tampered\n")}
    other_digest = content_digest(other)
    remember(other, other_digest)
    ref = f"refs/folders/sha256-{digest[7:]}"
    repo.references[ref].set_target(repo.references[f"refs/folders/sha256-{other_digest[7:]}"].target)
    assert recall(digest) == other
    assert base_files(entry(digest), Snapshot({}, "")) is None


def test_a_cache_that_cannot_be_written_costs_only_the_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache should be")
    monkeypatch.setenv("GIT_SKILL_CACHE_DIR", str(blocker))
    remember(SKILL, content_digest(SKILL))
    assert recall(content_digest(SKILL)) is None


def test_a_cleared_cache_has_no_copy() -> None:
    digest = content_digest(SKILL)
    remember(SKILL, digest)
    shutil.rmtree(cache_root() / STORE)
    assert recall(digest) is None
