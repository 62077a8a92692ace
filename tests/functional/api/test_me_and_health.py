"""``/api/v1/me``, tokens, the error format, OpenAPI, and ``/healthz``."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import csrf_of, logged_in


def make_token(app, login):
    from itsm.security.tokens import create_token

    return app.write(lambda root: create_token(root.tokens, login, "test"))


def test_me_without_credentials_is_401_in_the_error_format(client):
    response = client.get("/api/v1/me", status=401)
    assert response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_bad_token_is_401(client):
    client.get("/api/v1/me", headers={"Authorization": "Bearer itsm_nope"}, status=401)


def test_me_with_a_token(app):
    app.client()  # noqa: B018
    logged_in(app, "agent")
    token = make_token(app, "agent")
    response = app.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json["login"] == "agent"
    assert "agent" in response.json["roles"] and "employee" in response.json["roles"]
    assert response.json["authenticated_by"] == "token"


def test_me_with_the_session_cookie(app):
    client = logged_in(app, "employee")
    body = client.get("/api/v1/me").json
    assert body["login"] == "employee" and body["manager"] == "manager"
    assert body["email"] == "employee@example.com"


def test_tokens_are_stored_hashed(app):
    logged_in(app, "employee")
    token = make_token(app, "employee")
    stored = app.read(lambda root: list(root.tokens.keys()))
    assert token not in stored and len(stored) == 1


def test_token_requests_need_no_csrf(app):
    logged_in(app, "employee")
    token = make_token(app, "employee")
    response = app.client().post_json(
        "/api/v1/me/tokens",
        {"label": "ci"},
        headers={"Authorization": f"Bearer {token}"},
        status=201,
    )
    assert response.json["token"].startswith("itsm_")


def test_request_validation_against_openapi(app):
    logged_in(app, "employee")
    token = make_token(app, "employee")
    client = app.client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post_json(
        "/api/v1/me/tokens", {"label": 5, "x": 1}, headers=headers, status=400
    )
    error = response.json["error"]
    assert error["code"] == "invalid" and "label" in error["fields"]
    response = client.post(
        "/api/v1/me/tokens",
        "{not json",
        headers={**headers, "Content-Type": "application/json"},
        status=400,
    )
    assert response.json["error"]["code"] == "invalid"


def test_unknown_api_path_is_404_json(app, client):
    user = logged_in(app, "employee")
    assert user.get("/api/v1/nothing", status=404).json["error"]["code"] == "not_found"
    # Not logged in, the API tells nothing about which paths exist (S3): log in first.
    assert client.get("/api/v1/nothing", status=401).json["error"]["code"] == "unauthorized"


def test_openapi_document_and_docs_page(app):
    spec = app.client().get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/me" in spec["paths"] and "get" in spec["paths"]["/api/v1/me"]
    docs = app.client().get("/api/v1/docs")
    assert "/api/v1/me" in docs.text


def test_healthz_ok(client):
    body = client.get("/healthz").json
    assert body["status"] == "ok"
    assert body["storage"]["ok"] and body["directory"]["ok"]
    assert body["directory"]["kind"] == "local"


def test_itsm_token_prints_a_working_token(app, tmp_path):
    ini = tmp_path / "cli.ini"
    settings = "\n".join(f"{k} = {v}" for k, v in app.settings.items() if k != "use")
    ini.write_text(f"[app:main]\nuse = egg:itsm\n{settings}\n", encoding="utf-8")
    app.close()  # the FileStorage is held by one process at a time
    out = subprocess.run(
        [sys.executable, "-m", "itsm.scripts.token", str(ini), "employee2"],
        capture_output=True,
        text=True,
        check=True,
    )
    token = out.stdout.strip()
    assert token.startswith("itsm_")
    from itsm import main

    reopened = main({}, **app.settings)
    from tests.conftest import AppHandle

    handle = AppHandle(reopened, app.settings)
    try:
        me = handle.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
        assert me["login"] == "employee2"
    finally:
        handle.close()


def test_language_of_api_errors_follows_accept_language(app):
    response = app.client(HTTP_ACCEPT_LANGUAGE="ru").get("/api/v1/me", status=401)
    assert response.json["error"]["code"] == "unauthorized"
    assert any("\u0400" <= ch <= "\u04ff" for ch in response.json["error"]["message"])


def test_csrf_token_is_on_every_page_for_forms(app):
    client = logged_in(app, "employee")
    assert csrf_of(client.get("/"))
