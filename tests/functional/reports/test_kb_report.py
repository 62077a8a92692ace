"""The knowledge base report: most viewed articles and deflection as issue 13 defines it
(searches and views that ended without the reader's ticket within 24 hours), with a
controlled clock."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from tests.conftest import logged_in
from tests.functional.reports.conftest import _ctx

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _record(app, login, kind, what, at, deflection=True):
    from itsm.kb.readership import record

    return app.write(
        lambda root: record(root, app.registry, login, kind, what, at, deflection=deflection)
    )


def _report_incident(app, login, at, title="VPN still fails"):
    from itsm.incidents.intake import create_incident

    def run(root):
        ctx = _ctx(root, app.registry, at, login)
        return create_incident(
            ctx, requester=login, title=title, impact="low", urgency="low"
        ).number

    return app.write(run)


def _decide(app, now):
    from itsm.kb.readership import deflection_job
    from itsm.worker.jobs import JobContext

    return deflection_job(JobContext(app.registry, app.db, now=lambda: now))


def _articles(app):
    return app.read(lambda root: sorted(root["kb"].keys()))


def _tables(api, **params):
    body = api.get("/api/v1/reports/kb", **{**MARCH, **params}).json
    return {table["name"]: table for table in body["tables"]}


def test_a_view_followed_by_a_ticket_is_no_deflection_and_the_others_are(reports_app, api_as):
    first, second = _articles(reports_app)[:2]
    # Monday 2 March: the employee reads, and reports an incident 2 hours later.
    _record(reports_app, "employee", "view", first, t(2, 10))
    _report_incident(reports_app, "employee", t(2, 12))
    # Tuesday: reads another article, and reports again only 30 hours later.
    _record(reports_app, "employee", "view", second, t(3, 10))
    _report_incident(reports_app, "employee", t(4, 16))
    # Tuesday: the manager searches and never reports anything.
    _record(reports_app, "manager", "search", "vpn windows", t(3, 11))

    # Before a day has passed nothing is decided: the events are listed as younger.
    days = {r["key"]: r for r in _tables(api_as("admin"))["deflection"]["rows"]}
    assert days["2026-03-02"]["undecided"] == 1 and days["2026-03-02"]["decided"] == 0
    assert days["2026-03-03"]["searches"] == 1 and days["2026-03-03"]["views"] == 1

    # Tuesday noon: only Monday's view is 24 hours old, and a ticket followed it.
    assert _decide(reports_app, t(3, 12)) == "1 search(es) and view(s) decided"
    days = {r["key"]: r for r in _tables(api_as("admin"))["deflection"]["rows"]}
    assert days["2026-03-02"] == {
        "key": "2026-03-02",
        "searches": 0,
        "views": 1,
        "decided": 1,
        "deflected": 0,
        "undecided": 0,
        "rate": 0.0,
    }
    assert days["2026-03-03"]["undecided"] == 2

    # Friday: the rest is decided. The 30-hour-late ticket does not undo the deflection.
    _decide(reports_app, t(6, 9))
    assert _decide(reports_app, t(6, 10)) is None  # nothing new
    tables = _tables(api_as("admin"))
    days = {r["key"]: r for r in tables["deflection"]["rows"]}
    assert days["2026-03-03"] == {
        "key": "2026-03-03",
        "searches": 1,
        "views": 1,
        "decided": 2,
        "deflected": 2,
        "undecided": 0,
        "rate": 1.0,
    }
    whole = tables["deflection_total"]["rows"][0]
    assert (whole["searches"], whole["views"], whole["decided"], whole["deflected"]) == (
        1,
        2,
        3,
        2,
    )
    assert abs(whole["rate"] - 2 / 3) < 1e-9


def test_a_ticket_just_before_the_view_does_not_count_against_it(reports_app, api_as):
    number = _articles(reports_app)[0]
    _report_incident(reports_app, "employee", t(10, 9))
    _record(reports_app, "employee", "view", number, t(10, 10))
    _decide(reports_app, t(12, 0))
    whole = _tables(api_as("admin"))["deflection_total"]["rows"][0]
    assert (whole["decided"], whole["deflected"]) == (1, 1)


def test_most_viewed_counts_a_repeat_within_30_minutes_once(reports_app, api_as):
    first, second = _articles(reports_app)[:2]
    assert _record(reports_app, "employee", "view", first, t(2, 10)) is True
    assert _record(reports_app, "employee", "view", first, t(2, 10, 20)) is False
    assert _record(reports_app, "employee", "view", first, t(2, 10, 51)) is True
    _record(reports_app, "manager", "view", first, t(2, 10, 5))
    _record(reports_app, "employee", "view", second, t(20, 10))
    # IT staff's reading counts as a view, not in deflection.
    _record(reports_app, "agent", "view", second, t(20, 11), deflection=False)
    tables = _tables(api_as("admin"))
    most = tables["most_viewed"]["rows"]
    assert [(r["number"], r["views"]) for r in most] == [(first, 3), (second, 2)]
    articles = {r["number"]: r for r in tables["kb"]["rows"]}
    assert articles[first]["views"] == 3
    assert tables["deflection_total"]["rows"][0]["views"] == 4
    # Only the days asked for.
    early = _tables(api_as("admin"), start="2026-03-01", end="2026-03-10")["most_viewed"]
    assert [(r["number"], r["views"]) for r in early["rows"]] == [(first, 3)]
    # The worker folds the days that are over into one record each: the same figures.
    _decide(reports_app, t(21, 12))
    folded = reports_app.read(lambda root: sorted(root.kb_readership.closed_views.keys()))
    assert folded == [date(2026, 3, 2).toordinal()]
    _record(reports_app, "employee2", "view", second, t(21, 13))
    _decide(reports_app, t(25, 12))
    assert reports_app.read(lambda root: len(root.kb_readership.views)) == 0
    again = _tables(api_as("admin"))["most_viewed"]["rows"]
    assert [(r["number"], r["views"]) for r in again] == [(first, 3), (second, 3)]


def test_the_kb_page_shows_most_viewed_and_deflection_with_exports(reports_app):
    number = _articles(reports_app)[0]
    _record(reports_app, "employee", "view", number, t(2, 10))
    _decide(reports_app, t(5, 0))
    client = logged_in(reports_app, "admin")
    page = client.get("/reports/kb", params=MARCH)
    assert len(page.html.select("table[data-report-table]")) == 4
    assert "Most viewed articles" in page.text
    assert "Searches and views that ended without a ticket, by day" in page.text
    assert page.html.select("svg.pygal-chart")
    exported = client.get("/reports/kb.csv", params={**MARCH, "table": "1"})
    rows = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert rows[0] == ["Number", "Title", "Views in the period"]
    assert rows[1][0] == number and rows[1][2] == "1"
    client.set_cookie("itsm_lang", "ru")
    russian = client.get("/reports/kb", params=MARCH)
    assert "Самые читаемые статьи" in russian.text


def test_old_events_are_forgotten_but_their_days_stay(reports_app, api_as):
    from itsm.kb.readership import KEEP_DAYS

    number = _articles(reports_app)[0]
    _record(reports_app, "employee", "view", number, t(2, 10))
    _decide(reports_app, t(2, 10) + timedelta(days=KEEP_DAYS + 1))
    assert reports_app.read(lambda root: len(root.kb_readership.events)) == 0
    whole = _tables(api_as("admin"))["deflection_total"]["rows"][0]
    assert (whole["views"], whole["deflected"]) == (1, 1)
