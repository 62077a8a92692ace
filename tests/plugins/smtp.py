"""A real SMTP server on loopback for the mail tests (aiosmtpd).

Fixture ``smtp_server``: an aiosmtpd ``Controller`` on ``127.0.0.1`` and a free port, recording
what it receives. ``stop()`` and ``start()`` again on the same port simulate an outage and the
recovery; ``refuse()`` makes it answer ``451`` (try again later) until ``accept()``;
``settings_overrides()`` points the app at it::

    def test_something(make_app, smtp_server):
        app = make_app(**smtp_server.settings_overrides())
        ...
        (received,) = smtp_server.wait_for(1)
        assert received.message["Subject"] == "..."
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
TEMPORARY_FAILURE = "451 4.3.0 Mail server temporarily unavailable, try again later"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server got it: parsed, raw, and the envelope."""

    message: EmailMessage
    raw: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]


class _Recorder:
    """The aiosmtpd handler: keeps what arrives, or refuses it with a temporary failure."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.changed = threading.Condition()
        # 0: accept; n > 0: refuse the next n messages; -1: refuse until accept().
        self.refusals_left = 0
        self.refused = 0
        self.reply = TEMPORARY_FAILURE

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.changed:
            if self.refusals_left:
                if self.refusals_left > 0:
                    self.refusals_left -= 1
                self.refused += 1
                self.changed.notify_all()
                return self.reply
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        received = ReceivedMail(message, raw, envelope.mail_from, tuple(envelope.rcpt_tos))
        with self.changed:
            self.received.append(received)
            self.changed.notify_all()
        return "250 2.0.0 OK"


class _Controller(Controller):
    """Binds port 0 the first time (no race for a "free" port) and remembers the port."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """A running SMTP server on loopback and what it has received."""

    def __init__(self) -> None:
        self.handler = _Recorder()
        self.port = 0
        self._controller: _Controller | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start (again, on the same port after :meth:`stop`)."""
        if self._controller is not None:
            return
        # A new controller each time: a stopped one has closed its event loop.
        controller = _Controller(self.handler, hostname=HOST, port=self.port, ready_timeout=5)
        controller.start()
        self.port = controller.port
        self._controller = controller

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- behaviour ----------------------------------------------------------------------------
    def refuse(self, times: int | None = None, reply: str = TEMPORARY_FAILURE) -> None:
        """Answer ``reply`` (a 451 by default) to the next ``times`` messages, or to all until
        :meth:`accept`."""
        with self.handler.changed:
            self.handler.refusals_left = -1 if times is None else times
            self.handler.reply = reply

    def accept(self) -> None:
        with self.handler.changed:
            self.handler.refusals_left = 0

    @property
    def refused(self) -> int:
        """How many messages were refused so far."""
        with self.handler.changed:
            return self.handler.refused

    # -- what arrived -------------------------------------------------------------------------
    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.changed:
            return list(self.handler.received)

    def wait_for(self, count: int, timeout: float = 5) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages arrived; return all of them."""
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while len(self.handler.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} message(s) within {timeout}s, "
                        f"got {len(self.handler.received)}"
                    )
                self.handler.changed.wait(left)
            return list(self.handler.received)

    def settings_overrides(self) -> dict[str, str]:
        """Ini settings that send the app's mail here."""
        return {
            "itsm.mail.host": HOST,
            "itsm.mail.port": str(self.port),
            "itsm.mail.tls": "none",
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 and a free port, stopped after the test."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
