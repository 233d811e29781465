"""A small OpenAI-compatible chat server on 127.0.0.1 that replays scripted replies, for offline model tests.

Each scripted reply is a dict: {"content": str} for a normal answer, {"status": int, "headers": {...}}
(optionally "message") for an error, or {"sleep": seconds} to stall past the client's timeout. Requests
are recorded. `responder(body)`, when set, answers instead of the script (for concurrent callers);
`latency` delays every answer; `chars_per_token`, when set, cuts a reply longer than the request's
`max_tokens` there (finish_reason "length"), as a provider does; `routes` maps other paths (`/props`, `/v1/models`, `/api/show`) to the
JSON they return, so servers' context-window metadata can be played too; other paths get 404.

The OpenAI files and batches endpoints are played too (`POST /files`, `POST /batches`,
`GET /batches/{id}`, `GET /files/{id}/content`): a batch's lines are answered like chat requests
(`responder` or the script) once it has been polled `batch_polls` times; `batch_lines` records them.
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
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_lines: list[dict[str, Any]] = []  # every request a batch carried
        self.batch_polls = 1  # retrievals a batch answers "in_progress" before it is "completed"
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:  # noqa: N802
                if "/batches/" in self.path or self.path.endswith("/content"):
                    self._batch_api()
                    return
                self._route()

            def do_POST(self) -> None:  # noqa: N802
                if self.path.endswith("/files") or self.path.endswith("/batches"):
                    self._batch_api()
                    return
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

            def _send_json(self, value: Any, status: int = 200) -> None:
                payload = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _batch_api(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                with outer._lock:
                    if self.path.endswith("/files"):  # multipart upload: the file part is the JSONL
                        from email.parser import BytesParser

                        message = BytesParser().parsebytes(
                            b"content-type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + raw)
                        data = next(part.get_payload(decode=True) for part in message.get_payload()
                                    if part.get_filename())
                        file_id = f"file-{len(outer.files) + 1}"
                        outer.files[file_id] = data
                        found: Any = {"id": file_id, "object": "file", "bytes": len(data), "created_at": 0,
                                      "filename": "batch.jsonl", "purpose": "batch", "status": "processed"}
                    elif self.path.endswith("/batches"):
                        body = json.loads(raw)
                        batch_id = f"batch-{len(outer.batches) + 1}"
                        outer.batches[batch_id] = found = {
                            "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                            "input_file_id": body["input_file_id"], "completion_window": "24h",
                            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": 0,
                            "polls": 0}
                    elif self.path.endswith("/content"):
                        file_id = self.path.rsplit("/", 2)[-2]
                        data = outer.files.get(file_id, b"")
                        self.send_response(200 if file_id in outer.files else 404)
                        self.send_header("content-type", "application/octet-stream")
                        self.send_header("content-length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                    else:
                        found = outer.batches.get(self.path.rsplit("/", 1)[-1])
                        if found is not None:
                            found["polls"] += 1
                            if found["polls"] > outer.batch_polls and found["status"] != "completed":
                                found["status"] = "completed"
                                found["output_file_id"] = outer._answer_batch(found["input_file_id"])
                            elif found["status"] != "completed":
                                found["status"] = "in_progress"
                self._send_json({k: v for k, v in found.items() if k != "polls"} if found else
                                {"error": {"message": "no such batch"}}, 200 if found else 404)

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

    def _answer_batch(self, input_file_id: str) -> str:
        """Answer each line of a batch's input as a chat request; the output file's id (call under the lock)."""
        out = []
        for line in self.files[input_file_id].decode().splitlines():
            request = json.loads(line)
            self.batch_lines.append(request["body"])
            reply = self.responder(request["body"]) if self.responder else (self.replies.pop(0) if self.replies else
                                                                              {"status": 500})
            if "status" in reply:
                response = {"status_code": reply["status"], "body": {"error": {"message": "scripted failure"}}}
            else:
                response = {"status_code": 200, "body": {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply["content"]},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}}
            out.append(json.dumps({"id": f"req-{len(out)}", "custom_id": request["custom_id"], "response": response}))
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = ("\n".join(out) + "\n").encode()
        return file_id

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
