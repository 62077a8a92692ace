"""A stand-in for the Telegram Bot API on loopback, speaking its JSON.

Fixture ``telegram_api``: an HTTP server on ``127.0.0.1`` and a free port that serves
``getUpdates`` (updates the test pushes, from ``offset`` on, waiting up to ``timeout`` seconds
for one like the real long poll), records ``sendMessage``, answers ``getFile`` and serves the
file's bytes at ``/file/bot<token>/<path>``. A wrong token is a 401, as on the real API.
``settings_overrides(mode)`` points the app at it::

    def test_something(make_app, telegram_api):
        app = make_app(**telegram_api.settings_overrides("polling"))
        telegram_api.push_message(555, "hello")
        ...
        assert telegram_api.texts_to(555)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HOST = "127.0.0.1"
TOKEN = "123456:TEST-token"  # noqa: S105 - the stand-in's own token
SECRET = "webhook-secret-0123456789"  # noqa: S105


class BotApiStandIn:
    """What the stand-in serves and what it was sent."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.failing = False  # answer sendMessage with 502 while True
        self.changed = threading.Condition()
        self.next_update = 1
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{HOST}:{self.server.server_address[1]}"

    def settings_overrides(self, mode: str = "polling") -> dict[str, str]:
        return {
            "itsm.telegram.token": TOKEN,
            "itsm.telegram.mode": mode,
            "itsm.telegram.webhook_secret": SECRET,
            "itsm.telegram.api_url": self.url,
            "itsm.telegram.poll_timeout": "0",
        }

    def update(self, message: dict[str, Any]) -> dict[str, Any]:
        with self.changed:
            update = {"update_id": self.next_update, "message": message}
            self.next_update += 1
            self.updates.append(update)
            self.changed.notify_all()
        return update

    def message(self, user_id: int, text: str = "", **extra: Any) -> dict[str, Any]:
        """A private message from ``user_id`` as Telegram shapes it (not yet pushed)."""
        message: dict[str, Any] = {
            "message_id": self.next_update,
            "from": {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"},
            "chat": {"id": user_id, "type": "private"},
            "date": 0,
        }
        if text:
            message["text"] = text
        message.update(extra)
        return message

    def push_message(self, user_id: int, text: str = "", **extra: Any) -> dict[str, Any]:
        return self.update(self.message(user_id, text, **extra))

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        self.files[file_id] = (path, data)

    def texts_to(self, chat_id: int) -> list[str]:
        with self.changed:
            return [m["text"] for m in self.sent if int(m["chat_id"]) == chat_id]

    # -- the server side ----------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            timeout = float(params.get("timeout") or 0)
            with self.changed:
                found = [u for u in self.updates if u["update_id"] >= offset]
                if not found and timeout:
                    self.changed.wait(timeout)
                    found = [u for u in self.updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": found}
        if method == "sendMessage":
            if self.failing:
                return 502, {"ok": False, "description": "Bad Gateway"}
            with self.changed:
                self.sent.append({"chat_id": params["chat_id"], "text": params["text"]})
                self.changed.notify_all()
            return 200, {"ok": True, "result": {"message_id": len(self.sent)}}
        if method == "getFile":
            found = self.files.get(params.get("file_id", ""))
            if found is None:
                return 400, {"ok": False, "description": "Bad Request: invalid file_id"}
            path, data = found
            result = {"file_id": params["file_id"], "file_size": len(data), "file_path": path}
            return 200, {"ok": True, "result": result}
        return 404, {"ok": False, "description": "Not Found"}


def _handler(api: BotApiStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            prefix = f"/bot{TOKEN}/"
            if not self.path.startswith(prefix):
                self._json(401, {"ok": False, "description": "Unauthorized"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            params = json.loads(self.rfile.read(length) or b"{}")
            self._json(*api.answer(self.path[len(prefix) :], params))

        def do_GET(self) -> None:  # noqa: N802
            prefix = f"/file/bot{TOKEN}/"
            found = [d for p, d in api.files.values() if self.path == prefix + p]
            if not found:
                self._json(404, {"ok": False, "description": "Not Found"})
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(found[0])))
            self.end_headers()
            self.wfile.write(found[0])

    return Handler


@pytest.fixture
def telegram_api() -> Iterator[BotApiStandIn]:
    api = BotApiStandIn()
    server = ThreadingHTTPServer((HOST, 0), _handler(api))
    server.daemon_threads = True
    api.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api
    with api.changed:
        api.changed.notify_all()
    server.shutdown()
    server.server_close()
