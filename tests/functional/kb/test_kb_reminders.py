"""Owners are reminded by mail, once per review date, of articles due for review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from itsm.kb.jobs import review_reminder_job
from itsm.worker.jobs import JobContext
from tests.conftest import logged_in


def _reminders(app):
    def read(root):
        return sorted(
            (m.to[0], m.subject)
            for m in root.outbox.pending.values()
            if "review" in m.subject.lower()
        )

    return app.read(read)


def test_review_reminder_job_mails_each_overdue_article_once(app, api, write_article):
    agent = api("agent")
    today = datetime.now(UTC).date()
    overdue = write_article("Old guide", "x", review_date=(today - timedelta(days=2)).isoformat())
    also = write_article(
        "Old draft", "x", publish=False, review_date=(today - timedelta(days=1)).isoformat()
    )
    write_article("Fresh guide", "x", review_date=(today + timedelta(days=30)).isoformat())
    retired = write_article("Retired", "x", review_date=(today - timedelta(days=5)).isoformat())
    agent.post(f"/api/v1/kb/{retired['number']}/transitions", {"name": "retire"}, status=200)

    ctx = JobContext(app.registry, app.db)
    assert review_reminder_job(ctx) == "reminded 2"
    mails = _reminders(app)
    assert len(mails) == 2
    assert all(to == "agent@example.com" for to, _subject in mails)
    subjects = " ".join(subject for _to, subject in mails)
    assert overdue["number"] in subjects and also["number"] in subjects
    # The next runs send nothing more for the same review dates.
    assert review_reminder_job(ctx) is None
    assert len(_reminders(app)) == 2
    # A new review date that passes again is reminded again, once.
    agent.patch(
        f"/api/v1/kb/{overdue['number']}",
        {"review_date": (today - timedelta(days=1)).isoformat()},
        status=200,
    )
    later = JobContext(app.registry, app.db, now=lambda: datetime.now(UTC) + timedelta(hours=1))
    assert review_reminder_job(later) == "reminded 1"
    assert len(_reminders(app)) == 3


def test_owner_sees_the_overdue_list_on_the_kb_page(app, write_article):
    write_article("Needs review", "x", review_date=date(2020, 1, 1).isoformat())
    page = logged_in(app, "agent").get("/kb/")
    assert 'id="kb-overdue"' in page.text and "Needs review" in page.text
    assert 'id="kb-overdue"' not in logged_in(app, "employee").get("/kb/").text


def test_the_reminder_job_is_registered(app):
    assert "kb_review_reminders" in app.registry.itsm_jobs
