"""Logging in and out with local accounts, through the real app on a FileStorage."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of, logged_in, login


def test_login_page_has_the_fields_the_form_promises(client):
    page = client.get("/login")
    form = page.forms["login-form"]
    assert "login" in form.fields and "password" in form.fields
    assert 'for="' in page.text  # every input has a label


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/", status=302)
    assert "/login?came_from=%2F" in response.location


def test_employee_logs_in_and_sees_their_home(client):
    response = login(client, "employee")
    assert response.location == "http://localhost/"
    home = client.get("/")
    assert "Elena Employee" in home.text
    assert 'data-role="employee"' in home.text
    assert 'data-role="agent"' not in home.text


def test_wrong_password_and_unknown_account_give_the_same_message(client):
    wrong = login(client, "employee", "nope", status=200)
    unknown = login(client, "nobody-here", "nope", status=200)
    assert "Wrong login or password." in wrong.text
    assert "Wrong login or password." in unknown.text
    assert 'name="password" value=""' in wrong.text or 'value="nope"' not in wrong.text


def test_empty_password_is_refused(client):
    response = login(client, "employee", "", status=400)
    assert "Elena" not in response.text
    client.get("/", status=302)


def test_repeated_failures_are_throttled_even_with_the_right_password(client, caplog):
    for _ in range(5):
        login(client, "employee", "bad", status=200)
    throttled = login(client, "employee", "demo", status=429)
    assert "Too many failed attempts" in throttled.text
    assert int(throttled.headers["Retry-After"]) > 0
    assert any("failed login for 'employee'" in r.getMessage() for r in caplog.records)


def test_the_session_is_renewed_at_login(client):
    anonymous_page = client.get("/login")
    before = csrf_of(anonymous_page)
    login(client, "employee")
    after = csrf_of(client.get("/"))
    assert before != after


def test_logout_needs_the_csrf_token(app):
    client = logged_in(app, "employee")
    client.post("/logout", {}, status=400)
    client.get("/", status=200)
    token = csrf_of(client.get("/"))
    client.post("/logout", {"csrf_token": token}, status=303)
    client.get("/", status=302)


def test_logout_ends_the_session_on_the_server(app):
    client = logged_in(app, "employee")
    stolen_cookie = client.cookies["itsm_session"]
    client.post("/logout", {"csrf_token": csrf_of(client.get("/"))}, status=303)
    thief = app.client()
    thief.set_cookie("itsm_session", stolen_cookie)
    thief.get("/", status=302)


def test_login_redirects_only_to_local_paths(client):
    page = client.get("/login?came_from=https://evil.example.com/")
    form = page.forms["login-form"]
    form["login"] = "employee"
    form["password"] = "demo"
    assert form.submit(status=303).location == "http://localhost/"


@pytest.mark.parametrize(
    ("user", "present", "absent"),
    [
        ("employee", ["Need help?"], ["Your support groups", "Your team", "h-system"]),
        ("agent", ["Your support groups", "Service Desk"], ["Your team", "h-system"]),
        ("manager", ["Your team", "Elena Employee"], ["Your support groups", "h-system"]),
        ("admin", ["h-system", "Your support groups"], ["Your team"]),
    ],
)
def test_home_page_fits_the_role(app, user, present, absent):
    # The manager's team shows people who have logged in once.
    for other in ("employee", "employee2", "agent"):
        logged_in(app, other)
    home = logged_in(app, user).get("/")
    for text in present:
        assert text in home.text, text
    for text in absent:
        assert text not in home.text, text


def test_manager_role_comes_from_reports(app):
    logged_in(app, "manager")
    roles = app.read(lambda root: root["people"]["manager"].roles)
    assert "manager" in roles and "change_board" in roles
    logged_in(app, "agent")
    assert "manager" not in app.read(lambda root: root["people"]["agent"].roles)
    assert "agent" in app.read(lambda root: root["people"]["agent"].roles)
