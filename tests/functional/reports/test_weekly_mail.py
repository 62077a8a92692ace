"""The weekly dashboard mail: Monday 08:00 in the reports' zone, once, with the CSV attached."""

from __future__ import annotations

from datetime import UTC, datetime

from itsm.notify.delivery import deliver_outbox
from itsm.reports.jobs import weekly_mail_job
from itsm.worker.jobs import JobContext
from tests.conftest import csrf_of, logged_in
from tests.functional.reports.conftest import build_desk


def at(app, moment):
    return JobContext(app.registry, app.db, now=lambda: moment)


def test_a_lead_subscribes_and_gets_the_dashboard_on_monday_at_8(make_app, smtp_server):
    app = make_app(**smtp_server.settings_overrides(), **{"itsm.reports.max_age_minutes": "0"})
    build_desk(app)
    client = logged_in(app, "agent")
    page = client.get("/reports/lead")
    form = page.forms["report-subscribe"]
    assert "Mail me this dashboard every Monday" in page.text
    done = form.submit().follow()
    assert "Stop the weekly mail" in done.text
    assert csrf_of(done)

    # Monday 16 March 2026: 07:59 in Moscow is too early, 08:00 sends, later turns do not.
    assert weekly_mail_job(at(app, datetime(2026, 3, 16, 4, 59, tzinfo=UTC))) is None
    sent = weekly_mail_job(at(app, datetime(2026, 3, 16, 5, 0, tzinfo=UTC)))
    assert sent == "1 weekly report(s) queued"
    assert weekly_mail_job(at(app, datetime(2026, 3, 16, 9, 0, tzinfo=UTC))) is None
    deliver_outbox(at(app, datetime(2026, 3, 16, 5, 1, tzinfo=UTC)))

    smtp_server.wait_for(1)
    (message,) = [
        m.message for m in smtp_server.messages if m.message["Subject"].startswith("Weekly")
    ]
    assert message["Subject"] == "Weekly report: My team's queues"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",)).get_content()
    assert "Open backlog by group and age" in body
    assert "Mar 9, 2026" in body and "Mar 15, 2026" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "lead-2026-03-09.csv"
    assert attachment.get_content_type() == "text/csv"
    data = attachment.get_payload(decode=True)
    assert data.startswith(b"\xef\xbb\xbf") and b"Group,Open" in data


def test_unsubscribing_stops_the_mail(make_app, smtp_server):
    app = make_app(**smtp_server.settings_overrides())
    client = logged_in(app, "agent")
    client.get("/reports/lead").forms["report-subscribe"].submit().follow()
    page = client.get("/reports/lead")
    page.forms["report-subscribe"].submit().follow()
    assert weekly_mail_job(at(app, datetime(2026, 3, 16, 5, 0, tzinfo=UTC))) is None


def test_only_leads_and_heads_may_subscribe(make_app):
    app = make_app()
    client = logged_in(app, "agent")
    token = csrf_of(client.get("/reports/lead"))
    client.post(
        "/reports/subscriptions",
        {"csrf_token": token, "dashboard": "head", "subscribe": "on"},
        status=403,
    )


def test_subscribing_without_the_csrf_token_is_refused(make_app):
    app = make_app()
    client = logged_in(app, "agent")
    client.post("/reports/subscriptions", {"dashboard": "lead", "subscribe": "on"}, status=400)
    page = client.get("/reports/lead")
    assert "Mail me this dashboard every Monday" in page.text
