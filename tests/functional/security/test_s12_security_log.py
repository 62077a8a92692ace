"""RELIABILITY.md S12: security events are logged with who, from where and when, and the log
never holds the passwords and tokens that were used."""

from __future__ import annotations

import logging
import re

from tests.conftest import csrf_of, logged_in, login

WRONG_PASSWORD = "Wr0ng-Passw0rd-S12!"
NEW_PASSWORD = "Fresh-Passw0rd-S12?"
LINK_RE = re.compile(r"http://localhost/password-reset/confirm\?token=([A-Za-z0-9_\-]+)")


def _reset_token(app) -> str:
    texts = app.read(lambda root: [m.text for m in root.outbox if m.kind == "password_reset"])
    return LINK_RE.search(texts[-1]).group(1)


def test_security_events_are_logged_without_secrets(app, caplog):
    app.registry.itsm_password_reset.min_seconds = 0.0
    caplog.set_level(logging.DEBUG)
    secrets_used = ["demo", WRONG_PASSWORD, NEW_PASSWORD]

    # Logging in, and failing to.
    client = app.client(REMOTE_ADDR="10.1.2.3")
    login(client, "employee", WRONG_PASSWORD, status=200)
    login(client, "employee", "demo")
    # An API token, shown once, then used.
    made = client.post_json(
        "/api/v1/me/tokens", {"label": "s12"}, headers={"X-CSRF-Token": csrf_of(client.get("/"))}
    )
    token = made.json["token"]
    secrets_used.append(token)
    app.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}, status=200)
    # Denied access: someone else's profile, the settings.
    client.get("/people/employee2/", status=404)
    client.get("/settings/", status=404)
    # A password reset through the mailed link (the token in the query string).
    anonymous = app.client(REMOTE_ADDR="10.1.2.4")
    form = anonymous.get("/password-reset").forms["reset-form"]
    form["login"] = "employee2"
    form.submit(status=200)
    reset = _reset_token(app)
    secrets_used.append(reset)
    page = anonymous.get(f"/password-reset/confirm?token={reset}")
    form = page.forms["reset-confirm-form"]
    form["password"] = form["password2"] = NEW_PASSWORD
    form.submit(status=200)
    # The change calendar's secret feed URL.
    agent = logged_in(app, "agent")
    url = agent.post_json(
        "/api/v1/changes/calendar/feed", {}, headers={"X-CSRF-Token": csrf_of(agent.get("/"))}
    ).json["url"]
    feed = url.rsplit("/", 1)[-1]
    secrets_used.append(feed.removesuffix(".ics"))
    app.client().get(f"/api/v1/changes/calendar/{feed}", status=200)
    # An administrator changes a setting.
    admin = logged_in(app, "admin")
    page = admin.get("/settings/incidents/")
    form = page.forms["defaults-form"]
    choices = [value for value, _selected, _text in form["default_group"].options]
    form["default_group"] = next(v for v in choices if v and v != form["default_group"].value)
    form.submit(status=303)
    # The session cookies themselves.
    for session in (client, admin):
        secrets_used.append(session.cookies["itsm_session"])

    text = "\n".join(f"{r.created} {r.name} {r.getMessage()}" for r in caplog.records)
    leaked = [s for s in secrets_used if s and s in text]
    assert leaked == [], leaked
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("failed login for 'employee' from 10.1.2.3") for m in messages)
    assert any(m.startswith("login employee from 10.1.2.3") for m in messages)
    assert any("access denied" in m and "employee" in m and "10.1.2.3" in m for m in messages)
    assert any("password reset_request" in m and "client=10.1.2.4" in m for m in messages)
    assert any(m.startswith("settings incidents defaults") and "admin" in m for m in messages)
    # Each record has its time (the handlers' format prints it).
    assert all(r.created for r in caplog.records)
