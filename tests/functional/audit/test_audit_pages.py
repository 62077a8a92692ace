"""The audit for administrators: what it shows (logins, failed logins and lockouts, password
resets, settings changes, tokens made), its filters, the CSV and the API; refused to everyone
else on every endpoint."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import csrf_of, logged_in, login

ZONE = ZoneInfo("Europe/Moscow")  # itsm.reports.timezone in etc/test.ini
PAGES = ("/admin/", "/admin/audit", "/admin/audit.csv", "/admin/inactive")


def today() -> str:
    return datetime.now(ZONE).date().isoformat()


def api_events(client, **params):
    return client.get("/api/v1/audit", params=params).json["items"]


@pytest.mark.parametrize("user", ["employee", "agent", "manager"])
def test_everyone_but_administrators_is_refused_on_every_audit_endpoint(app, user):
    client = logged_in(app, user)
    for url in PAGES:
        client.get(url, status=404)  # the admin area is hidden, like a missing page (S3)
    response = client.get("/api/v1/audit", status=404)
    assert response.json["error"]["code"] == "not_found"
    assert "/admin/" not in client.get("/").text  # no menu entry either


def test_anonymous_callers_get_nothing(app):
    client = app.client()
    for url in PAGES:
        assert client.get(url, expect_errors=True).status_int in (302, 303, 401, 403)
    assert client.get("/api/v1/audit", expect_errors=True).status_int == 401


def test_logins_failures_and_lockouts_are_recorded(app):
    logged_in(app, "employee")
    for _ in range(5):  # the fifth failure locks the login name (itsm.login.max_failures)
        login(app.client(), "agent2", "wrong", status=200)
    login(app.client(), "agent2", "demo", status=429)  # locked: only logged, not kept again
    admin = logged_in(app, "admin")
    logins = api_events(admin, kind="login")
    assert [e["subject"] for e in logins] == ["admin", "employee"]
    assert logins[1]["client"] == "127.0.0.1" and logins[1]["outcome"] == "done"
    failed = api_events(admin, kind="login_failed")
    assert [(e["subject"], e["outcome"]) for e in failed] == [("agent2", "password")] * 4
    lockouts = api_events(admin, kind="lockout")
    assert [e["subject"] for e in lockouts] == ["agent2"]
    assert {e["kind"] for e in api_events(admin, person="agent2")} == {"login_failed", "lockout"}


def test_password_resets_settings_changes_and_tokens_are_shown_from_where_they_are_kept(app):
    anonymous = app.client()
    anonymous.post_json("/api/v1/password-reset", {"login": "employee"}, status=202)
    admin = logged_in(app, "admin")
    csrf = {"X-CSRF-Token": csrf_of(admin.get("/"))}
    matrix = admin.get("/api/v1/settings/incidents").json["matrix"]
    matrix["high"]["high"] = 2
    admin.put_json("/api/v1/settings/incidents/matrix", matrix, headers=csrf, status=200)
    admin.post_json("/api/v1/me/tokens", {"label": "monitoring"}, headers=csrf, status=201)
    kinds = {e["kind"]: e for e in api_events(admin)}
    assert kinds["password"]["subject"] == "employee"
    assert kinds["password"]["detail"] == "reset requested"
    assert kinds["settings"]["actor"] == "admin"
    assert kinds["settings"]["detail"] == "Priority matrix changed"
    assert kinds["token"]["subject"] == "admin" and "monitoring" in kinds["token"]["detail"]

    page = admin.get("/admin/audit")
    table = page.html.select_one("#audit-table").text
    for shown in ("Password reset or change", "Settings change", "API token made", "Login"):
        assert shown in table
    only = admin.get("/admin/audit", params={"kind": "settings"}).html.select(
        "#audit-table tbody tr"
    )
    assert len(only) == 1


def test_date_range_and_bad_filters(app):
    admin = logged_in(app, "admin")
    yesterday = (datetime.now(ZONE).date() - timedelta(days=1)).isoformat()
    assert api_events(admin, to=yesterday) == []
    assert [e["kind"] for e in api_events(admin, **{"from": today(), "to": today()})] == ["login"]
    bad = admin.get("/api/v1/audit", params={"from": "tomorrow"}, status=400)
    assert bad.json["error"]["code"] in ("invalid", "validation")
    admin.get("/api/v1/audit", params={"kind": "nonsense"}, status=400)
    page = admin.get("/admin/audit", params={"from": today(), "to": yesterday}, status=400)
    assert "after" in page.text


def test_csv_is_utf8_with_bom_semicolons_and_the_filtered_rows(app):
    logged_in(app, "employee")
    admin = logged_in(app, "admin")
    response = admin.get("/admin/audit.csv", params={"kind": "login"})
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["at", "kind", "actor", "subject", "outcome", "detail", "client"]
    assert [r[3] for r in rows[1:]] == ["admin", "employee"]
    link = admin.get("/admin/audit", params={"kind": "login"}).html.select_one(
        "a[href*='audit.csv']"
    )
    assert "kind=login" in link["href"]


def test_reading_the_audit_writes_nothing(app):
    admin = logged_in(app, "admin")
    before = app.db.lastTransaction()
    for url in PAGES:
        admin.get(url)
    admin.get("/api/v1/audit")
    assert app.db.lastTransaction() == before


def test_the_administrators_menu_links_the_audit_and_the_inactive_people(app):
    admin = logged_in(app, "admin")
    assert admin.get("/").html.select_one("nav a[href$='/admin/']") is not None
    overview = admin.get("/admin/")
    assert overview.html.select_one("a[href$='/admin/audit']") is not None
    assert overview.html.select_one("a[href$='/admin/inactive']") is not None
    assert "Nobody is inactive." in admin.get("/admin/inactive").text


def test_old_entries_are_pruned_by_the_timer(app):
    from itsm.audit.jobs import prune_audit
    from itsm.audit.record import record
    from itsm.worker.jobs import JobContext

    old = datetime.now(UTC) - timedelta(days=500)
    app.write(lambda root: record(root, "login", "admin", "admin", "done", now=old))
    assert prune_audit(JobContext(app.registry, app.db)) == 1
    assert "audit_prune" in app.registry.itsm_jobs


def test_openapi_describes_the_audit_and_the_token_list(app):
    spec = app.client().get("/api/v1/openapi.json").json
    audit = spec["paths"]["/api/v1/audit"]["get"]
    assert {p["name"] for p in audit["parameters"]} >= {"kind", "person", "from", "to", "page"}
    assert "403" in audit["responses"]
    tokens = spec["paths"]["/api/v1/me/tokens"]
    assert "get" in tokens
    body = tokens["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"label", "expires", "expires_in_days"} <= set(body["properties"])
