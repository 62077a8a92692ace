"""API tokens with an expiry: made through the API and the profile page, listed without the
secret, refused once expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsm.security.tokens import create_token
from tests.conftest import csrf_of, logged_in


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_token_with_expires_in_days_is_listed_with_its_expiry(app):
    employee = logged_in(app, "employee")
    csrf = {"X-CSRF-Token": csrf_of(employee.get("/"))}
    made = employee.post_json(
        "/api/v1/me/tokens", {"label": "script", "expires_in_days": 30}, headers=csrf, status=201
    ).json
    expires = datetime.fromisoformat(made["expires"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    employee.post_json("/api/v1/me/tokens", {"label": "forever"}, headers=csrf, status=201)
    listed = app.client().get("/api/v1/me/tokens", headers=bearer(made["token"])).json["items"]
    assert [(t["label"], t["expired"]) for t in listed] == [("script", False), ("forever", False)]
    assert listed[0]["expires"] == made["expires"] and listed[1]["expires"] is None
    assert listed[0]["hint"] == made["token"][-4:]
    assert made["token"] not in str(listed)  # never the secret
    others = logged_in(app, "agent").get("/api/v1/me/tokens").json["items"]
    assert others == []  # one's own tokens only


def test_an_expiry_date_works_to_the_end_of_that_day_and_a_past_one_is_refused(app):
    employee = logged_in(app, "employee")
    csrf = {"X-CSRF-Token": csrf_of(employee.get("/"))}
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    made = employee.post_json(
        "/api/v1/me/tokens", {"expires": day.isoformat()}, headers=csrf, status=201
    ).json
    assert made["expires"].startswith((day + timedelta(days=1)).isoformat() + "T00:00:00")
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    refused = employee.post_json(
        "/api/v1/me/tokens", {"expires": past}, headers=csrf, status=400
    ).json["error"]
    assert "expires" in refused["fields"]
    employee.post_json("/api/v1/me/tokens", {"expires_in_days": 0}, headers=csrf, status=400)


def test_an_expired_token_is_refused(app):
    made = datetime.now(UTC) - timedelta(days=10)
    token = app.write(
        lambda root: create_token(
            root.tokens, "employee", "old", now=made, expires=made + timedelta(days=7)
        )
    )
    response = app.client().get("/api/v1/me", headers=bearer(token), status=401)
    assert response.json["error"]["code"] == "unauthorized"
    listed = logged_in(app, "employee").get("/api/v1/me/tokens").json["items"]
    assert [(t["label"], t["expired"]) for t in listed] == [("old", True)]


def test_the_profile_page_makes_a_token_with_an_expiry_and_shows_it(app):
    employee = logged_in(app, "employee")
    page = employee.get("/people/employee/")
    form = page.forms["token-form"]
    form["label"] = "laptop"
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    form["expires"] = day.isoformat()
    shown = form.submit()
    assert shown.html.select_one("#new-token") is not None
    cells = [c.text for c in shown.html.select("td.token-expires")]
    assert cells == [f"{day + timedelta(days=1):%Y-%m-%d} 00:00 UTC"]
    form = shown.forms["token-form"]
    form["expires"] = "2001-01-01"
    refused = form.submit(status=400)
    assert "Choose an expiry date in the future" in refused.text
