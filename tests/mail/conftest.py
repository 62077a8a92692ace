"""Mail tests: the app sends to a real SMTP server on loopback (``smtp_server``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import demo_person

#: The time of the tests' changes; delivery turns are moved relative to it.
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app: Callable[..., Any], smtp_server: Any) -> Any:
    """The demo app, its mail going to ``smtp_server``."""
    return make_app(**smtp_server.settings_overrides())


@pytest.fixture
def ticket() -> Any:
    """What a notification reads of a ticket (number, title, status, kind)."""
    return SimpleNamespace(
        kind="incident", number="INC-000123", title="Printer is broken", status="new"
    )


@pytest.fixture
def person(app: Any) -> Callable[..., str]:
    """``person(login, **preferences)``: the record of a demo account, made the way logging
    in makes it, with the preferences the profile page saves; returns the mail address."""
    return functools.partial(demo_person, app)


@pytest.fixture
def notify(app: Any, ticket: Any) -> Callable[..., list[Any]]:
    """``notify(recipients, **options)``: queue_notification in a committed transaction;
    returns (key, Message-ID) of each queued mail."""
    from itsm.notify.notifications import queue_notification

    def queue(recipients: list[Any], **options: Any) -> list[Any]:
        options.setdefault("template", "ticket_event")
        options.setdefault("ticket", ticket)
        options.setdefault("now", NOW)
        options.setdefault("event", "received")

        def write(root: Any) -> list[Any]:
            mails = queue_notification(root, app.registry, recipients=recipients, **options)
            return [(mail.key, mail.message_id) for mail in mails]

        return app.write(write)

    return queue


@pytest.fixture
def deliver(app: Any) -> Callable[[datetime], Any]:
    """``deliver(now)``: one turn of the worker's delivery job at time ``now``."""
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    def turn(now: datetime = NOW) -> Any:
        return deliver_outbox(JobContext(app.registry, app.db, now=lambda: now))

    return turn
