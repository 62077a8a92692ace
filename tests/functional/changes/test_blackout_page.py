"""Blackout windows as a page: staff and the board read them, administrators add and remove
them; the conflict check uses what the page stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import csrf_of, logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change


def _rows(page: Any) -> list[str]:
    table = page.html.find(id="blackout-table")
    return [tr.find("td").get_text(strip=True) for tr in table.find("tbody").find_all("tr")]


def test_admin_adds_a_window_that_then_blocks_scheduling(app: Any, api: Any) -> None:
    admin = logged_in(app, "admin")
    page = admin.get("/changes/blackouts")
    assert "Quarter close" in _rows(page)
    start = at(60, hour=18)
    form = page.forms["blackout-form"]
    form["name"] = "New Year freeze"
    form["start"] = start.strftime("%Y-%m-%dT%H:%M")
    form["end"] = (start.replace(hour=23)).strftime("%Y-%m-%dT%H:%M")
    form["timezone"] = "+03:00"
    added = form.submit("add").follow()
    assert "New Year freeze" in _rows(added)
    api_windows = api("agent").get("/api/v1/changes/blackouts").json["windows"]
    freeze = next(w for w in api_windows if w["name"] == "New Year freeze")
    assert freeze["start"].endswith("+03:00")

    body = change_body([ci_number(app, "mail01")], start.replace(hour=17), type_="standard")
    refused = raise_change(api("agent"), body, status=409)
    assert "New Year freeze" in refused["error"]["message"]


def test_bad_windows_come_back_with_messages_and_nothing_is_stored(app: Any) -> None:
    admin = logged_in(app, "admin")
    before = app.read(lambda root: root["settings"]["changes"].blackouts)
    form = admin.get("/changes/blackouts").forms["blackout-form"]
    form["name"] = "Backwards"
    form["start"] = "2027-01-10T10:00"
    form["end"] = "2027-01-09T10:00"
    form["timezone"] = "Mars/Olympus"
    page = form.submit("add", status=400)
    assert page.html.find(id="bo-end-error") is not None
    assert page.html.find(id="bo-tz-error") is not None
    assert page.html.find(id="bo-name")["value"] == "Backwards"
    assert app.read(lambda root: root["settings"]["changes"].blackouts) == before


def test_admin_removes_a_window(app: Any) -> None:
    admin = logged_in(app, "admin")
    page = admin.get("/changes/blackouts")
    remove = page.html.select_one("#blackout-table button[name=remove]")
    token = page.html.select_one("#blackout-table input[name=csrf_token]")["value"]
    done = admin.post(
        "/changes/blackouts", {"remove": remove["value"], "csrf_token": token}
    ).follow()
    assert done.html.find(id="no-blackouts") is not None


@pytest.mark.parametrize(("login", "status"), [("employee", 403), ("agent", 200)])
def test_who_reads_the_windows(app: Any, login: str, status: int) -> None:
    page = logged_in(app, login).get("/changes/blackouts", status=status)
    if status == 200:
        assert page.html.find(id="blackout-form") is None  # agents read, admins edit


def test_agents_cannot_change_the_windows(app: Any) -> None:
    agent = logged_in(app, "agent")
    csrf = csrf_of(agent.get("/changes/blackouts"))
    window = {"name": "x", "start": "2027-01-01T00:00", "end": "2027-01-02T00:00"}
    agent.post("/changes/blackouts", {**window, "csrf_token": csrf}, status=403)
