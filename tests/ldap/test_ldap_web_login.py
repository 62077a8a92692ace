"""Logging in through the real app with people from a real slapd, and the app during an outage."""

from __future__ import annotations

import time

import pytest

from tests.conftest import logged_in, login
from tests.plugins.slapd import PASSWORD, TIMEOUT

pytestmark = pytest.mark.ldap

UNAVAILABLE = "The directory is unavailable, try again shortly."
#: What "within the timeout" allows on a busy test machine.
SLACK = 1.0


@pytest.fixture
def ldap_app(make_app, slapd):
    return make_app(demo=False, **slapd.settings_overrides())


def person(app, login_name):
    return app.read(lambda root: root["people"][login_name])


def test_agent_logs_in_and_sees_their_home_with_their_groups(ldap_app):
    client = ldap_app.client()
    response = login(client, "agent", PASSWORD)
    assert response.location == "http://localhost/"
    home = client.get("/")
    assert "Anna Agent" in home.text
    assert "agent@example.com" in home.text
    assert 'data-role="employee"' in home.text
    assert 'data-role="agent"' in home.text
    assert 'data-role="admin"' not in home.text
    assert "Your support groups" in home.text
    record = person(ldap_app, "agent")
    assert record.groups == ("Service Desk", "Workplace")
    assert record.dn == "uid=agent,ou=people,dc=example,dc=com"
    assert record.manager == "manager"
    assert record.department == "IT"


def test_home_pages_follow_directory_groups_and_reports(ldap_app):
    # One app for several people: each login is a new client, so nothing is shared but the
    # person records, which is what the manager's team list reads.
    manager = logged_in(ldap_app, "manager", PASSWORD).get("/")
    assert 'data-role="manager"' in manager.text
    assert 'data-role="change_board"' in manager.text
    assert "Your team" in manager.text
    # Nobody else has logged in yet: the team comes from the directory's reports.
    for report in ("agent", "agent2", "employee", "ivanov"):
        assert f"<li>{report}</li>" in manager.text, report
    assert set(person(ldap_app, "manager").roles) == {"employee", "manager", "change_board"}

    employee = logged_in(ldap_app, "employee", PASSWORD).get("/")
    assert "Elena Employee" in employee.text
    for role in ("agent", "manager", "admin", "change_board"):
        assert f'data-role="{role}"' not in employee.text
    assert person(ldap_app, "employee").roles == ("employee",)

    admin = logged_in(ldap_app, "admin", PASSWORD).get("/")
    assert 'data-role="admin"' in admin.text and 'data-role="agent"' in admin.text
    assert "h-system" in admin.text

    ivanov = logged_in(ldap_app, "ivanov", PASSWORD).get("/")
    assert "Иван Петров" in ivanov.text
    assert 'data-role="agent"' in ivanov.text  # Workplace


def test_refused_logins_get_the_same_answer_and_no_session(ldap_app):
    client = ldap_app.client()
    wrong = login(client, "agent", "not-the-password", status=200)
    unknown = login(client, "nobody-here", PASSWORD, status=200)
    injected = login(client, "admin)(|(uid=*", PASSWORD, status=200)
    for response in (wrong, unknown, injected):
        assert "Wrong login or password." in response.text
    login(client, "agent", "", status=400)
    client.get("/", status=302)


def test_healthz_reports_the_ldap_directory(ldap_app):
    body = ldap_app.client().get("/healthz").json
    assert body["status"] == "ok"
    assert body["directory"]["ok"] is True
    assert body["directory"]["kind"] == "ldap"


def test_login_while_the_directory_is_stopped(make_app, make_slapd):
    server = make_slapd()
    app = make_app(demo=False, **server.settings_overrides())
    logged_in(app, "employee", PASSWORD)  # the directory worked a moment ago
    client = app.client()
    page = client.get("/login")
    server.stop()
    form = page.forms["login-form"]
    form["login"], form["password"] = "agent", PASSWORD
    start = time.monotonic()
    response = form.submit(status=503)
    assert time.monotonic() - start < TIMEOUT + SLACK
    assert UNAVAILABLE in response.text
    # The app keeps serving what does not need the directory.
    client.get("/login", status=200)
    start = time.monotonic()
    health = client.get("/healthz", status=503).json
    assert time.monotonic() - start < TIMEOUT + SLACK
    assert health["directory"]["ok"] is False
    assert health["directory"]["kind"] == "ldap"
    assert health["storage"]["ok"] is True


def test_login_while_the_directory_hangs(make_app, make_slapd):
    server = make_slapd()
    app = make_app(demo=False, **server.settings_overrides())
    client = app.client()
    page = client.get("/login")
    server.pause()
    form = page.forms["login-form"]
    form["login"], form["password"] = "agent", PASSWORD
    start = time.monotonic()
    response = form.submit(status=503)
    assert time.monotonic() - start < TIMEOUT + SLACK
    assert UNAVAILABLE in response.text
    client.get("/login", status=200)
    start = time.monotonic()
    assert client.get("/healthz", status=503).json["directory"]["ok"] is False
    assert time.monotonic() - start < TIMEOUT + SLACK
    server.resume()
    login(client, "agent", PASSWORD)
    assert 'data-role="agent"' in client.get("/").text
