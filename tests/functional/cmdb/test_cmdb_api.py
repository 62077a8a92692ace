"""The CMDB API for each role: register, duplicates, relations, impact, lists, classes."""

from __future__ import annotations

import pytest


def test_agent_registers_a_laptop_and_gets_a_ci_number(api):
    agent = api("agent")
    response = agent.register(
        "Laptop",
        name="ThinkPad X1",
        serial="SN-1",
        owner="employee",
        status="deployed",
        fields={"ram_gb": "32"},
    )
    body = response.json
    assert body["number"].startswith("CI-") and len(body["number"]) == 9
    assert response.location.endswith(f"/api/v1/cis/{body['number']}")
    assert body["owner"] == "employee" and body["department"] == "Sales"
    assert body["fields"] == {"ram_gb": 32}
    assert body["status"] == "deployed"


def test_duplicate_serial_in_the_same_class_is_refused_with_409(api):
    agent = api("agent")
    first = agent.register("Laptop", serial="dup-42").json
    refused = agent.register("Laptop", serial=" DUP-42 ", expect=409).json
    assert refused["error"]["code"] == "conflict"
    assert first["number"] in refused["error"]["message"]
    # Another class may use the same serial.
    agent.register("Monitor", serial="DUP-42")


def test_changing_the_serial_to_one_in_use_is_refused(api):
    agent = api("agent")
    agent.register("Laptop", serial="A-1")
    other = agent.register("Laptop", serial="B-1").json["number"]
    agent.patch(f"/api/v1/cis/{other}", {"serial": "a-1"}, status=409)
    agent.patch(f"/api/v1/cis/{other}", {"serial": "C-1"}, status=200)
    agent.register("Laptop", serial="B-1")  # freed by the change


def test_required_class_fields_and_types_are_checked(api):
    agent = api("agent")
    errors = agent.register("Phone", expect=400).json["error"]["fields"]
    assert "imei" in errors
    errors = agent.register("Laptop", serial="X", fields={"ram_gb": "lots"}, expect=400).json
    assert "ram_gb" in errors["error"]["fields"]
    errors = agent.register("Nope", expect=400).json["error"]["fields"]
    assert "class" in errors
    errors = agent.register("Laptop", serial="Y", owner="nobody", expect=400).json
    assert "owner" in errors["error"]["fields"]


@pytest.mark.parametrize("login", ["employee", "manager"])
def test_only_it_staff_register_or_edit(api, login):
    person = api(login)
    person.register("Laptop", serial="E-1", expect=403)
    mine = api("agent").register("Laptop", serial="E-2", owner=login, expect=201).json["number"]
    person.patch(f"/api/v1/cis/{mine}", {"name": "mine now"}, status=403)
    person.post(f"/api/v1/cis/{mine}/transitions", {"name": "retire"}, status=403)
    person.get(f"/api/v1/cis/{mine}/impact", status=403)


def test_employees_see_only_their_own_equipment(api):
    agent = api("agent")
    theirs = agent.register("Laptop", serial="OTHER-1", owner="employee2").json["number"]
    employee = api("employee")
    listed = employee.get("/api/v1/cis", per_page=200).json
    assert listed["total"] >= 1
    assert {item["owner"] for item in listed["items"]} == {"employee"}
    # Asking for someone else's is no way round it.
    assert employee.get("/api/v1/cis", owner="employee2").json["items"] == []
    employee.get(f"/api/v1/cis/{theirs}", status=404)
    assert api("employee2").get(f"/api/v1/cis/{theirs}").json["owner"] == "employee2"


def test_list_filters_by_class_owner_status_and_text(api):
    agent = api("agent")
    agent.register(
        "Laptop", name="Зелёный ноутбук", serial="F-1", owner="employee2", status="deployed"
    )
    agent.register("Laptop", name="Spare", serial="F-2", status="in_stock")
    found = agent.get("/api/v1/cis", **{"class": "Laptop", "owner": "employee2"}).json
    assert "Зелёный ноутбук" in {i["name"] for i in found["items"]}
    assert all(i["class"] == "Laptop" for i in found["items"])
    found = agent.get("/api/v1/cis", q="зелёный").json
    assert [i["serial"] for i in found["items"]] == ["F-1"]
    found = agent.find(status="in_stock", q="spare")
    assert {i["serial"] for i in found["items"]} == {"F-2", "PF-9Z8Y7X"}  # + the demo's
    found = agent.get("/api/v1/cis", q="f-2").json
    assert found["total"] == 1


def test_lifecycle_and_handover_keep_every_owner(api, app):
    agent = api("agent")
    number = agent.register("Laptop", serial="L-1").json["number"]
    url = f"/api/v1/cis/{number}/transitions"
    assert agent.post(url, {"name": "deploy"}, status=400).json["error"]["code"] == "invalid"
    agent.post(url, {"name": "receive"}, status=200)
    body = agent.post(
        url, {"name": "handover", "owner": "employee", "date": "2026-01-15"}, status=200
    ).json
    assert body["status"] == "deployed" and body["owner"] == "employee"
    agent.post(url, {"name": "handover", "owner": "employee2"}, status=200)
    body = agent.post(url, {"name": "return"}, status=200).json
    assert body["status"] == "in_stock" and body["owner"] is None
    refused = agent.post(url, {"name": "dispose"}, status=409).json
    assert refused["error"]["code"] == "conflict"
    history = agent.get(f"/api/v1/cis/{number}/history").json["items"]
    owners = [h["after"] for h in history if h["action"] == "owner"]
    assert owners == ["employee", "employee2", None]
    assert [h["field"] for h in history if h["action"] == "transition"] == [
        "receive",
        "deploy",
        "return",
    ]
    owner_spans = app.read(lambda root: root["cmdb"][number].owners())
    assert [s["login"] for s in owner_spans] == ["employee", "employee2"]


def test_field_changes_are_in_the_history(api):
    agent = api("agent")
    number = agent.register("Laptop", serial="H-1", fields={"ram_gb": 8}).json["number"]
    agent.patch(f"/api/v1/cis/{number}", {"location": "Room 5", "ram_gb": 16}, status=200)
    history = agent.get(f"/api/v1/cis/{number}/history").json["items"]
    changed = {h["field"]: (h["before"], h["after"]) for h in history if h["action"] == "field"}
    assert changed["location"] == ("", "Room 5")
    assert changed["fields.ram_gb"] == (8, 16)


def test_relations_are_seen_from_both_ends(api):
    agent = api("agent")
    server = agent.register("Server", name="srv", serial="S-1").json["number"]
    service = agent.register("Application service", name="CRM").json["number"]
    agent.relate(service, "runs_on", server)
    agent.relate(service, "runs_on", server)  # idempotent
    agent.relate(service, "explodes", server, status=400)
    agent.relate(service, "runs_on", "CI-999999", status=404)
    agent.relate(service, "runs_on", service, status=400)
    out = agent.get(f"/api/v1/cis/{service}/relations").json["items"]
    assert out == [
        {
            "type": "runs_on",
            "direction": "outgoing",
            "number": server,
            "name": "srv",
            "class": "Server",
        }
    ]
    into = agent.get(f"/api/v1/cis/{server}/relations").json["items"]
    assert [(i["direction"], i["number"]) for i in into] == [("incoming", service)]
    agent.client.delete(
        f"/api/v1/cis/{service}/relations?type=runs_on&target={server}",
        headers=agent.headers,
        status=200,
    )
    assert agent.get(f"/api/v1/cis/{server}/relations").json["items"] == []


def test_impact_follows_dependencies_upward_and_survives_a_cycle(api):
    agent = api("agent")

    def ci(cls, name, **kw):
        return agent.register(cls, name=name, status="deployed", **kw).json["number"]

    disk = ci("Server", "storage", serial="ST-1")
    server = ci("Server", "app server", serial="ST-2")
    mail = ci("Application service", "Mail", owner="admin")
    webmail = ci("Application service", "Webmail", owner="agent2")
    account = ci(
        "Account", "Mail account", owner="employee", fields={"system": "mail", "login": "elena"}
    )
    licence = ci("Software licence", "Mail CALs", owner="employee2", fields={"seats": 5})
    unrelated = ci("Laptop", "Unrelated", serial="U-1", owner="manager")
    agent.relate(server, "runs_on", disk)
    agent.relate(mail, "runs_on", server)
    agent.relate(webmail, "depends_on", mail)
    agent.relate(mail, "depends_on", webmail)  # the cycle
    agent.relate(account, "part_of", mail)
    agent.relate(licence, "licensed_to", mail)
    agent.relate(unrelated, "connected_to", server)

    impact = agent.get(f"/api/v1/cis/{disk}/impact").json
    assert impact["cis"] == sorted([server, mail, webmail])
    assert impact["people"] == ["admin", "agent2", "employee", "employee2"]
    impact = agent.get(f"/api/v1/cis/{webmail}/impact").json
    assert impact["cis"] == [mail]


def test_ci_classes_are_listed_and_admins_add_one(api):
    classes = api("employee").get("/api/v1/ci-classes").json["items"]
    names = {c["name"] for c in classes}
    assert {
        "Laptop",
        "Desktop",
        "Monitor",
        "Phone",
        "Software licence",
        "Account",
        "Server",
        "Network device",
        "Application service",
    } <= names
    phone = next(c for c in classes if c["name"] == "Phone")
    assert [f["name"] for f in phone["fields"]] == ["imei", "number", "mdm_enrolled"]
    new = {
        "name": "Printer",
        "title_ru": "Принтер",
        "fields": [{"name": "pages", "type": "int", "required": True}],
    }
    api("agent").post("/api/v1/ci-classes", new, status=403)
    api("admin").post("/api/v1/ci-classes", new, status=201)
    api("agent").register("Printer", fields={"pages": 3})
    api("agent").register("Printer", expect=400)


def test_the_openapi_description_lists_the_cmdb(api):
    paths = api("agent").get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/cis",
        "/api/v1/cis/{number}/relations",
        "/api/v1/cis/{number}/impact",
        "/api/v1/ci-classes",
    ):
        assert path in paths
