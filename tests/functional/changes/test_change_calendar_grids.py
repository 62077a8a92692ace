"""The month and week views of the change calendar: changes on their days and hours, blackout
windows shaded, filters kept across navigation, and the tabs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.conftest import logged_in
from tests.functional.changes.conftest import (
    HIGH_RISK,
    at,
    change_body,
    ci_number,
    fire,
    raise_change,
)

CELL_RE = r'<td class="([^"]*)" data-{attr}="{key}">(.*?)</td>'


def cell(page: Any, key: str, attr: str = "day") -> tuple[str, str]:
    """The classes and the content of the month cell of ``key`` (a date) or the week cell of
    ``key`` (``YYYY-MM-DDTHH``)."""
    match = re.search(CELL_RE.format(attr=attr, key=re.escape(key)), page.text, re.S)
    assert match, f"no cell {key}"
    return match.group(1), match.group(2)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_month_view_shows_each_change_on_its_days(app: Any, api: Any) -> None:
    agent = api("agent")
    server, vpn = ci_number(app, "mail01"), ci_number(app, "VPN")
    first = raise_change(agent, change_body([server], at(5, hour=10), type_="standard"))
    # Two days long: on both days.
    long = raise_change(agent, change_body([vpn], at(6, hour=20), 26, type_="standard"))
    waiting = raise_change(agent, change_body([server], at(5, hour=20)))  # not approved yet
    client = logged_in(app, "agent")
    page = client.get("/changes/month", params={"date": _month(at(5).date())})
    assert '<table class="table table-bordered itsm-cal itsm-cal-month"' in page.text
    assert page.text.count('<th scope="col">') == 7
    _classes, first_day = cell(page, at(5).date().isoformat())
    assert first["number"] in first_day and "itsm-risk-low" in first_day
    assert f'href="http://localhost/changes/{first["number"]}/"' in first_day
    assert long["number"] not in first_day
    for days in (6, 7):
        _classes, content = cell(page, at(days).date().isoformat())
        assert long["number"] in content
    _classes, after = cell(page, at(8).date().isoformat())
    assert long["number"] not in after
    assert waiting["number"] not in page.text


def test_week_view_shows_changes_in_their_hours(app: Any, api: Any) -> None:
    agent = api("agent")
    start = at(5, hour=9)
    change = raise_change(
        agent, change_body([ci_number(app, "mail01")], start, 2, type_="standard")
    )
    page = logged_in(app, "agent").get("/changes/week", params={"date": start.date().isoformat()})
    assert page.text.count('<th scope="row">') == 24
    day = start.date().isoformat()
    for hour in (9, 10):
        _classes, content = cell(page, f"{day}T{hour:02d}", "hour")
        assert change["number"] in content
    for hour in (8, 11):
        _classes, content = cell(page, f"{day}T{hour:02d}", "hour")
        assert change["number"] not in content
    monday = start.date() - timedelta(days=start.weekday())
    assert f"{monday.isoformat()}" in page.text


def test_blackout_windows_are_shaded(app: Any, api: Any) -> None:
    start = datetime.combine(at(12).date(), datetime.min.time(), UTC)
    api("admin").client.put_json(
        "/api/v1/changes/blackouts",
        {
            "windows": [
                {
                    "name": "Audit freeze",
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=12)).isoformat(),
                }
            ]
        },
        headers=api("admin").headers,
    )
    client = logged_in(app, "agent")
    month = client.get("/changes/month", params={"date": _month(start.date())})
    classes, content = cell(month, start.date().isoformat())
    assert "itsm-cal-blackout" in classes and "Audit freeze" in content
    classes, _content = cell(month, (start.date() + timedelta(days=1)).isoformat())
    assert "itsm-cal-blackout" not in classes
    week = client.get("/changes/week", params={"date": start.date().isoformat()})
    day = start.date().isoformat()
    assert "itsm-cal-blackout" in cell(week, f"{day}T11", "hour")[0]
    assert "itsm-cal-blackout" not in cell(week, f"{day}T12", "hour")[0]


def test_filters_apply_and_are_kept_across_navigation(app: Any, api: Any) -> None:
    agent = api("agent")
    server, vpn = ci_number(app, "mail01"), ci_number(app, "VPN")
    low = raise_change(agent, change_body([server], at(4), type_="standard"))
    high = raise_change(agent, change_body([vpn], at(4, hour=10), answers=HIGH_RISK))
    # Approve the high-risk one (manager, then the board) so it is on the calendar.
    for _step in range(2):
        steps = agent.get(f"/api/v1/changes/{high['number']}").json["approval"]["steps"]
        pending = next(s for s in steps if s["status"] == "pending")
        api("manager").decide(pending["id"], "approve")
    assert agent.get(f"/api/v1/changes/{high['number']}").json["status"] == "scheduled"
    client = logged_in(app, "agent")
    month = _month(at(4).date())
    page = client.get("/changes/month", params={"date": month, "risk": "high"})
    assert high["number"] in page.text and low["number"] not in page.text
    assert "itsm-risk-high" in page.text
    for link in ("cal-prev", "cal-next", "cal-today", "tab-week", "tab-calendar"):
        href = re.search(rf'id="{link}" href="([^"]+)"', page.text)
        if href is None:
            href = re.search(rf'href="([^"]+)"[^>]*id="{link}"', page.text)
        assert href and "risk=high" in href.group(1).replace("&amp;", "&"), link
    page = client.get("/changes/month", params={"date": month, "ci": server})
    assert low["number"] in page.text and high["number"] not in page.text
    assert 'value="' + server + '"' in page.text
    page = client.get("/changes/week", params={"date": at(4).date().isoformat(), "ci": vpn})
    assert high["number"] in page.text and low["number"] not in page.text
    listing = client.get("/changes/calendar", params={"ci": vpn})
    assert high["number"] in listing.text and low["number"] not in listing.text


def test_navigation_moves_by_month_and_week(app: Any) -> None:
    client = logged_in(app, "agent")
    page = client.get("/changes/month", params={"date": "2027-01"})
    assert "date=2026-12" in page.text and "date=2027-02" in page.text
    assert 'id="tab-month"' in page.text and 'aria-current="page"' in page.text
    today = datetime.now(UTC).date()
    current = client.get("/changes/month")
    _classes, _content = cell(current, today.isoformat())
    assert "itsm-cal-today" in cell(current, today.isoformat())[0]
    week = client.get("/changes/week", params={"date": "2027-01-06"})  # a Wednesday
    assert "2027-01-04" in week.text and "2027-01-10" in week.text
    assert "date=2026-12-28" in week.text and "date=2027-01-11" in week.text


def test_bad_dates_show_the_current_period_with_a_notice(app: Any) -> None:
    client = logged_in(app, "agent")
    page = client.get("/changes/month", params={"date": "2026-13"}, status=200)
    assert 'id="calendar-notice"' in page.text and "is not a month" in page.text
    page = client.get("/changes/week", params={"date": "9999-12-31"}, status=200)
    assert 'id="calendar-notice"' in page.text


def test_overrunning_change_is_flagged_in_the_calendar(app: Any, api: Any) -> None:
    from itsm.changes.jobs import change_reminders_job
    from itsm.worker.jobs import JobContext

    agent = api("agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(3), type_="standard"))
    fire(agent, change["number"], "start")
    later = JobContext(app.registry, app.db, now=lambda: at(3) + timedelta(hours=3))
    change_reminders_job(later)
    client = logged_in(app, "agent")
    page = client.get("/changes/month", params={"date": _month(at(3).date())})
    assert "itsm-overrun" in cell(page, at(3).date().isoformat())[1]
    assert "itsm-overrun" in client.get("/changes/calendar").text


def test_calendar_pages_and_the_form_never_commit(app: Any, api: Any) -> None:
    change = raise_change(
        api("agent"), change_body([ci_number(app, "mail01")], at(5), type_="standard")
    )
    client = logged_in(app, "agent")
    client.get("/changes/")  # the session is settled before counting
    before = app.db.lastTransaction()
    for path in ("/changes/month", "/changes/week", "/changes/calendar", "/changes/new"):
        client.get(path, status=200)
    client.get(f"/changes/{change['number']}/", status=200)
    client.get("/changes/month", params={"date": "bad"}, status=200)
    assert app.db.lastTransaction() == before


def test_employee_cannot_read_the_calendar_pages(app: Any, api: Any) -> None:
    raise_change(api("agent"), change_body([ci_number(app, "mail01")], at(5), type_="standard"))
    employee = logged_in(app, "employee")
    for path in ("/changes/month", "/changes/week", "/changes/calendar"):
        employee.get(path, status=403)
    assert "/changes/month" not in employee.get("/changes/").text
    board = logged_in(app, "manager")  # on the change board, not IT staff
    assert "CHG-000001" in board.get("/changes/calendar").text
    assert (
        "CHG-000001" in board.get("/changes/month", params={"date": at(5).strftime("%Y-%m")}).text
    )
