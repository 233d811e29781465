"""Fetching over real transports: an HTTP server on 127.0.0.1 that demands credentials, a port
nobody listens on, and the cache that keeps the user's repository untouched."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.sharing.fetch import (
    Entry,
    cache_root,
    open_upstream,
    skill_folders,
    within,
)
from tests.conftest import Upstream, run_cli


class _DemandsCredentials(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="skills"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def private_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DemandsCredentials)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/acme/skills.git"
    server.shutdown()


def test_authentication_failure_is_clear_and_changes_nothing(repo: Path, private_server: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # no credential helper from the machine running the tests
    result = run_cli("add", f"{private_server}//skills/pdf", cwd=repo)
    assert result.code == 6, result.err
    assert "authentication failed" in result.err and "nothing changed" in result.err
    assert not (repo / "skills.lock").exists() and not (repo / ".agents").exists()


def test_unreachable_host_is_clear(repo: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli("add", f"http://127.0.0.1:{port}/x.git", cwd=repo)
    assert result.code == 6 and "cannot be reached" in result.err


def test_a_missing_repository_says_what_git_found_not_its_advice(repo: Path, tmp_path: Path) -> None:
    result = run_cli("add", f"file://{tmp_path}/nowhere.git", cwd=repo)
    assert result.code == 6 and "no git repository there" in result.err
    assert "does not appear to be a git repository" in result.err and "repository exists." not in result.err


def test_fetch_resolves_refs_and_keeps_commits_in_the_cache(upstream: Upstream) -> None:
    source = open_upstream(upstream.url)
    first = source.fetch("")
    assert source.cache.is_relative_to(cache_root())
    files = source.files(first, "skills")
    assert skill_folders(files) == ["csv-cleaning", "pdf-forms"]
    assert within(files, "pdf-forms")["scripts/fill.sh"].mode == 0o100755
    upstream.write("skills/new-one/SKILL.md", "---\nname: new-one\n---\n")
    second = upstream.commit()
    assert source.fetch("main") == second != first
    source.ensure(first)  # still there
    with pytest.raises(GitSkillError) as caught:
        source.fetch("v9")
    assert caught.value.exit_code == 6 and "does not exist upstream" in caught.value.message


def test_skill_folders_are_the_outermost() -> None:
    entry = Entry(b"")
    assert skill_folders({"SKILL.md": entry, "inner/SKILL.md": entry}) == [""]
    assert skill_folders({"a/SKILL.md": entry, "a/b/SKILL.md": entry, "c/d/skill.md": entry}) == ["a", "c/d"]
