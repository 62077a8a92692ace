"""CMDB pages: lists by role, "My equipment", CSV export, a CI's page, staff forms."""

from __future__ import annotations

import csv
import io

from tests.conftest import csrf_of, logged_in


def demo_number(app, serial):
    return app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.serial == serial)
    )


def test_staff_list_filters_and_employee_sees_my_equipment(app):
    agent = logged_in(app, "agent")
    page = agent.get("/cmdb/", params={"class": "Laptop"})
    assert "PF-3A1B2C" in page.text and "C02XYZ123" in page.text and "mail01" not in page.text
    page = agent.get("/cmdb/", params={"status": "in_stock"})
    assert "PF-9Z8Y7X" in page.text and "PF-3A1B2C" not in page.text
    page = agent.get("/cmdb/", params={"warranty_before": "2026-01-01"})
    assert "C02XYZ123" in page.text and "PF-3A1B2C" not in page.text
    page = agent.get("/cmdb/", params={"q": "thinkpad", "location": "IT store room"})
    assert "PF-9Z8Y7X" in page.text and "PF-3A1B2C" not in page.text
    page = agent.get("/cmdb/", params={"department": "Sales"})
    assert "PF-3A1B2C" in page.text and "C02XYZ123" not in page.text

    employee = logged_in(app, "employee")
    mine = employee.get("/cmdb/")
    assert "My equipment" in mine.text
    assert "PF-3A1B2C" in mine.text and "C02XYZ123" not in mine.text and "mail01" not in mine.text
    assert "Report a problem" in mine.text
    assert "PF-3A1B2C" in employee.get("/cmdb/", params={"mine": "1"}).text


def test_export_is_the_whole_filtered_list_and_employees_export_their_own(app):
    agent = logged_in(app, "agent")
    response = agent.get("/cmdb/export.csv", params={"class": "Laptop"})
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert {r["serial"] for r in rows} == {"PF-3A1B2C", "C02XYZ123", "PF-9Z8Y7X"}
    assert {r["class"] for r in rows} == {"Laptop"}
    employee = logged_in(app, "employee")
    text = employee.get("/cmdb/export.csv").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows and {r["owner"] for r in rows} == {"employee"}


def test_ci_page_shows_fields_relations_impact_and_history_to_staff(app):
    number = demo_number(app, "SRV-0001")
    agent = logged_in(app, "agent")
    page = agent.get(f"/cmdb/{number}/")
    assert "mail01.example.com" in page.text
    assert 'id="relations"' in page.text and "Mail" in page.text
    assert 'id="impact"' in page.text and 'id="history"' in page.text


def test_employees_open_their_own_ci_only_and_never_edit(app):
    mine = demo_number(app, "PF-3A1B2C")
    theirs = demo_number(app, "C02XYZ123")
    employee = logged_in(app, "employee")
    page = employee.get(f"/cmdb/{mine}/")
    assert "ThinkPad T14" in page.text and 'id="history"' not in page.text
    assert 'id="impact"' not in page.text
    employee.get(f"/cmdb/{theirs}/", status=404)
    employee.get(f"/cmdb/{mine}/edit", status=403)
    employee.get("/cmdb/new", status=403)
    token = csrf_of(page)
    employee.post(f"/cmdb/{mine}/transition", {"csrf_token": token, "name": "retire"}, status=403)
    employee.post(
        f"/cmdb/{mine}/relate",
        {"csrf_token": token, "type": "part_of", "target": theirs},
        status=403,
    )


