"""The settings pages and API: administrators change the rules the desk applies by itself,
IT staff read them, everyone else is kept out, bad input changes nothing, every change is
audited, and reading never writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import webtest

from tests.conftest import AppHandle, csrf_of, logged_in
from tests.functional.incidents import conftest as incident_fixtures
from tests.functional.incidents.conftest import ApiClient

SETTINGS_PAGES = (
    "/settings/",
    "/settings/incidents/",
    "/settings/incidents/@@rule",
    "/settings/incidents/@@rule?name=Network%20words",
    "/settings/incidents/@@canned",
    "/settings/incidents/@@canned?key=password",
    "/settings/groups/",
    "/settings/groups/Network/",
    "/settings/sla/",
    "/settings/sla/@@calendar",
    "/settings/sla/@@calendar?name=Standard",
)
API_READS = ("/api/v1/settings/incidents", "/api/v1/settings/groups", "/api/v1/settings/sla")


# -- helpers ------------------------------------------------------------------------------------


#: ``api(login)``: a JSON client with a bearer token (the incident tests' fixture).
api = incident_fixtures.api


@pytest.fixture
def admin(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "admin")


@pytest.fixture
def agent(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "agent")


def incident_settings(app: AppHandle) -> dict[str, Any]:
    from itsm.admin.serialize import incident_settings_json

    return app.read(lambda root: incident_settings_json(root["settings"]["incidents"]))


def audit_of(app: AppHandle) -> list[Any]:
    from itsm.admin.audit import latest

    return app.read(lambda root: latest(root["settings"], count=100))


def field_error(response: webtest.TestResponse, path: str) -> str:
    """The message shown next to the field ``path``."""
    element = response.html.find(id=f"{path}-error")
    assert element is not None, f"no message next to {path}"
    return element.get_text(" ", strip=True)


# -- priority matrix ----------------------------------------------------------------------------


def test_admin_changes_the_matrix_and_new_incidents_get_the_new_priority(app, admin, api):
    assert api("employee").report("Excel is slow", impact="low", urgency="medium")["priority"] == 4
    form = admin.get("/settings/incidents/").forms["matrix-form"]
    form["low.medium"] = "2"
    page = form.submit(status=303).follow()
    assert "The priority matrix is saved." in page.text
    assert incident_settings(app)["matrix"]["low"]["medium"] == 2
    body = api("employee").report("Excel is slow again", impact="low", urgency="medium")
    assert body["priority"] == 2


def test_saving_an_unchanged_form_records_nothing(app, admin):
    before = app.db.lastTransaction()
    page = admin.get("/settings/incidents/").forms["matrix-form"].submit(status=303).follow()
    assert "Nothing changed." in page.text
    assert audit_of(app) == []
    assert app.db.lastTransaction() == before


# -- routing rules ------------------------------------------------------------------------------


def add_rule(admin: webtest.TestApp, status: int = 303, **fields: str) -> webtest.TestResponse:
    form = admin.get("/settings/incidents/@@rule").forms["rule-form"]
    for name, value in fields.items():
        if name in ("group", "category"):
            form[name].force_value(value)
        else:
            form[name] = value
    return form.submit(status=status)


def test_admin_adds_a_routing_rule_and_incidents_follow_it(app, admin, api):
    assert api("employee").report("SAP does not start")["group"] == "Service Desk"
    add_rule(
        admin,
        name="SAP",
        group="Workplace",
        category="software",
        keywords="SAP, ERP\nсистема учёта",
    )
    rules = incident_settings(app)["rules"]
    assert rules[-1] == {
        "name": "SAP",
        "group": "Workplace",
        "category": "software",
        "keywords": ["SAP", "ERP", "система учёта"],
        "departments": [],
        "ci_classes": [],
    }
    body = api("employee").report("Cannot log in to SAP since this morning")
    assert (body["group"], body["category"]) == ("Workplace", "software")
    body = api("employee2").report("Не работает система учёта")
    assert body["group"] == "Workplace"


def test_admin_edits_reorders_and_deletes_rules(app, admin, api):
    page = admin.get("/settings/incidents/@@rule?name=Workplace%20words")
    form = page.forms["rule-form"]
    assert "printer" in form["keywords"].value
    form["keywords"] = form["keywords"].value + "\nvpn"
    form.submit(status=303)
    # "Network words" still comes first and wins for VPN...
    assert api("employee").report("VPN is down")["group"] == "Network"
    # ...until the Workplace rule moves up.
    token = csrf_of(admin.get("/settings/incidents/"))
    admin.post(
        "/settings/incidents/@@rule-move",
        {"csrf_token": token, "name": "Workplace words", "direction": "up"},
        status=303,
    )
    names = [r["name"] for r in incident_settings(app)["rules"]]
    assert names == ["Workplace words", "Network words"]
    assert api("employee").report("VPN is down again")["group"] == "Workplace"
    admin.post(
        "/settings/incidents/@@rule-delete",
        {"csrf_token": token, "name": "Workplace words"},
        status=303,
    )
    assert [r["name"] for r in incident_settings(app)["rules"]] == ["Network words"]
    assert [(e.field, e.note) for e in audit_of(app)] == [
        ("rule.deleted", "Workplace words"),
        ("rule.moved", "Workplace words"),
        ("rule.changed", "Workplace words"),
    ]


def test_bad_rules_get_field_messages_with_400_and_change_nothing(app, admin):
    rules = incident_settings(app)["rules"]
    before = app.db.lastTransaction()
    response = add_rule(admin, 400, name="SAP", group="Nowhere", keywords="")
    assert field_error(response, "group") == "There is no group “Nowhere”."
    # One message at a time per field: the group is checked, and the name is kept.
    assert response.forms["rule-form"]["name"].value == "SAP"
    response = add_rule(admin, 400, name="SAP", group="Workplace", keywords=" , \n")
    assert "at least one keyword" in field_error(response, "keywords")
    response = add_rule(admin, 400, name="Network words", group="Workplace", keywords="sap")
    assert "already" in field_error(response, "name")
    response = add_rule(admin, 400, name="X", group="Workplace", keywords="sap", category="cars")
    assert "categories" in field_error(response, "category")
    assert incident_settings(app)["rules"] == rules
    assert audit_of(app) == []
    assert app.db.lastTransaction() == before


# -- canned replies -----------------------------------------------------------------------------


def test_admin_adds_a_canned_reply_that_agents_then_see(app, admin, agent, api):
    form = admin.get("/settings/incidents/@@canned").forms["canned-form"]
    form["key"] = "printer-driver"
    form["title"] = "Reinstall the printer driver"
    form["body"] = "Hello ${name}, please reinstall the driver. ${agent}"
    form["title_ru"] = "Переустановите драйвер"
    form["body_ru"] = "Здравствуйте, ${name}! Переустановите драйвер. ${agent}"
    form.submit(status=303)
    number = api("employee").report("Printer prints garbage")["number"]
    page = agent.get(f"/incidents/{number}/")
    assert page.html.find("option", value="printer-driver").get_text() == (
        "Reinstall the printer driver"
    )
    token = csrf_of(page)
    filled = agent.post(
        f"/incidents/{number}/@@reply",
        {"csrf_token": token, "canned": "printer-driver", "apply_canned": "1", "body": ""},
    )
    assert "Hello Elena Employee, please reinstall the driver. Anna Agent" in filled.text


def test_canned_replies_refuse_unknown_placeholders_and_can_be_deleted(app, admin):
    form = admin.get("/settings/incidents/@@canned?key=password").forms["canned-form"]
    form["body"] = "Hello ${requester}"
    response = form.submit(status=400)
    assert "${requester}" in field_error(response, "body")
    assert response.forms["canned-form"]["body"].value == "Hello ${requester}"
    token = csrf_of(response)
    admin.post(
        "/settings/incidents/@@canned-delete", {"csrf_token": token, "key": "password"}, status=303
    )
    assert "password" not in incident_settings(app)["canned"]


# -- groups -------------------------------------------------------------------------------------


def test_admin_adds_and_edits_a_group(app, admin):
    form = admin.get("/settings/groups/").forms["group-form"]
    form["title"] = "SAP Team"
    form["title_ru"] = "Команда SAP"
    form["lead"] = "agent"
    form["strategy"] = "round_robin"
    form["escalation_group"] = "Workplace"
    form["tier"] = "3"
    form["email"] = "sap@example.com"
    form.submit(status=303)
    form = admin.get("/settings/groups/Network/").forms["group-form"]
    form["strategy"] = "round_robin"
    form["escalation_group"] = "SAP Team"
    form.submit(status=303)

    def groups(root: Any) -> dict[str, tuple]:
        return {
            name: (g.title_ru, g.lead, g.strategy, g.escalation_group, g.tier)
            for name, g in root["settings"]["groups"].items()
        }

    found = app.read(groups)
    assert found["SAP Team"] == ("Команда SAP", "agent", "round_robin", "Workplace", 3)
    assert found["Network"] == ("Сеть", "agent2", "round_robin", "SAP Team", 2)
    assert app.read(lambda root: root["settings"]["groups"]["SAP Team"].__parent__.__name__) == (
        "groups"
    )


def test_bad_group_input_gets_field_messages(app, admin):
    form = admin.get("/settings/groups/Workplace/").forms["group-form"]
    form["lead"] = "nobody"
    form["tier"] = "0"
    form["escalation_group"].force_value("Service Desk")  # which escalates to Workplace
    response = form.submit(status=400)
    assert "nobody" in field_error(response, "lead")
    assert field_error(response, "tier") == "A whole number from 1 to 9."
    assert "circle" in field_error(response, "escalation_group")
    assert app.read(lambda root: root["settings"]["groups"]["Workplace"].lead) == "agent"
    form = admin.get("/settings/groups/").forms["group-form"]
    form["title"] = "Network"
    assert "already" in field_error(form.submit(status=400), "title")


# -- SLA ----------------------------------------------------------------------------------------


def due_after(body: dict[str, Any], kind: str) -> timedelta:
    sla = body["sla"]
    return datetime.fromisoformat(sla[f"{kind}_due"]) - datetime.fromisoformat(body["created"])


def test_an_sla_target_change_applies_to_new_incidents(app, admin, api):
    old = api("employee").report("Mouse is sticky", impact="low", urgency="medium")
    assert old["priority"] == 4
    form = admin.get("/settings/sla/").forms["policy-form"]
    form["targets.4.response_minutes"] = "30"
    form["targets.4.resolution_minutes"] = "120"
    form["targets.4.business_hours"] = False
    form["warn_percent"] = "80"
    form.submit(status=303)
    new = api("employee").report("Keyboard is sticky", impact="low", urgency="medium")
    assert due_after(new, "response") == timedelta(minutes=30)
    assert due_after(new, "resolution") == timedelta(hours=2)
    policy = app.read(lambda root: root["settings"]["sla"].policy("incident"))
    assert policy.warn_share == 0.8 and policy.name == "Incidents"
    # The incident reported before keeps its targets.
    again = api("employee").get(f"/api/v1/incidents/{old['number']}").json
    assert again["sla"]["response_due"] == old["sla"]["response_due"]


def test_admin_edits_a_calendar_and_bad_hours_are_refused_with_nothing_lost(app, admin):
    form = admin.get("/settings/sla/@@calendar?name=Standard").forms["calendar-form"]
    form["hours.mon"] = "09:00-13:00, 14:00-25:00"
    form["hours.tue"] = "nine to five"
    form["holidays"] = "2025-01-01\n2025-02-30"
    form["timezone"] = "Europe/Atlantis"
    response = form.submit(status=400)
    assert (
        field_error(response, "hours.mon") == "Invalid time 25:00: use HH:MM from 00:00 to 24:00."
    )
    assert "nine to five" in field_error(response, "hours.tue")
    assert "2025-02-30" in field_error(response, "holidays")
    assert "Europe/Atlantis" in field_error(response, "timezone")
    kept = response.forms["calendar-form"]
    assert kept["hours.mon"].value == "09:00-13:00, 14:00-25:00"
    assert kept["holidays"].value == "2025-01-01\n2025-02-30"
    assert app.read(lambda root: root["settings"]["sla"].calendar("Standard").holidays) == set()

    kept["hours.mon"] = "09:00-13:00, 14:00-18:00"
    kept["hours.tue"] = "09:00-18:00"
    kept["hours.sat"] = "10:00-14:00"
    kept["holidays"] = "2025-01-01\n2025-01-07"
    kept["timezone"] = "Asia/Yekaterinburg"
    kept.submit(status=303)
    calendar = app.read(lambda root: root["settings"]["sla"].calendar("Standard"))
    assert calendar.timezone == "Asia/Yekaterinburg"
    assert calendar.intervals(0) == (("09:00", "13:00"), ("14:00", "18:00"))
    assert calendar.intervals(5) == (("10:00", "14:00"),)
    assert len(calendar.holidays) == 2


def test_admin_adds_a_calendar_and_a_policy_uses_it(app, admin):
    form = admin.get("/settings/sla/@@calendar").forms["calendar-form"]
    form["name"] = "Night shift"
    form["hours.mon"] = "22:00-24:00"
    form["hours.tue"] = "00:00-06:00"
    form.submit(status=303)
    form = admin.get("/settings/sla/").forms["policy-form"]
    form["calendar"] = "Night shift"
    form.submit(status=303)
    assert app.read(lambda root: root["settings"]["sla"].policy("incident").calendar) == (
        "Night shift"
    )


def test_bad_targets_get_field_messages(app, admin):
    form = admin.get("/settings/sla/").forms["policy-form"]
    form["targets.2.response_minutes"] = "0"
    form["targets.3.resolution_minutes"] = "5"
    form["warn_percent"] = "100"
    response = form.submit(status=400)
    assert field_error(response, "targets.2.response_minutes") == (
        "A whole number from 1 to 527040."
    )
    assert "before the first response" in field_error(response, "targets.3.resolution_minutes")
    assert field_error(response, "warn_percent") == "A whole number from 1 to 99."
    assert response.forms["policy-form"]["targets.3.resolution_minutes"].value == "5"


# -- permissions --------------------------------------------------------------------------------


def test_agents_can_read_the_settings_but_not_change_them(app, agent, api):
    for url in SETTINGS_PAGES:
        page = agent.get(url)
        assert "only administrators can change them" in page.text
    token = csrf_of(agent.get("/settings/incidents/"))
    client = api("agent")  # making a token commits
    before = app.db.lastTransaction()
    posts = {
        "/settings/incidents/@@matrix": {"high.high": "2"},
        "/settings/incidents/@@defaults": {"default_group": "Network"},
        "/settings/incidents/@@rule": {"name": "X", "group": "Network", "keywords": "x"},
        "/settings/incidents/@@rule-delete": {"name": "Network words"},
        "/settings/incidents/@@rule-move": {"name": "Network words", "direction": "down"},
        "/settings/incidents/@@canned": {"key": "x", "title": "x", "body": "x"},
        "/settings/incidents/@@canned-delete": {"key": "password"},
        "/settings/groups/": {"title": "X", "strategy": "round_robin", "tier": "1"},
        "/settings/groups/Network/": {"strategy": "round_robin", "tier": "1"},
        "/settings/sla/@@policy": {"warn_percent": "50"},
        "/settings/sla/@@calendar": {"name": "X", "timezone": "UTC"},
    }
    for url, fields in posts.items():
        agent.post(url, {"csrf_token": token, **fields}, status=403)
    for url in API_READS:
        assert client.get(url).status_int == 200
    put(client, "/api/v1/settings/incidents/matrix", {"high": {"high": 2}}, status=403)
    assert client.patch("/api/v1/settings/groups/Network", {"tier": 3}).status_int == 403
    assert app.db.lastTransaction() == before


def test_employees_find_no_settings_there(app, api):
    employee = logged_in(app, "employee")
    for url in SETTINGS_PAGES:
        employee.get(url, status=404)
    for url in API_READS:
        api("employee").get(url, status=404)
    assert "/settings/" not in employee.get("/").text


def test_settings_are_in_the_navigation_of_staff_only(app, admin, agent):
    assert 'href="http://localhost/settings/"' in admin.get("/").text
    assert 'href="http://localhost/settings/"' in agent.get("/").text
    employee = logged_in(app, "employee")
    assert 'href="http://localhost/settings/"' not in employee.get("/").text


def test_forms_need_a_csrf_token(app, admin):
    admin.post("/settings/incidents/@@matrix", {"high.high": "5"}, status=400)
    assert incident_settings(app)["matrix"]["high"]["high"] == 1


# -- audit and reading --------------------------------------------------------------------------


def test_every_change_is_audited_and_shown(app, admin):
    form = admin.get("/settings/incidents/").forms["matrix-form"]
    form["high.low"] = "2"
    form.submit(status=303)
    form = admin.get("/settings/groups/Network/").forms["group-form"]
    form["tier"] = "3"
    form.submit(status=303)
    entries = audit_of(app)
    assert [(e.actor, e.action, e.field, e.note) for e in entries] == [
        ("admin", "groups", "group.changed", "Network"),
        ("admin", "incidents", "matrix", ""),
    ]
    assert entries[1].before["high/low"] == "3" and entries[1].after["high/low"] == "2"
    overview = admin.get("/settings/")
    audit = overview.html.find(id="audit").get_text(" ", strip=True)
    assert "Priority matrix changed" in audit and "Group changed" in audit
    assert "Alice Admin" in audit and "high/low" in audit
    # Each page shows its own area.
    incidents = admin.get("/settings/incidents/").html.find(id="audit").get_text(" ", strip=True)
    assert "Priority matrix changed" in incidents and "Group changed" not in incidents


def test_the_audit_shows_the_last_twenty(app, admin):
    token = csrf_of(admin.get("/settings/incidents/"))
    for n in range(22):
        admin.post(
            "/settings/incidents/@@rule-move",
            {"csrf_token": token, "name": "Network words", "direction": "down" if n % 2 else "up"},
            status=303,
        )
    rows = admin.get("/settings/incidents/").html.find(id="audit").find_all("tr")
    assert len(rows) == 1 + 20  # the header and the last 20 changes (the first move was none)


def test_reading_the_settings_commits_nothing(app, admin, agent, api):
    tokens = [api("admin"), api("agent")]  # making a token commits
    before = app.db.lastTransaction()
    for client in (admin, agent):
        for url in SETTINGS_PAGES:
            client.get(url)
    for token in tokens:
        for url in (*API_READS, "/api/v1/settings/groups/Network"):
            token.get(url)
    assert app.db.lastTransaction() == before
    assert app.read(lambda root: getattr(root["settings"], "audit", None)) is None


# -- API ----------------------------------------------------------------------------------------


def put(client: ApiClient, path: str, body: Any, status: int | str = 200) -> Any:
    return client.client.put_json(path, body, headers=client.headers, status=status)


def test_api_reads_the_settings(api):
    body = api("agent").get("/api/v1/settings/incidents").json
    assert body["matrix"]["high"]["high"] == 1
    assert [r["name"] for r in body["rules"]] == ["Network words", "Workplace words"]
    assert body["canned"]["password"]["title_ru"] == "Пароль сброшен"
    groups = api("agent").get("/api/v1/settings/groups").json["items"]
    assert {g["title"] for g in groups} == {"Service Desk", "Network", "Workplace"}
    sla = api("agent").get("/api/v1/settings/sla").json
    assert sla["calendars"]["Standard"]["hours"]["mon"] == "09:00-18:00"
    assert sla["policies"]["incident"]["targets"]["1"] == {
        "response_minutes": 15,
        "resolution_minutes": 240,
        "business_hours": False,
    }


def test_api_changes_matrix_rules_canned_and_defaults(app, api):
    admin = api("admin")
    matrix = admin.get("/api/v1/settings/incidents").json["matrix"]
    matrix["low"]["low"] = 4
    assert put(admin, "/api/v1/settings/incidents/matrix", matrix).json == matrix
    rules = [
        {"name": "SAP", "group": "Workplace", "category": "software", "keywords": ["sap"]},
        {"name": "Finance people", "group": "Service Desk", "departments": ["Finance"]},
    ]
    answer = put(admin, "/api/v1/settings/incidents/rules", rules).json
    assert [r["name"] for r in answer] == ["SAP", "Finance people"]
    canned = {"hello": {"title": "Hello", "body": "Hello ${name}"}}
    assert put(admin, "/api/v1/settings/incidents/canned", canned).json == {
        "hello": {"title": "Hello", "body": "Hello ${name}", "title_ru": "", "body_ru": ""}
    }
    patched = admin.patch(
        "/api/v1/settings/incidents", {"default_group": "Workplace"}, status=200
    ).json
    assert patched["default_group"] == "Workplace"
    assert patched["default_category"] == "general"
    body = api("employee2").report("The coffee machine is broken", impact="low", urgency="low")
    assert (body["priority"], body["group"]) == (4, "Service Desk")  # employee2 is in Finance
    assert api("employee").report("Outlook is slow", impact="low", urgency="low")["group"] == (
        "Workplace"
    )
    assert [e.field for e in audit_of(app)] == [
        "defaults",
        "canned.replaced",
        "rules.replaced",
        "matrix",
    ]


def test_api_refuses_bad_input_with_fields_and_changes_nothing(app, api):
    admin = api("admin")
    settings = incident_settings(app)
    error = put(
        admin,
        "/api/v1/settings/incidents/rules",
        [{"name": "SAP", "group": "Nowhere", "keywords": []}],
        status=400,
    ).json["error"]
    assert error["fields"]["0.group"] == "There is no group “Nowhere”."
    error = admin.patch(
        "/api/v1/settings/incidents",
        {
            "matrix": {lvl: {u: 9 for u in ("high", "medium", "low")} for lvl in ("high",)},
            "default_group": "Nowhere",
        },
        status=400,
    ).json["error"]
    assert "matrix" in " ".join(error["fields"])
    error = admin.patch(
        "/api/v1/settings/incidents",
        {"rules": [], "canned": {"x": {"title": "X", "body": "${oops}"}}, "default_group": "Nope"},
        status=400,
    ).json["error"]
    assert set(error["fields"]) == {"canned.x.body", "default_group"}
    assert incident_settings(app) == settings  # the valid "rules" part was not applied either
    error = put(
        admin,
        "/api/v1/settings/sla/calendars/Standard",
        {"timezone": "UTC", "hours": {"mon": "25:00-26:00"}},
        status=400,
    ).json["error"]
    assert error["fields"]["hours.mon"].startswith("Invalid time 25:00")
    assert audit_of(app) == []


def test_api_adds_and_changes_groups(app, api):
    admin = api("admin")
    response = put(
        admin,
        "/api/v1/settings/groups/Security",
        {"strategy": "least_loaded", "tier": 2, "lead": "agent2", "escalation_group": None},
        status=201,
    )
    assert response.headers["Location"].endswith("/api/v1/settings/groups/Security")
    assert response.json["lead"] == "agent2"
    changed = admin.patch("/api/v1/settings/groups/Security", {"tier": 3}, status=200).json
    assert (changed["tier"], changed["lead"]) == (3, "agent2")
    error = admin.patch("/api/v1/settings/groups/Security", {"lead": "ghost"}, status=400).json
    assert "lead" in error["error"]["fields"]
    admin.patch("/api/v1/settings/groups/Nowhere", {"tier": 3}, status=404)
    assert app.read(lambda root: root["settings"]["groups"]["Security"].tier) == 3


def test_api_changes_the_incident_policy(app, api):
    admin = api("admin")
    policy = admin.get("/api/v1/settings/sla").json["policies"]["incident"]
    policy["targets"]["4"] = {
        "response_minutes": 45,
        "resolution_minutes": 90,
        "business_hours": False,
    }
    answer = put(admin, "/api/v1/settings/sla/policies/incident", policy).json
    assert answer["targets"]["4"]["response_minutes"] == 45
    body = api("employee").report("Screen flickers", impact="low", urgency="medium")
    assert due_after(body, "response") == timedelta(minutes=45)
    policy["calendar"] = "Lunar"
    error = put(admin, "/api/v1/settings/sla/policies/incident", policy, status=400).json
    assert "calendar" in error["error"]["fields"]
    put(admin, "/api/v1/settings/sla/policies/cars", policy, status=404)


def test_the_api_is_described_in_openapi(app, api):
    paths = api("agent").get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/settings/incidents"]) == {"get", "patch"}
    assert set(paths["/api/v1/settings/groups/{name}"]) == {"get", "put", "patch"}
    assert "put" in paths["/api/v1/settings/sla/policies/{kind}"]
