"""The agent's working day: intake for a caller, the people look-up, bulk actions, saved
views, watchers and mentions, collision notice and version checks, macros — per role."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest

from tests.conftest import AppHandle, base_settings, csrf_of, file_uri, logged_in
from tests.functional.incidents.conftest import ApiClient


@pytest.fixture(scope="module")
def app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHandle]:
    """One app for the module; each test makes incidents of its own."""
    from itsm import main

    directory = tmp_path_factory.mktemp("workday") / "db"
    shutil.copytree(demo_template, directory)
    settings = base_settings()
    settings["zodbconn.uri"] = file_uri(directory)
    handle = AppHandle(main({}, **settings), settings)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def clients(app: AppHandle) -> dict[str, ApiClient]:
    return {
        login: ApiClient(app, login)
        for login in ("employee", "employee2", "agent", "agent2", "admin")
    }


@pytest.fixture(scope="module")
def agent_ui(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "agent")


def mails_about(app: AppHandle, number: str) -> list[tuple[str, str]]:
    """(recipient, subject) of the mails queued about ``number``."""

    def read(root: Any) -> list[tuple[str, str]]:
        return [(m.to[0], m.subject) for m in root.outbox if m.ticket == number]

    return app.read(read)


def incident(app: AppHandle, number: str) -> Any:
    return app.read(lambda root: root["incidents"][number])


def field(app: AppHandle, number: str, name: str) -> Any:
    return app.read(lambda root: getattr(root["incidents"][number], name))


def transactions(app: AppHandle) -> Any:
    return app.db.lastTransaction()


# -- the people look-up ---------------------------------------------------------------------------


def test_staff_find_people_by_name_mail_and_department(clients: dict[str, ApiClient]) -> None:
    agent = clients["agent"]
    # The employees' records exist once they have logged in or were fetched.
    clients["employee"].get("/api/v1/me")
    found = agent.get("/api/v1/people", q="elena").json["items"]
    elena = next(p for p in found if p["login"] == "employee")
    assert elena == {
        "login": "employee",
        "name": "Elena Employee",
        "mail": "employee@example.com",
        "department": "Sales",
        "manager": "manager",
    }
    by_department = agent.get("/api/v1/people", q="sales").json["items"]
    assert "employee" in [p["login"] for p in by_department]
    assert agent.get("/api/v1/people", q="el").json["items"] == []  # under three letters


def test_employees_find_only_themselves_and_their_manager(clients: dict[str, ApiClient]) -> None:
    employee = clients["employee"]
    everyone = employee.get("/api/v1/people").json["items"]
    assert {p["login"] for p in everyone} <= {"employee", "manager"}
    assert "employee" in {p["login"] for p in everyone}
    assert employee.get("/api/v1/people", q="agent").json["items"] == []
    assert employee.get("/api/v1/people", q="egor").json["items"] == []


def test_people_lookup_needs_a_login(app: AppHandle) -> None:
    app.client().get("/api/v1/people", params={"q": "elena"}, status=401)


# -- intake for a caller --------------------------------------------------------------------------


def test_agent_reports_for_a_caller_who_gets_the_mails(app: AppHandle, agent_ui: Any) -> None:
    form = agent_ui.get("/incidents/new").forms["report-form"]
    assert form["channel"].value == "phone"
    assert "data-people-lookup" in agent_ui.get("/incidents/new").text
    form["requester"] = "employee2"
    form["channel"] = "walk_in"
    form["title"] = "Monitor flickers at the reception desk"
    response = form.submit("submit", status=303)
    number = re.search(r"(INC-\d{6})", response.headers["Location"]).group(1)
    assert field(app, number, "requester") == "employee2"
    assert field(app, number, "channel") == "walk_in"
    recipients = [to for to, _subject in mails_about(app, number)]
    assert "employee2@example.com" in recipients
    assert "agent@example.com" not in [
        to for to, subject in mails_about(app, number) if "received" in subject.lower()
    ]


def test_unknown_caller_is_refused_and_the_text_kept(app: AppHandle, agent_ui: Any) -> None:
    before = app.read(lambda root: len(root["incidents"]))
    form = agent_ui.get("/incidents/new").forms["report-form"]
    form["requester"] = "nobody-such"
    form["title"] = "Keep this title please"
    response = form.submit("submit", status=400)
    assert "Unknown person: nobody-such." in response.text
    assert "Keep this title please" in response.text
    assert app.read(lambda root: len(root["incidents"])) == before


def test_employees_report_only_for_themselves(app: AppHandle) -> None:
    employee = logged_in(app, "employee")
    page = employee.get("/incidents/new")
    assert "requester" not in page.forms["report-form"].fields
    api = ApiClient(app, "employee")
    api.post(
        "/api/v1/incidents",
        {"title": "For someone", "impact": "low", "urgency": "low", "requester": "employee2"},
        status=403,
    )


def test_api_takes_the_new_channels(clients: dict[str, ApiClient]) -> None:
    made = clients["agent"].report("Caller at the desk", requester="employee", channel="walk_in")
    assert made["requester"] == "employee"
    assert made["channel"] == "walk_in"


def test_agent_orders_a_catalog_item_for_a_caller(app: AppHandle, agent_ui: Any) -> None:
    slug = app.read(
        lambda root: next(
            name
            for name, item in root["catalog"].items()
            if item.active and not any(f.get("required") for f in item.fields)
        )
    )
    page = agent_ui.get(f"/catalog/{slug}")
    form = page.forms["order-form"]
    form["requester"] = "employee"
    form["channel"] = "phone"
    response = form.submit("submit", status=303)
    number = re.search(r"(REQ-\d{6})", response.headers["Location"]).group(1)
    made = app.read(
        lambda root: (root["requests"][number].requester, root["requests"][number].channel)
    )
    assert made == ("employee", "phone")


# -- bulk actions ---------------------------------------------------------------------------------


def test_bulk_assign_from_the_queue(app: AppHandle, agent_ui: Any, clients: dict) -> None:
    numbers = [clients["employee"].report(f"Bulk printer jam {n}")["number"] for n in range(3)]
    page = agent_ui.get("/incidents/", params={"queue": "all", "q": "bulk printer jam"})
    form = page.forms["bulk-form"]
    for box in form.fields["incidents"]:
        if box._value in numbers[:2]:
            box.checked = True
    form["operation"] = "assign"
    form["assignee"] = "agent2"
    summary = agent_ui.post("/incidents/@@bulk", form.submit_fields(), status=200)
    assert "Changed: <strong>2</strong>" in summary.text
    assert field(app, numbers[0], "assignee") == "agent2"
    assert field(app, numbers[2], "assignee") != "agent2"
    history = app.read(
        lambda root: [(r.action, r.field) for r in root["incidents"][numbers[1]].history]
    )
    assert ("transition", "assign") in history


def test_bulk_refuses_per_incident_and_says_why(app: AppHandle, clients: dict) -> None:
    agent = clients["agent"]
    open_one = clients["employee"].report("Bulk status open")["number"]
    closed = clients["employee"].report("Bulk status cancelled")["number"]
    agent.fire(closed, "cancel", reason="duplicate call")
    answer = agent.post(
        "/api/v1/incidents/bulk",
        {"operation": "status", "transition": "start", "numbers": [open_one, closed, "INC-999999"]},
        status=200,
    ).json
    outcomes = {o["number"]: o for o in answer["items"]}
    assert outcomes[open_one]["done"] is True
    assert outcomes[closed]["done"] is False and "Cancelled" in outcomes[closed]["message"]
    assert outcomes["INC-999999"]["done"] is False
    assert (answer["done"], answer["refused"]) == (1, 2)
    assert field(app, open_one, "status") == "in_progress"
    assert field(app, closed, "status") == "cancelled"


def test_bulk_priority_note_and_parent(app: AppHandle, clients: dict) -> None:
    agent = clients["agent"]
    parent = clients["employee"].report("Bulk major: mail down")["number"]
    children = [clients["employee2"].report(f"Bulk child mail {n}")["number"] for n in range(2)]
    agent.post(
        "/api/v1/incidents/bulk",
        {"operation": "priority", "priority": 1, "numbers": children},
        status=200,
    )
    assert [field(app, n, "priority") for n in children] == [1, 1]
    agent.post(
        "/api/v1/incidents/bulk",
        {"operation": "note", "body": "Known outage", "numbers": children},
        status=200,
    )
    assert app.read(lambda root: [e.body for e in root["incidents"][children[0]].journal]) == [
        "Known outage"
    ]
    agent.post(
        "/api/v1/incidents/bulk",
        {"operation": "parent", "parent": parent, "numbers": children},
        status=200,
    )
    assert field(app, children[1], "parent") == parent
    assert set(field(app, parent, "children")) == set(children)


def test_bulk_all_matching_uses_the_filters(app: AppHandle, clients: dict) -> None:
    numbers = [clients["employee"].report(f"Zebrafish scanner {n}")["number"] for n in range(3)]
    answer = (
        clients["agent"]
        .post(
            "/api/v1/incidents/bulk",
            {"operation": "group", "group": "Network", "query": {"q": "zebrafish", "queue": "all"}},
            status=200,
        )
        .json
    )
    assert sorted(o["number"] for o in answer["items"] if o["done"]) == sorted(numbers)
    assert {field(app, n, "group") for n in numbers} == {"Network"}


def test_bulk_commits_one_transaction_per_batch_and_rolls_back_refusals(
    app: AppHandle, clients: dict
) -> None:
    from itsm.tickets import bulk
    from itsm.tickets.workflow import NotAllowedNow

    numbers = [clients["employee"].report(f"Batch lamp {n}")["number"] for n in range(5)]

    def act(root: Any, number: str) -> bulk.Outcome:
        incident = root["incidents"][number]
        incident.title = f"{incident.title} (batched)"
        if number == numbers[3]:
            raise NotAllowedNow("refused on purpose")
        return bulk.Outcome(number, True)

    before = len(app.db.undoLog(0, 100_000))
    outcomes = bulk.run_bulk(app.registry, numbers, act, size=2)
    assert len(app.db.undoLog(0, 100_000)) - before == 3  # 2 + 2 + 1
    assert [o.done for o in outcomes] == [True, True, True, False, True]
    titles = app.read(lambda root: [root["incidents"][n].title for n in numbers])
    assert titles[3] == "Batch lamp 3"  # its savepoint rolled back, the batch went on
    assert all(t.endswith("(batched)") for i, t in enumerate(titles) if i != 3)


def test_employees_cannot_bulk(app: AppHandle, clients: dict) -> None:
    mine = clients["employee"].report("Bulk by an employee")["number"]
    clients["employee"].post(
        "/api/v1/incidents/bulk", {"operation": "note", "body": "x", "numbers": [mine]}, status=403
    )
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get("/incidents/"))
    employee.post(
        "/incidents/@@bulk",
        {"csrf_token": token, "operation": "note", "body": "x", "incidents": mine},
        status=403,
    )
    assert field(app, mine, "journal").__len__() == 0


# -- saved views ----------------------------------------------------------------------------------


def test_saved_view_tab_rename_share_delete(app: AppHandle, agent_ui: Any) -> None:
    page = agent_ui.get("/incidents/", params={"queue": "all", "priority": "1", "sort": "newest"})
    form = page.forms["save-view-form"]
    form["name"] = "P1 newest"
    response = form.submit(status=303)
    assert "view=" in response.headers["Location"]
    listing = agent_ui.get("/incidents/", params={"queue": "open"})
    assert "P1 newest" in listing.text
    view_id = re.search(r'data-view-id="([0-9a-f]+)"', listing.text).group(1)
    tab = agent_ui.get(response.headers["Location"])
    assert f'aria-current="page" data-view-id="{view_id}"' in tab.text
    # Not visible to others until shared with a group they are in.
    admin = logged_in(app, "admin")
    assert "P1 newest" not in admin.get("/incidents/").text
    views = agent_ui.get("/incidents/@@views")
    token = csrf_of(views)
    agent_ui.post(
        "/incidents/@@views",
        {"csrf_token": token, "id": view_id, "name": "Urgent first", "share_group": "Service Desk"},
        status=303,
    )
    assert "Urgent first" in admin.get("/incidents/").text
    agent_ui.post(
        "/incidents/@@views", {"csrf_token": token, "id": view_id, "delete": "1"}, status=303
    )
    assert f'data-view-id="{view_id}"' not in agent_ui.get("/incidents/").text


def test_saved_views_api(clients: dict) -> None:
    agent = clients["agent"]
    made = agent.post(
        "/api/v1/views",
        {
            "name": "Network unassigned",
            "query": {"group": "Network", "assignee": "-", "bogus": "x"},
        },
        status=201,
    ).json
    assert made["query"] == {"group": "Network", "assignee": "-"}
    assert made["id"] in [v["id"] for v in agent.get("/api/v1/views").json["items"]]
    agent.patch(f"/api/v1/views/{made['id']}", {"name": "Net queue"}, status=200)
    clients["agent2"].patch(f"/api/v1/views/{made['id']}", {"name": "Mine now"}, status=404)
    agent.post("/api/v1/views", {"name": ""}, status=400)
    agent.post("/api/v1/views", {"name": "x", "group": "Network"}, status=400)  # not a member
    agent.client.delete(f"/api/v1/views/{made['id']}", headers=agent.headers, status=204)
    assert agent.get("/api/v1/views").json["total"] == 0


# -- watchers and mentions ------------------------------------------------------------------------


def test_requester_adds_a_watcher_who_gets_public_updates(app: AppHandle, clients: dict) -> None:
    employee, watcher, agent = clients["employee"], clients["employee2"], clients["agent"]
    number = employee.report("Watch my laptop ticket")["number"]
    watcher.get(f"/api/v1/incidents/{number}", status=404)
    employee.post(f"/api/v1/incidents/{number}/watchers", {"login": "employee2"}, status=200)
    assert watcher.get(f"/api/v1/incidents/{number}").json["watchers"] == ["employee2"]
    agent.post(
        f"/api/v1/incidents/{number}/journal", {"kind": "reply", "body": "On it"}, status=201
    )
    agent.post(
        f"/api/v1/incidents/{number}/journal", {"kind": "note", "body": "secret"}, status=201
    )
    to_watcher = [s for to, s in mails_about(app, number) if to == "employee2@example.com"]
    assert any("New reply" in s for s in to_watcher)
    # A watcher may not add others, but may leave.
    watcher.post(f"/api/v1/incidents/{number}/watchers", {"login": "admin"}, status=403)
    employee.post(f"/api/v1/incidents/{number}/watchers", {"login": "ghost-login"}, status=400)
    watcher.client.delete(
        f"/api/v1/incidents/{number}/watchers/employee2", headers=watcher.headers, status=200
    )
    watcher.get(f"/api/v1/incidents/{number}", status=404)


def test_watchers_panel_on_the_page(app: AppHandle, agent_ui: Any, clients: dict) -> None:
    number = clients["employee"].report("Watchers panel page")["number"]
    page = agent_ui.get(f"/incidents/{number}/")
    form = page.forms["watcher-form"]
    form["login"] = "employee2"
    form.submit(status=303)
    assert field(app, number, "watchers") == ("employee2",)
    assert "Egor Employee" in agent_ui.get(f"/incidents/{number}/").text


def test_mentions_notify_it_staff_only(app: AppHandle, clients: dict) -> None:
    number = clients["employee"].report("Mention the network team")["number"]
    clients["agent"].post(
        f"/api/v1/incidents/{number}/journal",
        {
            "kind": "note",
            "body": "@agent2 look please; @employee and @nobody stay text, a@agent2.org",
        },
        status=201,
    )
    mentioned = [to for to, s in mails_about(app, number) if "mentioned" in s.lower()]
    assert mentioned == ["agent2@example.com"]


# -- collisions and versions ----------------------------------------------------------------------


def test_collision_notice_without_commits(app: AppHandle, agent_ui: Any, clients: dict) -> None:
    number = clients["employee"].report("Two agents one ticket")["number"]
    other = logged_in(app, "agent2")
    other.get(f"/incidents/{number}/")
    before = transactions(app)
    page = agent_ui.get(f"/incidents/{number}/")
    assert "Nikolai Network has this incident open." in page.text
    other.get(f"/incidents/{number}/@@presence", params={"editing": "1"})
    answer = agent_ui.get(f"/incidents/{number}/@@presence").json
    assert answer["others"][0]["what"] == "editing"
    assert "Nikolai Network is typing" in answer["others"][0]["message"]
    for _ in range(5):
        agent_ui.get(f"/incidents/{number}/")
    assert transactions(app) == before  # looking never commits


def test_stale_save_is_refused_with_the_text_kept(
    app: AppHandle, agent_ui: Any, clients: dict
) -> None:
    number = clients["employee"].report("Stale reply check")["number"]
    page = agent_ui.get(f"/incidents/{number}/")
    form = page.forms["reply-form"]
    form["body"] = "My long answer"
    clients["agent2"].post(
        f"/api/v1/incidents/{number}/journal", {"kind": "note", "body": "first"}, status=201
    )
    refused = form.submit(status=409)
    assert "Nikolai Network changed this incident after you opened it" in refused.text
    assert "My long answer" in refused.text
    assert [e.body for e in app.read(lambda root: list(root["incidents"][number].journal))] == [
        "first"
    ]
    # The page it answers with has the new version: sending again works.
    refused.forms["reply-form"].submit(status=303)


def test_api_etag_and_if_match(clients: dict) -> None:
    agent = clients["agent"]
    number = clients["employee"].report("ETag check")["number"]
    response = agent.get(f"/api/v1/incidents/{number}")
    etag = response.headers["ETag"]
    agent.client.patch_json(
        f"/api/v1/incidents/{number}",
        {"title": "ETag checked"},
        headers={**agent.headers, "If-Match": '"1"'},
        status=412,
    )
    changed = agent.client.patch_json(
        f"/api/v1/incidents/{number}",
        {"title": "ETag checked"},
        headers={**agent.headers, "If-Match": etag},
        status=200,
    )
    assert changed.headers["ETag"] != etag
    agent.client.post_json(
        f"/api/v1/incidents/{number}/transitions",
        {"name": "start"},
        headers={**agent.headers, "If-Match": etag},
        status=412,
    )
    agent.patch(f"/api/v1/incidents/{number}", {"title": "No If-Match still works"}, status=200)


# -- macros ---------------------------------------------------------------------------------------


def test_macro_applies_group_reply_tag_and_status(
    app: AppHandle, clients: dict, agent_ui: Any
) -> None:
    admin, agent = clients["admin"], clients["agent"]
    made = admin.post(
        "/api/v1/macros",
        {
            "key": "need-info",
            "title": "Ask for details",
            "canned": "more-info",
            "tag": "vip",
            "transition": "wait",
        },
        status=201,
    ).json
    assert made["transition"] == "wait"
    assert "need-info" in [m["key"] for m in agent.get("/api/v1/macros").json["items"]]
    number = clients["employee"].report("Macro target")["number"]
    agent.fire(number, "assign", assignee="agent")
    after = agent.post(f"/api/v1/incidents/{number}/macro", {"macro": "need-info"}, status=200).json
    assert after["status"] == "waiting" and after["tags"] == ["vip"]
    assert any("Waiting" in s for to, s in mails_about(app, number) if to == "employee@example.com")
    # The page's one-click form does the same; a group change comes first.
    agent.post(
        "/api/v1/macros", {"key": "to-net", "title": "To network", "group": "Network"}, status=201
    )
    other = clients["employee"].report("Macro page target")["number"]
    page = agent_ui.get(f"/incidents/{other}/")
    form = page.forms["macro-form"]
    form["macro"] = "to-net"
    form.submit(status=303)
    assert field(app, other, "group") == "Network"


def test_macro_rules_and_management(clients: dict, agent_ui: Any) -> None:
    admin = clients["admin"]
    admin.post("/api/v1/macros", {"key": "Bad Key", "title": "x", "tag": "t"}, status=400)
    admin.post("/api/v1/macros", {"key": "nothing", "title": "Does nothing"}, status=400)
    admin.post("/api/v1/macros", {"key": "ghost", "title": "x", "canned": "no-such"}, status=400)
    admin.post("/api/v1/macros", {"key": "tagonly", "title": "Tag only", "tag": "t1"}, status=201)
    admin.client.put_json(
        "/api/v1/macros/tagonly",
        {"title": "Tag two", "tag": "t2"},
        headers=admin.headers,
        status=200,
    )
    page = agent_ui.get("/incidents/@@macros")
    assert "Tag two" in page.text and "macro-edit-form" in page.text
    admin.client.delete("/api/v1/macros/tagonly", headers=admin.headers, status=204)
    canned = clients["agent"].get("/api/v1/canned-replies").json["items"]
    assert "more-info" in [c["key"] for c in canned]
    number = clients["employee"].report("Canned text target")["number"]
    text = clients["agent"].get(f"/api/v1/incidents/{number}/canned/more-info").json
    assert "Elena Employee" in text["body"]


# -- every new endpoint refuses employees ---------------------------------------------------------


def test_employees_are_refused_on_every_new_staff_endpoint(app: AppHandle, clients: dict) -> None:
    employee = clients["employee"]
    number = employee.report("Refusals for employees")["number"]
    client, headers = employee.client, employee.headers
    calls = [
        ("GET", "/api/v1/views", None),
        ("POST", "/api/v1/views", {"name": "x"}),
        ("PATCH", "/api/v1/views/abc", {"name": "x"}),
        ("DELETE", "/api/v1/views/abc", None),
        ("GET", "/api/v1/macros", None),
        ("POST", "/api/v1/macros", {"key": "k", "title": "t", "tag": "x"}),
        ("PUT", "/api/v1/macros/k", {"title": "t"}),
        ("DELETE", "/api/v1/macros/k", None),
        ("GET", "/api/v1/canned-replies", None),
        ("POST", "/api/v1/incidents/bulk", {"operation": "note", "body": "x", "numbers": [number]}),
        ("POST", f"/api/v1/incidents/{number}/macro", {"macro": "need-info"}),
        ("GET", f"/api/v1/incidents/{number}/canned/more-info", None),
    ]
    for method, path, body in calls:
        if body is None:
            response = client.request(path, method=method, headers=headers, expect_errors=True)
        else:
            response = getattr(client, f"{method.lower()}_json")(
                path, body, headers=headers, expect_errors=True
            )
        assert response.status_int in (403, 404), (method, path, response.status_int)
    ui = logged_in(app, "employee")
    token = csrf_of(ui.get("/incidents/"))
    for path in ("/incidents/@@views", "/incidents/@@macros"):
        ui.get(path, status=403)
    for path, data in (
        ("/incidents/@@save-view", {"name": "x"}),
        ("/incidents/@@macros", {"key": "k", "title": "t", "tag": "x"}),
        (f"/incidents/{number}/@@macro", {"macro": "need-info"}),
    ):
        ui.post(path, {"csrf_token": token, **data}, status=403)
    ui.get(f"/incidents/{number}/@@presence", status=403)
    assert field(app, number, "tags") == ()


def test_api_orders_for_a_caller_with_a_channel(app: AppHandle, clients: dict) -> None:
    slug = app.read(
        lambda root: next(
            name
            for name, item in root["catalog"].items()
            if item.active and not any(f.get("required") for f in item.fields)
        )
    )
    made = (
        clients["agent"]
        .post(
            "/api/v1/requests",
            {"item": slug, "requester": "employee2", "channel": "phone"},
            status=201,
        )
        .json
    )
    stored = app.read(
        lambda root: (
            root["requests"][made["number"]].requester,
            root["requests"][made["number"]].channel,
        )
    )
    assert stored == ("employee2", "phone")
    clients["agent"].post(
        "/api/v1/requests", {"item": slug, "requester": "nobody-at-all"}, status=400
    )
