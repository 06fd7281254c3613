"""A push/webhook receiver on 127.0.0.1 that accepts what Apprise posts for json:// and ntfy://
(ntfy: POST / with {"topic", "title", "message"}; JSON webhook: POST <path> with
{"version", "title", "message", "type"}). Tests read `calls` and inject failures with fail_next()."""
from __future__ import annotations

from flask import Flask, jsonify, request

from tests.fakes.server import FakeService


class FakePush(FakeService):
    name = "push"

    def routes(self, app: Flask) -> None:
        @app.post("/", defaults={"path": ""})
        @app.post("/<path:path>")
        def receive(path):
            body = request.get_json(silent=True) or {}
            return jsonify(id="msg1", event="message", topic=body.get("topic", path))
