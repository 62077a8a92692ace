"""R6 in the suite: 60 replies queue mail while the SMTP server is down for 10 minutes of a
fast clock (the worker's delivery turn every 15 s), 6 replies are rolled back; after the
server returns every mail arrives once and soon, the rollbacks send nothing
(``bench/reliability/r6_smtp_outage.py`` runs it with the real worker and a real 10 minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.reliability.mail_outage import check_received, outbox_ids, queue_changes

TURN = timedelta(seconds=15)  # itsm.notify registers deliver_outbox every 15 s


def turn(app: Any, moment: datetime) -> str | None:
    """One turn of the worker's delivery job at ``moment``."""
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    return deliver_outbox(JobContext(app.registry, app.db, now=lambda: moment))


def test_mail_queued_during_an_smtp_outage_arrives_once_and_rollbacks_send_nothing(
    make_app: Any, smtp_server: Any
) -> None:
    app = make_app(**smtp_server.settings_overrides())
    smtp_server.stop()
    queued = queue_changes(app.wsgi, app.db, changes=60, rollbacks=6)
    assert len(queued.message_ids) >= 60

    now = datetime.now(UTC)
    outage_ends = now + timedelta(minutes=10)
    while now < outage_ends:
        summary = turn(app, now)
        assert summary is None or summary.startswith("mail server unavailable"), summary
        now += TURN
    assert outbox_ids(app.db) == queued.message_ids  # nothing lost, nothing given up
    assert smtp_server.messages == []

    smtp_server.start()
    while outbox_ids(app.db) and now < outage_ends + timedelta(hours=3):
        turn(app, now)
        now += TURN
    waited = now - outage_ends
    received = smtp_server.wait_for(len(queued.message_ids))
    for _turn in range(4):  # more turns send nothing again
        now += TURN
        assert turn(app, now) is None
    outcome = check_received(queued, smtp_server.messages)
    assert outcome.missing == set()
    assert outcome.duplicates == {}
    assert outcome.unexpected == set()
    assert outcome.from_rollbacks == 0
    assert len(received) == len(queued.message_ids)
    # Mail goes out within a couple of turns of the server's return, not after the backoff.
    assert waited <= timedelta(seconds=90), waited
