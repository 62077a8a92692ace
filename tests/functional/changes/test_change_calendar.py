"""The change calendar: the iCalendar feed parsed back, and the list page by day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar

from tests.conftest import login
from tests.functional.changes.conftest import at, change_body, ci_number, fire, raise_change


def test_ics_feed_lists_the_scheduled_changes(app: Any, api: Any) -> None:
    agent, admin = api("agent"), api("admin")
    server, vpn = ci_number(app, "mail01"), ci_number(app, "VPN")
    first = raise_change(agent, change_body([server], at(5), type_="standard"))
    second = raise_change(agent, change_body([vpn], at(6), 3, type_="standard", title="VPN, ; x"))
    raise_change(agent, change_body([server], at(7)))  # awaiting approval: not on the calendar
    cancelled = raise_change(agent, change_body([vpn], at(8), type_="standard"))
    fire(agent, cancelled["number"], "cancel", reason="No longer needed")
    start = at(40, hour=0)
    windows = [
        {
            "name": "Freeze",
            "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat(),
        }
    ]
    admin.client.put_json("/api/v1/changes/blackouts", {"windows": windows}, headers=admin.headers)

    response = agent.get("/api/v1/changes/calendar.ics")
    assert response.content_type == "text/calendar"
    assert b"\r\n" in response.body
    calendar = icalendar.Calendar.from_ical(response.body)
    assert str(calendar["VERSION"]) == "2.0"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    changes = {uid.split("@")[0]: e for uid, e in events.items() if uid.startswith("CHG-")}
    assert set(changes) == {first["number"], second["number"]}
    event = changes[second["number"]]
    assert event.decoded("DTSTART") == at(6)
    assert event.decoded("DTEND") == at(6) + timedelta(hours=3)
    assert str(event["SUMMARY"]) == f"{second['number']} VPN, ; x"
    blackouts = [e for uid, e in events.items() if uid.startswith("blackout-")]
    assert [str(e["SUMMARY"]) for e in blackouts] == ["Blackout: Freeze"]

    only_vpn = icalendar.Calendar.from_ical(agent.get("/api/v1/changes/calendar.ics", ci=vpn).body)
    uids = [str(e["UID"]) for e in only_vpn.walk("VEVENT") if str(e["UID"]).startswith("CHG-")]
    assert [u.split("@")[0] for u in uids] == [second["number"]]


def test_employee_cannot_read_the_calendar_feed(app: Any, api: Any) -> None:
    api("employee").get("/api/v1/changes/calendar.ics", status=403)


def test_calendar_page_groups_changes_by_day(app: Any, api: Any) -> None:
    agent = api("agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(5), type_="standard"))
    client = app.client()
    login(client, "agent")
    page = client.get("/changes/calendar")
    assert at(5).date().isoformat() in page.text
    assert change["number"] in page.text
    listing = client.get("/changes/")
    assert change["number"] in listing.text
    detail = client.get(f"/changes/{change['number']}/")
    assert "Patch the mail server" in detail.text and 'id="actions"' in detail.text


def test_personal_feed_url_works_without_login_until_replaced(app: Any, api: Any) -> None:
    agent = api("agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(5), type_="standard"))
    url = agent.post("/api/v1/changes/calendar/feed", {}, status=200).json["url"]
    path = url.removeprefix("http://localhost")
    anonymous = app.client()
    calendar = icalendar.Calendar.from_ical(anonymous.get(path, status=200).body)
    changes = [str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")]
    # The demo's quarter-close blackout window is in the feed too.
    assert [uid for uid in changes if not uid.startswith("blackout-")] == [change["number"]]
    newer = agent.post("/api/v1/changes/calendar/feed", {}, status=200).json["url"]
    assert newer != url
    anonymous.get(path, status=404)
    anonymous.get("/api/v1/changes/calendar/guessed.ics", status=404)
    api("employee").post("/api/v1/changes/calendar/feed", {}, status=403)
