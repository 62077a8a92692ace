"""CSRF on every state-changing form; security headers on every page."""

from __future__ import annotations

from tests.conftest import csrf_of, logged_in


def test_login_post_without_csrf_token_is_rejected(client):
    response = client.post("/login", {"login": "employee", "password": "demo"}, status=400)
    assert "Your session expired" in response.text
    client.get("/", status=302)


def test_language_switch_without_csrf_token_is_rejected(client):
    client.post("/language", {"language": "ru"}, status=400)


def test_preferences_post_without_csrf_token_is_rejected(app):
    client = logged_in(app, "employee")
    client.post("/people/employee/preferences", {"language": "ru"}, status=400)
    assert app.read(lambda root: root["people"]["employee"].language) is None


def test_cookie_api_call_without_csrf_header_is_rejected(app):
    client = logged_in(app, "employee")
    response = client.post_json("/api/v1/me/tokens", {"label": "x"}, status=400)
    assert response.json["error"]["code"] == "csrf"
    token = csrf_of(client.get("/"))
    client.post_json("/api/v1/me/tokens", {}, headers={"X-CSRF-Token": token}, status=201)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Request-Id"]


def test_pages_have_no_inline_scripts(app):
    client = logged_in(app, "admin")
    for path in ("/login", "/", "/people/", "/people/admin/", "/api/v1/docs"):
        text = client.get(path).text
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"


def test_session_cookie_flags(client):
    page = client.get("/login")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_employee_cannot_see_people_list_or_others_profile(app):
    client = logged_in(app, "employee")
    client.get("/people/", status=404)
    logged_in(app, "employee2")
    client.get("/people/employee2/", status=404)
    client.get("/people/employee/", status=200)
