"""The portal: the catalog with search, an item's order form, drafts, my requests."""

from __future__ import annotations

from tests.conftest import logged_in, login


def test_catalog_page_lists_and_searches_items(app):
    client = logged_in(app, "employee")
    page = client.get("/catalog/")
    for slug in ("new-laptop", "vpn-access", "onboarding", "offboarding"):
        assert f'id="item-{slug}"' in page.text
    found = client.get("/catalog/", params={"q": "phone"})
    assert 'id="item-new-phone"' in found.text and 'id="item-new-laptop"' not in found.text


def test_catalog_page_shows_russian_names_in_russian(app):
    client = app.client(HTTP_ACCEPT_LANGUAGE="ru")
    login(client, "employee")
    page = client.get("/catalog/")
    assert "Новый ноутбук" in page.text and "New laptop" not in page.text


def test_order_form_is_generated_from_the_item_and_orders(app):
    client = logged_in(app, "employee")
    page = client.get("/catalog/new-laptop")
    form = page.forms["order-form"]
    assert form["model"].options  # a choice field from the definition
    refused = form.submit("submit", status=400)  # model is required
    assert "order-form" in refused.text
    form = refused.forms["order-form"]
    form["model"] = "ultralight"
    form["reason"] = "Travelling a lot"
    done = form.submit("submit", status=303).follow()
    assert "REQ-000001" in done.text
    assert "Awaiting approval" in done.text
    mine = client.get("/requests/")
    assert "REQ-000001" in mine.text


def test_draft_is_saved_half_filled_and_sent_later(app):
    client = logged_in(app, "employee")
    form = client.get("/catalog/new-phone").forms["order-form"]
    page = form.submit("draft", status=303).follow()
    assert "Draft" in page.text
    number = "REQ-000001"
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/requests/{number}/transition", {"csrf_token": token, "name": "submit"})
    still = client.get(f"/requests/{number}")
    assert "Draft" in still.text  # the model is still missing
    ok = app.read(lambda root: root["requests"][number].status)
    assert ok == "draft"


def test_employee_cannot_open_someone_elses_request_page(app, api):
    number = api("employee").order("new-laptop")["number"]
    other = logged_in(app, "employee2")
    other.get(f"/requests/{number}", status=404)
    assert number not in other.get("/requests/").text
    assert number in logged_in(app, "manager").get(f"/requests/{number}").text


def test_portal_pages_do_not_commit(app, api):
    number = api("employee").order("new-laptop")["number"]
    client = logged_in(app, "employee")
    before = app.db.lastTransaction()
    client.get("/catalog/")
    client.get("/catalog/new-laptop")
    client.get("/requests/")
    client.get(f"/requests/{number}")
    client.get("/approvals/")
    assert app.db.lastTransaction() == before


def test_agent_works_the_tasks_from_the_request_page(app, api):
    number = api("employee").order("software-install")["number"]
    agent = logged_in(app, "agent")
    page = agent.get(f"/requests/{number}")
    task = api("agent").tasks(number)[0]["id"]
    page = page.forms[f"work-{task}"].submit("name", value="start").follow()
    page.forms[f"work-{task}"].submit("name", value="done").follow()
    assert api("employee").request(number)["status"] == "resolved"
    employee = logged_in(app, "employee")
    assert f"work-{task}" not in employee.get(f"/requests/{number}").text
