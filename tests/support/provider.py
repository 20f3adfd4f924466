"""A loopback SMS/WhatsApp provider for tests: speaks the generic webhook contract and the
Fonnte-like form API, deduplicates on the Idempotency-Key header, records what it accepted,
and fails on purpose when told to (timeout, 5xx, 4xx) for the next N requests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.support.infra import free_port


@dataclass
class Accepted:
    key: str
    to: str
    text: str
    channel: str | None
    signature: str | None


@dataclass
class LoopbackProvider:
    port: int = field(default_factory=free_port)
    accepted: list[Accepted] = field(default_factory=list)
    requests: int = 0
    failures: list[str] = field(default_factory=list)  # "timeout", "500", "400", ... per request
    timeout_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self.failures.extend(modes)

    def to(self, number: str) -> list[Accepted]:
        with self.lock:
            return [a for a in self.accepted if a.to == number]

    def start(self) -> LoopbackProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with provider.lock:
                    provider.requests += 1
                    mode = provider.failures.pop(0) if provider.failures else None
                if mode == "timeout":
                    time.sleep(provider.timeout_seconds)
                    return self._answer(504, {})
                if mode:
                    return self._answer(int(mode), {"error": "deliberate failure"})
                key = self.headers.get("Idempotency-Key") or ""
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw)
                    item = Accepted(key, body["to"], body["text"], body["channel"],
                                    self.headers.get("X-Silasidakep-Signature"))
                else:
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    item = Accepted(key, form["target"], form["message"], None,
                                    self.headers.get("Authorization"))
                with provider.lock:
                    if not any(a.key == key for a in provider.accepted):
                        provider.accepted.append(item)
                self._answer(200, {"status": True, "id": [f"prov-{key}"]})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
