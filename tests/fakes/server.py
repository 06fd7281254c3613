"""Run a small Flask app as a real HTTP server on 127.0.0.1 in a thread, recording every request.

Fakes subclass `FakeService`, build routes in `routes(app)`, and keep state on `self`. Tests read
`fake.calls` (method, path, query, headers, json/body) and can inject failures with `fail_next()`.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, Response, request
from werkzeug.serving import make_server


@dataclass
class Call:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    at: float = field(default_factory=time.time)
    raw_query: str = ""             # the query string as sent, before decoding

    @property
    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


class FakeService:
    name = "fake"

    def __init__(self):
        self.app = Flask(f"fake-{self.name}")
        self.calls: list[Call] = []
        self._failures: list[tuple[str | None, int, object, float]] = []
        self._lock = threading.Lock()
        self.delay = 0.0
        self.app.before_request(self._record)
        self.routes(self.app)
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeService:
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = self._server.server_port
        # A short poll so stop() returns at once: werkzeug's default (0.5 s) made the suite spend a
        # large part of its time waiting for fakes to shut down.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- recording and failure injection ----------------------------------------------------
    def _record(self):
        with self._lock:
            self.calls.append(Call(request.method, request.path, request.args.to_dict(flat=True),
                                   dict(request.headers), request.get_data(),
                                   raw_query=request.query_string.decode("latin-1")))
            match = None
            for i, (path, status, body, delay) in enumerate(self._failures):
                if path is None or request.path.startswith(path):
                    match = self._failures.pop(i)
                    break
        if self.delay:
            time.sleep(self.delay)
        if match is not None:
            _, status, body, delay = match
            if delay:
                time.sleep(delay)
            if status == 0:
                return None
            if isinstance(body, (dict, list)):
                return Response(json.dumps(body), status=status, mimetype="application/json")
            return Response(body or "", status=status)
        return None

    def fail_next(self, status: int, body=None, path: str | None = None, times: int = 1, delay: float = 0.0):
        """The next `times` requests (to `path` prefix, if given) answer `status` with `body`.
        status 0 with a delay only slows them down."""
        with self._lock:
            for _ in range(times):
                self._failures.append((path, status, body, delay))

    def calls_to(self, path_prefix: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(path_prefix) and (method is None or c.method == method)]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def routes(self, app: Flask) -> None:  # pragma: no cover - overridden
        raise NotImplementedError
