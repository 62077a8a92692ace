"""R9, the worker's side: the worker is restarted N times (20 in the bench) around an
incident's SLA warnings and breaches (each restart a new app on the same FileStorage, the old
worker gone without
releasing its lease, as after ``kill -9``); every job runs at each restart, mail goes to a real
SMTP server. Exactly one warning and one breach notice per target and recipient, and exactly
one escalation per alert: none missed, none doubled.

The clock properties themselves (10,000 examples with ``--hypothesis-profile=reliability``) are
in ``tests/unit/sla/``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.reliability.harness import copy_demo
from tests.reliability.torn_tail import api_client, close_app

TARGETS = ("response", "resolution")


def restart(directory: Path, smtp: Any) -> Any:
    """A new process, as far as the database is concerned: a new app, a new DB object."""
    from itsm import main
    from tests.reliability.harness import base_settings, file_uri

    settings = base_settings()
    settings.update(smtp.settings_overrides())
    settings["zodbconn.uri"] = file_uri(directory)
    return main({}, **settings)


def next_check(app: Any, number: str) -> datetime | None:
    from itsm.db import run_in_transaction

    check = run_in_transaction(
        app.registry, lambda root: root["incidents"][number].sla.next_check_at()
    )
    return None if check is None else datetime.fromtimestamp(check, UTC)


def restart_around_alerts(template: Path, directory: Path, smtp: Any, count: int = 20) -> int:
    """Restart the worker ``count`` times around the alerts of a P1 incident and check that
    each alert was announced, notified and escalated exactly once (assertions); the number of
    restarts."""
    from itsm.db import get_db, run_in_transaction
    from itsm.security.tokens import create_token
    from itsm.worker.scheduler import JobFailure, Worker

    directory = copy_demo(template, directory)
    app = restart(directory, smtp)
    token = run_in_transaction(app.registry, lambda root: create_token(root.tokens, "employee"))
    body = {"title": "Outlook is down for all", "impact": "high", "urgency": "high"}
    incident = api_client(app, token).post_json("/api/v1/incidents", body, status=201).json
    number, now = incident["number"], datetime.fromisoformat(incident["created"])
    assert incident["priority"] == 1

    restarts = 0
    moments: list[datetime] = []
    while restarts < count:
        check = next_check(app, number)
        if check is None:  # every alert announced: restart a few more times, later on
            around = [now + timedelta(hours=1)]
        elif count >= 12:  # just before the check time, at it, just after it
            around = [check - timedelta(seconds=1), check, check + timedelta(seconds=1)]
        else:  # fewer restarts: just before and just after
            around = [check - timedelta(seconds=1), check + timedelta(seconds=1)]
        for moment in around:
            moment = max(moment, now + timedelta(seconds=2))  # past the last worker's lease
            close_app(app)
            app = restart(directory, smtp)
            worker = Worker(
                app.registry, get_db(app.registry), lease_seconds=1, now=lambda m=moment: m
            )
            results = worker.run_all_once()
            assert results is not None, f"the lease of the killed worker held at {moment}"
            failures = {name: r for name, r in results.items() if isinstance(r, JobFailure)}
            assert failures == {}
            # No release_lease(): the next "process" finds the lease as kill -9 leaves it.
            now = moment
            moments.append(moment)
            restarts += 1
            if restarts == count:
                break

    # A last start a minute on delivers what the last restart's sweep queued (the delivery job
    # runs before the sweep in a turn); then the outbox is empty.
    close_app(app)
    app = restart(directory, smtp)
    last = now + timedelta(minutes=1)
    assert Worker(app.registry, get_db(app.registry), 1, lambda: last).run_all_once() is not None
    assert run_in_transaction(app.registry, lambda root: len(root.outbox.pending)) == 0

    def history(root: Any) -> list[tuple]:
        return [
            (r.note, r.action, r.field, r.at)
            for r in root["incidents"][number].history
            if r.note.startswith("SLA ")
        ]

    records = run_in_transaction(app.registry, history)
    close_app(app)
    # One escalation record per alert; a breach also fires the "escalate" transition once.
    escalations = Counter(note for note, action, *_ in records if action == "escalation")
    transitions = Counter(note for note, action, *_ in records if action == "transition")
    alerts = {f"SLA {target} {level}" for target in TARGETS for level in ("warning", "breach")}
    assert escalations == dict.fromkeys(alerts, 1), (records, moments)
    assert transitions == dict.fromkeys((f"SLA {t} breach" for t in TARGETS), 1), records

    # The notice of each alert once per recipient; the alert is told by its moment (Date), as
    # the response and the resolution notices share their subject.
    notices = Counter(
        (tuple(mail.rcpt_tos), str(mail.message["Subject"]).split("]")[1], mail.message["Date"])
        for mail in smtp.messages
        if number in str(mail.message["Subject"]) and "Deadline" in str(mail.message["Subject"])
    )
    assert set(notices.values()) == {1}, notices
    for level in (" Deadline approaching", " Deadline missed"):
        moments_of = {date for _to, subject, date in notices if subject.startswith(level)}
        assert len(moments_of) == len(TARGETS), (level, notices)
    ids = Counter(str(mail.message["Message-ID"]) for mail in smtp.messages)
    assert set(ids.values()) == {1}
    return restarts
