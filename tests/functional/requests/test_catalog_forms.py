"""Conditional and file fields of catalog forms, in the portal and the JSON API."""

from __future__ import annotations

import base64

from webtest import Upload

from tests.conftest import csrf_of, logged_in
from tests.functional.requests.conftest import RequestClient

LAPTOP = {"model": "other", "other_model": "A 17″ workstation for CAD", "reason": "CAD work"}
ACCESS = {"system": "fileshare", "path": "/finance", "level": "read"}


def file_answer(content: bytes, filename: str = "signed form.pdf") -> dict:
    return {"filename": filename, "content_base64": base64.b64encode(content).decode()}


# -- conditions ----------------------------------------------------------------------------------


def test_catalog_api_exposes_the_condition(api):
    items = {i["id"]: i for i in api("employee").get("/api/v1/catalog").json["items"]}
    fields = {f["name"]: f for f in items["new-laptop"]["fields"]}
    assert fields["other_model"]["show_if"] == {"field": "model", "equals": ["other"]}
    assert fields["other_model"]["required"] is True
    assert fields["model"].get("show_if") is None
    assert {f["name"]: f["type"] for f in items["shared-access"]["fields"]}["signed_form"] == "file"


def test_openapi_documents_conditions_and_file_answers(app, api):
    spec = api("employee").get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert "show_if" in schemas["CatalogField"]["properties"]
    assert "file" in schemas["CatalogField"]["properties"]["type"]["enum"]
    assert schemas["FileAnswer"]["required"] == ["filename", "content_base64"]
    body = spec["paths"]["/api/v1/requests"]["post"]["requestBody"]
    fields = body["content"]["application/json"]["schema"]["properties"]["fields"]
    assert "content_base64" in fields["description"]


def test_api_requires_a_shown_dependent_field(api):
    refused = api("employee").order("new-laptop", {"model": "other"}, status=400)
    assert "other_model" in refused["error"]["fields"]


def test_api_drops_the_answer_of_a_hidden_field(api):
    answers = {"model": "standard", "other_model": "ignored", "reason": "Old one died"}
    created = api("employee").order("new-laptop", answers)
    assert created["fields"] == {"model": "standard", "reason": "Old one died"}


def test_api_keeps_the_answer_of_a_shown_field(api):
    created = api("employee").order("new-laptop", LAPTOP)
    assert created["fields"]["other_model"] == LAPTOP["other_model"]


def test_order_form_marks_the_dependent_field_for_the_script(app):
    client = logged_in(app, "employee")
    page = client.get("/catalog/new-laptop")
    assert "catalog-form.js" in page.text
    field = page.html.find("input", attrs={"name": "other_model"})
    assert field["data-show-if"] == '{"field": "model", "equals": ["other"]}'
    assert field.get("required") is None  # hidden by default: the browser must not insist
    assert "itsm-conditional" in field.find_parent(class_="itsm-conditional")["class"]


def test_order_form_requires_the_shown_dependent_field(app):
    client = logged_in(app, "employee")
    form = client.get("/catalog/new-laptop").forms["order-form"]
    form["model"] = "other"
    refused = form.submit("submit", status=400)
    error = refused.html.find(id=lambda v: v and v.startswith("error-"))
    assert error is not None and "Required" in error.text
    assert app.read(lambda root: len(root["requests"])) == 0
    form = refused.forms["order-form"]
    form["other_model"] = "A 17″ workstation"
    done = form.submit("submit", status=303).follow()
    assert "A 17″ workstation" in done.text


def test_order_form_without_script_ignores_a_hidden_field(app):
    client = logged_in(app, "employee")
    form = client.get("/catalog/new-laptop").forms["order-form"]
    form["model"] = "standard"
    form["other_model"] = "typed, then changed my mind"
    form.submit("submit", status=303)
    answers = app.read(lambda root: dict(root["requests"]["REQ-000001"].answers))
    assert answers == {"model": "standard"}


# -- files ---------------------------------------------------------------------------------------


def order_access_with_file(app, content: bytes = b"%PDF-1.4 signed", draft: bool = False):
    client = logged_in(app, "employee")
    form = client.get("/catalog/shared-access").forms["order-form"]
    form["system"] = "fileshare"
    form["level"] = "write"
    form["signed_form"] = Upload("signed form.pdf", content, "application/pdf")
    page = form.submit("draft" if draft else "submit", status=303).follow()
    return client, page


