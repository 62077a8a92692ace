"""Password reset end to end against a real slapd (ppolicy: minimum length, history) and a
real SMTP server: request, mail, link, new password, bind."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import login
from tests.plugins.slapd import PASSWORD

pytestmark = pytest.mark.ldap

LINK_RE = re.compile(r"http://localhost(/password-reset/confirm\?token=[A-Za-z0-9_\-]+)")
INVALID = "This link is not valid or has expired"


@pytest.fixture
def server(make_slapd):
    return make_slapd()


@pytest.fixture
def app(make_app, server, smtp_server):
    app = make_app(demo=False, **server.settings_overrides(), **smtp_server.settings_overrides())
    app.registry.itsm_password_reset.min_seconds = 0.05
    return app


def deliver(app):
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    now = datetime.now(UTC)
    return deliver_outbox(JobContext(app.registry, app.db, now=lambda: now))


def ask_and_follow(app, smtp_server, client, count):
    """Ask for a reset of pwuser, deliver the mail, return the link's path from it."""
    page = client.get("/password-reset")
    form = page.forms["reset-form"]
    form["login"] = "pwuser"
    assert "If an account with this login exists" in form.submit().text
    deliver(app)
    received = smtp_server.wait_for(count)[count - 1]
    assert received.rcpt_tos == ("pwuser@example.com",)  # the directory's address
    body = received.message.get_body(("plain",)).get_content()
    return LINK_RE.search(body).group(1)


def set_password(client, path, password, status=200):
    form = client.get(path).forms["reset-confirm-form"]
    form["password"] = form["password2"] = password
    return form.submit(status=status)


def test_reset_through_the_mail_link_changes_the_directory_password(
    app, server, smtp_server, make_directory
):
    directory = make_directory(server)
    session = app.client()
    login(session, "pwuser", PASSWORD)
    client = app.client()
    path = ask_and_follow(app, smtp_server, client, 1)

    done = set_password(client, path, "reset-by-mail-1")
    assert "Your password has been changed" in done.text
    assert directory.authenticate("pwuser", "reset-by-mail-1").login == "pwuser"
    assert directory.authenticate("pwuser", PASSWORD) is None
    login(app.client(), "pwuser", "reset-by-mail-1")
    login(app.client(), "pwuser", PASSWORD, status=200)
    session.get("/api/v1/me", status=401)  # the session from before the reset ended
    # The token fails the second time.
    again = client.get(path, status=400)
    assert INVALID in again.text
    # The confirmation mail.
    deliver(app)
    confirmation = smtp_server.wait_for(2)[1]
    assert confirmation.rcpt_tos == ("pwuser@example.com",)
    assert "Your password has been changed" in confirmation.message["Subject"]


def test_directory_refusals_are_shown_in_plain_words(app, server, smtp_server, make_directory):
    directory = make_directory(server)
    client = app.client()
    path = ask_and_follow(app, smtp_server, client, 1)
    short = set_password(client, path, "short", status=400)
    assert "This password is too short" in short.text
    set_password(client, path, "first-new-password")

    path = ask_and_follow(app, smtp_server, client, 3)  # 2 was the confirmation
    reused = set_password(client, path, "first-new-password", status=400)
    assert "You have used this password recently" in reused.text
    assert directory.authenticate("pwuser", "first-new-password") is not None


def test_api_reset_against_the_directory(app, server, smtp_server, make_directory):
    directory = make_directory(server)
    client = app.client()
    client.post_json("/api/v1/password-reset", {"login": "pwuser"}, status=202)
    client.post_json("/api/v1/password-reset", {"login": "no-such-person"}, status=202)
    deliver(app)
    (received,) = smtp_server.wait_for(1)
    body = received.message.get_body(("plain",)).get_content()
    token = LINK_RE.search(body).group(1).split("token=")[1]
    refused = client.post_json(
        "/api/v1/password-reset/confirm", {"token": token, "password": "short"}, status=400
    )
    assert refused.json["error"]["fields"]["password"].startswith("This password is too short")
    client.post_json(
        "/api/v1/password-reset/confirm",
        {"token": token, "password": "reset-by-api-1"},
        status=200,
    )
    assert directory.authenticate("pwuser", "reset-by-api-1") is not None
    client.post_json(
        "/api/v1/password-reset/confirm",
        {"token": token, "password": "reset-by-api-2"},
        status=400,
    )


def test_change_password_in_the_directory(app, server, make_directory):
    directory = make_directory(server)
    client = app.client()
    login(client, "pwuser", PASSWORD)
    form = client.get("/password-change").forms["change-password-form"]
    form["current_password"] = "wrong-password"
    form["password"] = form["password2"] = "changed-by-me-1"
    assert "Your current password is wrong" in form.submit(status=400).text
    form = client.get("/password-change").forms["change-password-form"]
    form["current_password"] = PASSWORD
    form["password"] = form["password2"] = "changed-by-me-1"
    form.submit(status=303)
    assert directory.authenticate("pwuser", "changed-by-me-1") is not None
    assert directory.authenticate("pwuser", PASSWORD) is None
    client.get("/api/v1/me", status=200)
