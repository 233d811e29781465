"""A small OpenAI-compatible chat server on 127.0.0.1 that replays scripted replies, for offline model tests.

Each scripted reply is a dict: {"content": str} for a normal answer, {"status": int, "headers": {...}}
(optionally "message") for an error, or {"sleep": seconds} to stall past the client's timeout. Requests
are recorded. `responder(body)`, when set, answers instead of the script (for concurrent callers);
`latency` delays every answer; `chars_per_token`, when set, cuts a reply longer than the request's
`max_tokens` there (finish_reason "length"), as a provider does; `routes` maps other paths (`/props`, `/v1/models`, `/api/show`) to the
JSON they return, so servers' context-window metadata can be played too; other paths get 404.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class FakeLLM:
    def __init__(self) -> None:
        self.replies: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[str, Any] = {}
        self.responder: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.latency = 0.0
        self.chars_per_token: float | None = None
        self.first_request_at: float | None = None
        self.last_reply_at: float | None = None
        self.in_flight = 0
        self.max_in_flight = 0  # the most chat requests answered at once
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:  # noqa: N802
                self._route()

            def do_POST(self) -> None:  # noqa: N802
                if not self.path.endswith("/chat/completions"):
                    self._route()
                    return
                with outer._lock:
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)
                finally:
                    with outer._lock:
                        outer.in_flight -= 1

            def _route(self) -> None:
                found = outer.routes.get(self.path)
                payload = json.dumps(found if found is not None else {"error": "not found"}).encode()
                self.send_response(200 if found is not None else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with outer._lock:
                    outer.requests.append(body)
                    if outer.first_request_at is None:
                        outer.first_request_at = time.monotonic()
                    if outer.responder is None:
                        reply = outer.replies.pop(0) if outer.replies else {"status": 500}
                if outer.responder is not None:
                    reply = outer.responder(body)
                if outer.latency:
                    time.sleep(outer.latency)
                if "sleep" in reply:
                    time.sleep(reply["sleep"])
                    reply = {"content": "{}"}
                if "status" in reply:
                    self.send_response(reply["status"])
                    for key, value in (reply.get("headers") or {}).items():
                        self.send_header(key, value)
                    payload = json.dumps({"error": {"message": reply.get("message", "scripted failure"),
                                                    "type": "server_error"}}).encode()
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                content, finish = reply["content"], reply.get("finish_reason", "stop")
                room = body.get("max_tokens")
                if outer.chars_per_token and room and len(content) > room * outer.chars_per_token:
                    content, finish = content[:int(room * outer.chars_per_token)], "length"
                payload = json.dumps({
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": finish}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                }).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                with outer._lock:
                    outer.last_reply_at = time.monotonic()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
