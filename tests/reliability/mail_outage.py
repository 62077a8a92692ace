"""R6: the mail server is down while changes queue mail, and some changes are rolled back.
When it returns, each queued mail is delivered exactly once (by Message-ID) and the rolled-back
changes send nothing.

The changes are real: journal replies through the API (each mails the requester); the rolled
back ones call the same domain function in a transaction that is then aborted, as a request
that fails after the reply was written is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import transaction
import webtest

#: The body of a reply whose transaction is rolled back: no mail may ever carry it.
ROLLED_BACK = "ROLLED-BACK-REPLY"


@dataclass
class Queued:
    message_ids: set[str] = field(default_factory=set)
    changes: int = 0
    rolled_back: int = 0


def api_client(app: Any, login: str) -> webtest.TestApp:
    from itsm.db import run_in_transaction
    from itsm.security.tokens import create_token

    token = run_in_transaction(app.registry, lambda root: create_token(root.tokens, login, "r6"))
    return webtest.TestApp(
        app,
        extra_environ={
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
        },
    )


def outbox_ids(db: Any) -> set[str]:
    from itsm.db import run_in_transaction

    return run_in_transaction(db, lambda root: {m.message_id for m in root.outbox if not m.failed})


def queue_changes(app: Any, db: Any, changes: int = 200, rollbacks: int = 20) -> Queued:
    """``changes`` journal replies through the API over 10 incidents, ``rollbacks`` replies in
    aborted transactions; the Message-IDs of everything the outbox holds afterwards."""
    from itsm.db import ZODB_ROOT_KEY
    from itsm.incidents.actions import add_entry
    from itsm.tickets.context import ActionContext

    employee, agent = api_client(app, "employee"), api_client(app, "agent")
    numbers = []
    for n in range(10):
        body = {"title": f"R6 ticket {n}", "description": "", "impact": "low", "urgency": "low"}
        numbers.append(employee.post_json("/api/v1/incidents", body, status=201).json["number"])
    queued = Queued()
    for n in range(changes):
        number = numbers[n % len(numbers)]
        agent.post_json(
            f"/api/v1/incidents/{number}/journal",
            {"kind": "reply", "body": f"Reply {n}"},
            status=201,
        )
        queued.changes += 1
    before = outbox_ids(db)
    for n in range(rollbacks):
        tm = transaction.TransactionManager(explicit=True)
        conn = db.open(transaction_manager=tm)
        try:
            tm.begin()
            root = conn.root()[ZODB_ROOT_KEY]
            ctx = ActionContext(
                root, app.registry, datetime.now(UTC), "agent", frozenset({"agent", "employee"})
            )
            incident = root["incidents"][numbers[n % len(numbers)]]
            add_entry(ctx, incident, "reply", f"{ROLLED_BACK} {n}")
            assert len(root.outbox.pending) > len(before)  # the reply did queue a mail...
            tm.abort()  # ...and the change is rolled back
            queued.rolled_back += 1
        finally:
            conn.close()
    queued.message_ids = outbox_ids(db)
    assert queued.message_ids == before, "a rolled-back change left mail in the outbox"
    return queued


@dataclass
class Delivered:
    missing: set[str]
    duplicates: dict[str, int]
    unexpected: set[str]
    from_rollbacks: int


def check_received(queued: Queued, received: list[Any]) -> Delivered:
    counts = Counter(str(mail.message["Message-ID"]) for mail in received)
    return Delivered(
        missing=queued.message_ids - set(counts),
        duplicates={mid: n for mid, n in counts.items() if n > 1},
        unexpected=set(counts) - queued.message_ids,
        from_rollbacks=sum(1 for mail in received if ROLLED_BACK in text_of(mail.message)),
    )


def text_of(message: Any) -> str:
    """The decoded text of every text part of ``message``."""
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )
