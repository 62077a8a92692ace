"""Administering the catalog: admins add, edit, retire and restore items; nobody else can."""

from __future__ import annotations

import json

import pytest

from tests.conftest import csrf_of, logged_in

FIELDS = [
    {
        "name": "kind",
        "type": "choice",
        "title": "Kind",
        "title_ru": "Вид",
        "required": True,
        "choices": [["a4", "A4 paper"], ["other", "Something else", "Другое"]],
    },
    {
        "name": "what",
        "type": "text",
        "title": "What exactly",
        "required": True,
        "show_if": {"field": "kind", "equals": ["other"]},
    },
    {"name": "quote", "type": "file", "title": "Supplier's quote"},
]
TASKS = [
    {"key": "buy", "group": "Workplace", "title": "Buy it"},
    {"key": "bring", "group": "Service Desk", "title": "Bring it", "depends_on": ["buy"]},
]


def fill_new_item(form, **overrides):
    values = {
        "slug": "office-supplies",
        "name": "Office supplies",
        "name_ru": "Канцтовары",
        "description": "Paper, pens and the like.",
        "category": "office",
        "icon": "pencil",
        "price": "15.50",
        "delivery_days": "3",
        "approval": "manager",
        "fields": json.dumps(FIELDS),
        "tasks": json.dumps(TASKS),
    }
    values.update(overrides)
    for key, value in values.items():
        form[key] = value
    return form


@pytest.mark.parametrize("login", ["employee", "agent", "manager"])
def test_only_admins_reach_the_catalog_admin_pages(app, login):
    client = logged_in(app, login)
    client.get("/catalog/@@manage", status=403)
    client.get("/catalog/@@new-item", status=403)
    client.get("/catalog/new-laptop/@@edit", status=403)
    token = csrf_of(client.get("/catalog/"))
    client.post("/catalog/new-laptop/@@retire", {"csrf_token": token, "active": "0"}, status=403)
    client.post("/catalog/@@new-item", {"csrf_token": token, "slug": "x"}, status=403)
    assert 'id="manage-catalog"' not in client.get("/catalog/").text
    assert app.read(lambda root: root["catalog"]["new-laptop"].active)


def test_admin_lists_items_by_category(app):
    admin = logged_in(app, "admin")
    assert 'id="manage-catalog"' in admin.get("/catalog/").text
    page = admin.get("/catalog/@@manage")
    assert page.html.select_one("#cat-hardware") is not None
    for slug in ("new-laptop", "vpn-access", "onboarding"):
        assert page.html.select_one(f"#admin-item-{slug}") is not None


def test_admin_creates_an_item_that_an_employee_then_orders(app):
    admin = logged_in(app, "admin")
    form = fill_new_item(admin.get("/catalog/@@new-item").forms["item-form"])
    form.submit(status=303)
    item = app.read(
        lambda root: (
            root["catalog"]["office-supplies"].fields,
            root["catalog"]["office-supplies"].approval,
            root["catalog"]["office-supplies"].price,
        )
    )
    assert item[0][1]["show_if"] == {"field": "kind", "equals": ["other"]}
    assert item[1] == ({"kind": "manager"},) and item[2] == 15.5
    assert "Catalog item added" in admin.get("/catalog/@@manage").text

    employee = logged_in(app, "employee")
    assert 'id="item-office-supplies"' in employee.get("/catalog/").text
    order = employee.get("/catalog/office-supplies").forms["order-form"]
    order["kind"] = "other"
    refused = order.submit("submit", status=400)  # "what" is shown and required
    order = refused.forms["order-form"]
    order["what"] = "A whiteboard"
    page = order.submit("submit", status=303).follow()
    assert "Awaiting approval" in page.text
    answers = app.read(lambda root: dict(root["requests"]["REQ-000001"].answers))
    assert answers == {"kind": "other", "what": "A whiteboard"}


def test_admin_edits_an_item_and_only_new_orders_change(app, api):
    before = api("employee").order("new-laptop")
    admin = logged_in(app, "admin")
    form = admin.get("/catalog/new-laptop/@@edit").forms["item-form"]
    fields = json.loads(form["fields"].value)
    assert [f["name"] for f in fields][:2] == ["model", "other_model"]
    fields.append({"name": "bag", "type": "checkbox", "title": "With a bag"})
    form["fields"] = json.dumps(fields)
    form["name"] = "New laptop (2027 range)"
    form["price"] = "1500"
    form["approval"] = "manager_group"
    form["approval_group"] = "Finance"
    form.submit(status=303)
    item = app.read(lambda root: root["catalog"]["new-laptop"])
    assert item.name == "New laptop (2027 range)" and item.price == 1500.0
    assert item.approval == ({"kind": "manager"}, {"kind": "group", "group": "Finance"})
    assert item.fields[-1]["name"] == "bag"
    assert item.tasks[1]["depends_on"] == ("prepare",)  # untouched checklist kept
    old = api("employee").request(before["number"])
    assert old["title"] == "New laptop" and old["price"] == 1200.0
    new = api("employee").order("new-laptop", {"model": "standard", "bag": True})
    assert new["fields"]["bag"] is True and new["price"] == 1500.0
    audit = admin.get("/catalog/@@manage").text
    assert "Catalog item changed" in audit


def test_custom_approval_is_kept_when_editing(app):
    admin = logged_in(app, "admin")
    page = admin.get("/catalog/shared-access/@@edit")
    form = page.forms["item-form"]
    assert form["approval"].value == "custom"
    assert "by_field" in page.html.select_one("#custom-approval").text
    form["description"] = "Read or write access."
    form.submit(status=303)
    item = app.read(lambda root: root["catalog"]["shared-access"])
    assert item.approval[0]["by_field"] == "system"
    assert item.description == "Read or write access."


def test_bad_definitions_come_back_with_messages_and_nothing_changes(app):
    admin = logged_in(app, "admin")
    form = admin.get("/catalog/@@new-item").forms["item-form"]
    bad_fields = [
        {"name": "kind", "type": "colour", "title": "Kind"},
        {"name": "x", "type": "text", "title": "X", "show_if": {"field": "nope", "equals": ["a"]}},
    ]
    bad_tasks = [{"key": "buy", "group": "Nowhere", "title": "Buy"}]
    fill_new_item(
        form,
        slug="new-laptop",
        price="cheap",
        approval="group",
        fields=json.dumps(bad_fields),
        tasks=json.dumps(bad_tasks),
    )
    refused = form.submit(status=400)
    assert "Another item has this identifier." in refused.html.select_one("#slug-error").text
    assert refused.html.select_one("#price-error") is not None
    assert refused.html.select_one("#approval_group-error") is not None
    fields_errors = [li.text for li in refused.html.select("#fields-error li")]
    assert fields_errors[0].startswith("Field 1 “kind”: “type” is one of")
    assert "Field 2 “x”: “show_if” names “nope”" in fields_errors[1]
    tasks_errors = refused.html.select_one("#tasks-error").text
    assert "Task 1 “buy”: “group” is one of the support groups" in tasks_errors
    # what was typed is still there
    assert json.loads(refused.forms["item-form"]["fields"].value) == bad_fields
    syntax = fill_new_item(refused.forms["item-form"], fields='[{"name": "a",}]')
    again = syntax.submit(status=400)
    assert "Not valid JSON: line 1" in again.html.select_one("#fields-error").text
    assert app.read(lambda root: "office-supplies" in root["catalog"]) is False


def test_retired_item_cannot_be_ordered_and_can_be_restored(app, api):
    admin = logged_in(app, "admin")
    manage = admin.get("/catalog/@@manage")
    manage.forms["retire-vpn-access"].submit("active", value="0", status=303)
    assert app.read(lambda root: root["catalog"]["vpn-access"].active) is False
    employee = logged_in(app, "employee")
    assert 'id="item-vpn-access"' not in employee.get("/catalog/").text
    employee.get("/catalog/vpn-access", status=404)
    api("employee").order("vpn-access", status=400)
    manage = admin.get("/catalog/@@manage")
    assert manage.html.select_one("#admin-item-vpn-access")["data-active"] == "0"
    manage.forms["retire-vpn-access"].submit("active", value="1", status=303)
    assert 'id="item-vpn-access"' in employee.get("/catalog/").text
    text = admin.get("/catalog/@@manage").text
    assert "Catalog item retired" in text and "Catalog item restored" in text


def test_audience_limits_who_sees_a_new_item(app):
    admin = logged_in(app, "admin")
    form = fill_new_item(
        admin.get("/catalog/@@new-item").forms["item-form"],
        audience="department",
        audience_department="Finance",
        approval="none",
    )
    form.submit(status=303)
    assert 'id="item-office-supplies"' not in logged_in(app, "employee").get("/catalog/").text
    assert 'id="item-office-supplies"' in logged_in(app, "employee2").get("/catalog/").text


def test_admin_adds_and_changes_an_item_through_the_api(app, api):
    admin = api("admin")
    body = {
        "id": "office-supplies",
        "name": "Office supplies",
        "category": "office",
        "price": 15.5,
        "approval": [{"kind": "manager"}],
        "fields": FIELDS,
        "tasks": TASKS,
    }
    created = admin.post("/api/v1/catalog", body, status=201).json
    assert created["id"] == "office-supplies" and created["fields"][1]["show_if"]["field"] == "kind"
    changed = admin.client.put_json(
        "/api/v1/catalog/office-supplies",
        {"price": 20, "approval": []},
        headers=admin.headers,
        status=200,
    ).json
    assert changed["price"] == 20.0 and changed["approval"] == []
    assert changed["name"] == "Office supplies"  # left out: kept
    ordered = api("employee").order("office-supplies", {"kind": "a4"})
    assert ordered["status"] != "awaiting_approval" and ordered["price"] == 20.0


def test_catalog_api_refuses_bad_definitions_and_non_admins(app, api):
    bad = {"id": "x1", "name": "X", "fields": [{"name": "a", "type": "colour", "title": "A"}]}
    refused = api("admin").post("/api/v1/catalog", bad, status=400).json["error"]["fields"]
    assert refused["fields"].startswith("Field 1 “a”: “type” is one of")
    custom = {"id": "x2", "name": "X", "approval": [{"kind": "people", "people": ["a"]}]}
    assert (
        "approval"
        in api("admin").post("/api/v1/catalog", custom, status=400).json["error"]["fields"]
    )
    for login in ("employee", "agent"):
        api(login).post("/api/v1/catalog", {"id": "x3", "name": "X"}, status=403)
        client = api(login)
        client.client.put_json(
            "/api/v1/catalog/new-laptop", {"price": 1}, headers=client.headers, status=403
        )
    assert app.read(lambda root: root["catalog"]["new-laptop"].price) == 1200.0
    assert app.read(lambda root: "x3" in root["catalog"]) is False


def test_catalog_admin_forms_need_a_csrf_token_and_pages_do_not_commit(app):
    admin = logged_in(app, "admin")
    before = app.db.lastTransaction()
    admin.get("/catalog/@@manage")
    admin.get("/catalog/@@new-item")
    admin.get("/catalog/new-laptop/@@edit")
    assert app.db.lastTransaction() == before
    admin.post("/catalog/new-laptop/@@retire", {"active": "0"}, status=400)
    assert app.read(lambda root: root["catalog"]["new-laptop"].active)


def test_a_draft_answering_a_removed_field_is_still_sent(app, api):
    admin = api("admin")
    body = {"id": "office-supplies", "name": "Office supplies", "approval": []}
    admin.post("/api/v1/catalog", {**body, "fields": FIELDS, "tasks": TASKS}, status=201)
    employee = api("employee")
    draft = employee.order("office-supplies", {"kind": "other", "what": "A lamp"}, draft=True)
    admin.client.put_json(
        "/api/v1/catalog/office-supplies",
        {"fields": FIELDS[:1]},
        headers=admin.headers,
        status=200,
    )
    employee.post(f"/api/v1/requests/{draft['number']}/transitions", {"name": "submit"})
    sent = employee.request(draft["number"])
    assert sent["status"] != "draft"
    assert sent["fields"] == {"kind": "other"}
