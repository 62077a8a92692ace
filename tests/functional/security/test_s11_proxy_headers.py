"""RELIABILITY.md S11: forwarded and remote-user headers from a peer that is not a configured
proxy change nothing: who is logged in, the address that rate limits count and the log records,
the host and scheme of the links the desk makes."""

from __future__ import annotations

import logging

import plaster

from tests.conftest import ROOT, login

SPOOFED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Real-IP": "203.0.113.7",
    "Forwarded": "for=203.0.113.7;host=evil.example;proto=https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Remote-User": "admin",
    "Remote-User": "admin",
    "X-Forwarded-User": "admin",
    "X-Auth-Request-User": "admin",
}


def test_remote_user_headers_log_no_one_in(client):
    answer = client.get("/incidents/", headers=SPOOFED, status=302)
    assert "/login" in answer.location and "evil.example" not in answer.location
    client.get("/api/v1/me", headers=SPOOFED, status=401)


def test_forwarded_host_and_scheme_do_not_reach_the_links(client):
    page = client.get("/login", headers=SPOOFED)
    assert "evil.example" not in page.text and "https://" not in page.text.split("<body")[1]


def test_rate_limits_count_the_real_peer_not_a_forwarded_address(app):
    """The reset form's per-address limit: each try claims another X-Forwarded-For, all come
    from one peer, and the limit still holds for that peer."""
    app.registry.itsm_password_reset.min_seconds = 0.0
    app.registry.itsm_password_reset.bad_tokens.limit = 3
    client = app.client(REMOTE_ADDR="10.9.9.9")
    statuses = []
    for number in range(5):
        answer = client.post_json(
            "/api/v1/password-reset/confirm",
            {"token": f"guess-{number}", "password": "whatever-1"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
            expect_errors=True,
        )
        statuses.append(answer.status_int)
    assert statuses == [400, 400, 400, 429, 429], statuses
    # Another peer is not held up by the first one's tries.
    other = app.client(REMOTE_ADDR="10.9.9.10")
    other.post_json(
        "/api/v1/password-reset/confirm", {"token": "g", "password": "whatever-1"}, status=400
    )


def test_the_log_names_the_peer_not_the_forwarded_address(app, caplog):
    caplog.set_level(logging.INFO)
    client = app.client(REMOTE_ADDR="10.7.7.7")
    login(client, "employee", "not-the-password", status=200)
    client.get("/login", headers=SPOOFED)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "10.7.7.7" in text
    assert "203.0.113.7" not in text


def test_production_waitress_trusts_only_the_configured_proxy():
    server = plaster.get_settings(str(ROOT / "etc" / "production.ini"), "server:main")
    assert server["trusted_proxy"] not in ("*", "")
    assert server["clear_untrusted_proxy_headers"] == "true"
    for name in ("development.ini", "test.ini"):
        settings = plaster.get_settings(str(ROOT / "etc" / name), "server:main")
        assert settings.get("trusted_proxy", "") != "*", name