def test_agent_registers_edits_hands_over_and_relates_through_forms(app):
    agent = logged_in(app, "agent")
    assert "Laptop" in agent.get("/cmdb/new").text
    form = agent.get("/cmdb/new", params={"class": "Laptop"}).forms["ci-form"]
    form["name"] = "Форма"
    form["serial"] = "FORM-1"
    form["status"] = "in_stock"
    created = form.submit("submit", status=303)
    url = created.location
    number = url.rstrip("/").rsplit("/", 1)[-1]
    page = agent.get(url)
    assert "Форма" in page.text

    duplicate = agent.get("/cmdb/new", params={"class": "Laptop"}).forms["ci-form"]
    duplicate["name"] = "Again"
    duplicate["serial"] = "form-1"
    refused = duplicate.submit("submit", status=409)
    assert number in refused.text

    edit = agent.get(f"/cmdb/{number}/edit").forms["ci-form"]
    edit["location"] = "Room 7"
    edit.submit("submit", status=303)
    token = csrf_of(page)
    agent.post(
        f"/cmdb/{number}/transition",
        {"csrf_token": token, "name": "handover", "owner": "employee2", "date": "2026-02-01"},
        status=303,
    )
    target = demo_number(app, "CN-0D1234")
    agent.post(
        f"/cmdb/{number}/relate",
        {"csrf_token": token, "type": "connected_to", "target": target},
        status=303,
    )
    bad = agent.post(
        f"/cmdb/{number}/transition", {"csrf_token": token, "name": "dispose"}, status=409
    )
    assert 'id="action-error"' in bad.text
    state = app.read(
        lambda root: (
            root["cmdb"][number].location,
            root["cmdb"][number].owner,
            root["cmdb"][number].status,
            list(root["cmdb"][number].outgoing.keys()),
        )
    )
    assert state == ("Room 7", "employee2", "deployed", [("connected_to", target)])


def test_an_incident_linked_to_a_ci_shows_its_impact_to_staff(app):
    server = demo_number(app, "SRV-0001")
    agent = logged_in(app, "agent")
    from tests.functional.cmdb.conftest import CmdbClient

    api = CmdbClient(app, "agent")
    incident = api.post(
        "/api/v1/incidents",
        {"title": "Mail server down", "impact": "high", "urgency": "high", "cis": [server]},
        status=201,
    ).json["number"]
    page = agent.get(f"/incidents/{incident}")
    assert 'id="ci-impact"' in page.text
    assert "admin" in page.text.split('id="ci-impact"')[1].split("</dd>")[0]


def test_agent_notifies_the_people_an_incidents_cis_affect_in_one_action(app):
    from tests.functional.cmdb.conftest import CmdbClient

    server = demo_number(app, "SRV-0001")
    api = CmdbClient(app, "agent")
    incident = api.post(
        "/api/v1/incidents",
        {"title": "Mail server down", "impact": "high", "urgency": "high", "cis": [server]},
        status=201,
    ).json["number"]
    agent = logged_in(app, "agent")
    page = agent.get(f"/incidents/{incident}")
    page.forms[
        next(k for k, f in page.forms.items() if f.action.endswith("notify-affected"))
    ].submit(status=303)
    mails = app.read(lambda root: [m.to for m in root.outbox if m.kind == "ci_impact"])
    assert mails == [("admin@example.com",)]
    body = api.post(f"/api/v1/incidents/{incident}/notify-affected", {"message": "ETA 1h"})
    assert body.status_int == 200 and body.json["people"] == ["admin"]
    employee = CmdbClient(app, "employee")
    employee.post(f"/api/v1/incidents/{incident}/notify-affected", {}, status=404)


def test_admins_add_a_class_with_fields_from_the_settings_page(app):
    admin = logged_in(app, "admin")
    page = admin.get("/settings/ci-classes/")
    assert "Software licence" in page.text
    form = page.forms["class-form"]
    form["name"] = "Printer"
    form["title_ru"] = "Принтер"
    form["fields"] = "pages | Pages printed | int | required\ncolour | Colour | bool\n"
    form.submit(status=303)
    classes = app.read(lambda root: root["settings"]["ci-classes"].get("Printer").as_json())
    assert [(f["name"], f["type"], f["required"]) for f in classes["fields"]] == [
        ("pages", "int", True),
        ("colour", "bool", False),
    ]
    agent = logged_in(app, "agent")
    page = agent.get("/settings/ci-classes/")
    assert "Printer" in page.text and "class-form" not in page.text
    agent.post("/settings/ci-classes/", {"csrf_token": csrf_of(page), "name": "X"}, status=403)
    logged_in(app, "employee").get("/settings/ci-classes/", status=404)
