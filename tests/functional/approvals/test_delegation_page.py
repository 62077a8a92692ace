"""The delegation page: naming a deputy for a date range, seeing and removing delegations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import csrf_of, logged_in


def today() -> Any:
    return datetime.now(UTC).date()


def name_deputy(client: Any, deputy: str, start: Any, end: Any, status: int = 303) -> Any:
    page = client.get("/approvals/delegation")
    form = page.forms["delegation-form"]
    form["deputy"] = deputy
    form["start"] = str(start)
    form["end"] = str(end)
    return form.submit(status=status)


def test_a_person_names_a_deputy_who_then_approves_in_their_place(app: Any, api: Any) -> None:
    manager = logged_in(app, "manager")
    assert "delegation-link" in manager.get("/approvals/").text
    assert 'id="my-deputies"' in manager.get("/people/manager/").text
    assert 'id="portal-deputies"' in manager.get("/").text
    page = manager.get("/approvals/delegation")
    assert "no-delegations" in page.text
    assert '<option value="admin">Alice Admin</option>' in page.text
    name_deputy(manager, "admin", today(), today() + timedelta(days=5))
    page = manager.get("/approvals/delegation")
    assert "Your deputy is named." in page.text
    assert f'data-delegation="{today()}"' in page.text
    assert "Active now" in page.text
    # The same delegation through the API.
    listed = api("manager").get("/api/v1/delegations").json
    assert listed["delegation"]["deputy"] == "admin"
    assert len(listed["delegations"]) == 1
    # A step opened now asks the deputy as well.
    number = api("employee").order("new-laptop")["number"]
    assert [w["id"] for w in api("admin").waiting()] == [f"{number}-1"]


def test_several_ranges_may_be_named_but_not_overlapping(app: Any) -> None:
    manager = logged_in(app, "manager")
    name_deputy(manager, "admin", today() + timedelta(days=10), today() + timedelta(days=12))
    name_deputy(manager, "agent", today() + timedelta(days=20), today() + timedelta(days=25))
    clash = name_deputy(
        manager, "agent2", today() + timedelta(days=11), today() + timedelta(days=21), status=400
    )
    assert "You have a deputy from" in clash.text
    page = manager.get("/approvals/delegation")
    assert page.text.count("data-delegation=") == 2
    assert "Planned" in page.text


def test_wrong_delegations_are_explained_and_keep_what_was_typed(app: Any) -> None:
    manager = logged_in(app, "manager")
    own = name_deputy(manager, "manager", today(), today() + timedelta(days=1), status=400)
    assert "You cannot be your own deputy." in own.text
    backwards = name_deputy(manager, "admin", today() + timedelta(days=3), today(), status=400)
    assert "The end comes before the start." in backwards.text
    assert 'value="admin"' in backwards.text  # what was typed is still there
    unknown = name_deputy(manager, "nobody", today(), today(), status=400)
    assert "Unknown person." in unknown.text
    past = name_deputy(
        manager, "admin", today() - timedelta(days=9), today() - timedelta(days=2), status=400
    )
    assert "The end is in the past." in past.text
    bad_date = manager.post(
        "/approvals/delegation",
        {
            "csrf_token": csrf_of(manager.get("/approvals/delegation")),
            "deputy": "admin",
            "start": "tomorrow",
            "end": "",
        },
        status=400,
    )
    assert "Invalid date." in bad_date.text
    assert app.read(lambda root: "approval-delegations" in root["settings"]) is False


def test_a_delegation_is_removed_and_others_cannot_remove_it(app: Any, api: Any) -> None:
    manager = logged_in(app, "manager")
    name_deputy(manager, "admin", today(), today() + timedelta(days=2))
    # Another person's removal form removes only their own (they have none).
    other = logged_in(app, "agent")
    token = csrf_of(other.get("/approvals/delegation"))
    other.post("/approvals/delegation/remove", {"csrf_token": token, "start": str(today())})
    assert len(api("manager").get("/api/v1/delegations").json["delegations"]) == 1
    page = manager.get("/approvals/delegation")
    remove = next(f for f in page.forms.values() if f.action.endswith("/delegation/remove"))
    remove.submit(status=303)
    assert "The delegation is removed." in manager.get("/approvals/delegation").text
    assert api("manager").get("/api/v1/delegations").json == {
        "delegation": None,
        "delegations": [],
    }


def test_delegations_through_the_api(api: Any) -> None:
    manager = api("manager")
    start, end = today() + timedelta(days=1), today() + timedelta(days=3)
    body = {"deputy": "admin", "start": str(start), "end": str(end)}
    added = manager.post("/api/v1/delegations", body, status=201).json
    assert added["delegation"] == {"deputy": "admin", "start": str(start), "end": str(end)}
    again = manager.post("/api/v1/delegations", body, status=400).json
    assert "start" in again["error"]["fields"]
    own = dict(body, deputy="manager")
    fields = manager.post("/api/v1/delegations", own, status=400).json["error"]["fields"]
    assert fields["deputy"] == "You cannot be your own deputy."
    manager.client.delete(
        f"/api/v1/delegations?start={today()}", headers=manager.headers, status=404
    )
    gone = manager.client.delete(
        f"/api/v1/delegations?start={start}", headers=manager.headers, status=200
    )
    assert gone.json["delegations"] == []


def test_reading_the_delegation_page_never_commits(app: Any) -> None:
    manager = logged_in(app, "manager")
    before = app.db.lastTransaction()
    manager.get("/approvals/delegation")
    assert app.db.lastTransaction() == before