def test_file_uploaded_on_the_order_form_is_listed_and_downloads(app):
    client, page = order_access_with_file(app)
    link = page.html.select_one("#request-files a")
    assert link.text == "signed form.pdf"
    download = client.get(link["href"])
    assert download.body == b"%PDF-1.4 signed"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="signed form.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    stored = app.read(lambda root: root["requests"]["REQ-000001"].answers["signed_form"])
    assert stored == "signed form.pdf"


def test_file_is_only_for_the_requester_and_it_staff(app):
    order_access_with_file(app)
    url = "/requests/REQ-000001/@@file?field=signed_form"
    assert logged_in(app, "agent").get(url).body == b"%PDF-1.4 signed"
    logged_in(app, "employee2").get(url, status=404)
    app.client().get(url, status=(302, 303, 401, 403))
    assert logged_in(app, "admin").get(url).status_int == 200


def test_approver_who_is_not_staff_cannot_download(app, api):
    created = api("employee").order(
        "shared-access", dict(ACCESS, system="crm", signed_form=file_answer(b"%PDF-form"))
    )
    number = created["number"]
    manager = logged_in(app, "manager")  # Change Board approves CRM access
    page = manager.get(f"/requests/{number}")
    assert "request-files" not in page.text
    manager.get(f"/requests/{number}/@@file?field=signed_form", status=403)
    assert (
        logged_in(app, "employee").get(f"/requests/{number}/@@file?field=signed_form").body
        == b"%PDF-form"
    )


def test_unknown_file_field_is_not_found(app):
    client, _page = order_access_with_file(app)
    client.get("/requests/REQ-000001/@@file?field=nope", status=404)


def test_too_large_file_is_refused_and_nothing_is_saved(make_app):
    app = make_app(**{"itsm.attachments.max_bytes": "10"})
    client = logged_in(app, "employee")
    form = client.get("/catalog/shared-access").forms["order-form"]
    form["system"] = "fileshare"
    form["level"] = "read"
    form["signed_form"] = Upload("big.pdf", b"x" * 11, "application/pdf")
    refused = form.submit("submit", status=400)
    assert "Too large: big.pdf" in refused.text
    assert "Please choose the files again." in refused.text
    assert app.read(lambda root: len(root["requests"])) == 0
    body = dict(ACCESS, signed_form=file_answer(b"x" * 11))
    api_refused = RequestClient(app, "employee").order("shared-access", body, status=400)
    assert "signed_form" in api_refused["error"]["fields"]


def test_api_accepts_a_base64_file(api, app):
    created = api("employee").order(
        "shared-access", dict(ACCESS, signed_form=file_answer(b"%PDF-hello", "../../etc/x.pdf"))
    )
    assert created["fields"]["signed_form"] == "x.pdf"
    size = app.read(lambda root: root["requests"][created["number"]].attachments[0].size)
    assert size == 10


def test_api_refuses_a_bad_file_answer(api):
    client = api("employee")
    bad = client.order("shared-access", dict(ACCESS, signed_form="x.pdf"), status=400)
    assert "signed_form" in bad["error"]["fields"]
    bad = client.order(
        "shared-access",
        dict(ACCESS, signed_form={"filename": "a.pdf", "content_base64": "not base64!"}),
        status=400,
    )
    assert "base64" in bad["error"]["fields"]["signed_form"]


def test_a_draft_keeps_its_file_when_sent(app):
    client, page = order_access_with_file(app, b"%PDF-draft file", draft=True)
    assert "Draft" in page.text
    link = page.html.select_one("#request-files a")["href"]
    token = csrf_of(page)
    client.post("/requests/REQ-000001/transition", {"csrf_token": token, "name": "submit"})
    status = app.read(lambda root: root["requests"]["REQ-000001"].status)
    assert status != "draft"
    assert client.get(link).body == b"%PDF-draft file"


def test_api_downloads_a_file_for_the_requester_and_staff_only(api):
    created = api("employee").order(
        "shared-access", dict(ACCESS, signed_form=file_answer(b"%PDF-abc"))
    )
    path = f"/api/v1/requests/{created['number']}/files/signed_form"
    got = api("employee").get(path)
    assert got.body == b"%PDF-abc" and got.headers["Content-Disposition"].startswith("attachment;")
    assert api("agent").get(path).body == b"%PDF-abc"
    assert api("employee2").get(path, status=404).json["error"]["code"] == "not_found"
    api("employee").get(f"/api/v1/requests/{created['number']}/files/nope", status=404)
