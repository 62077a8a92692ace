"""Forgotten and changed passwords with local accounts: the flow, what it hides, its limits."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import csrf_of, logged_in, login

LINK_RE = re.compile(r"(http://localhost/password-reset/confirm\?token=[A-Za-z0-9_\-]+)")
SENT = "If an account with this login exists"
INVALID = "This link is not valid or has expired"


@pytest.fixture
def app(make_app):
    app = make_app()
    # Short padding keeps the suite quick; the timing test checks what padding achieves.
    app.registry.itsm_password_reset.min_seconds = 0.05
    return app


def mails(app, kind=None):
    return app.read(
        lambda root: [
            (m.to, m.subject, m.text, m.kind)
            for m in sorted(root.outbox, key=lambda m: m.created)
            if kind is None or m.kind == kind
        ]
    )


def reset_links(app):
    return [LINK_RE.search(text).group(1) for _to, _s, text, _k in mails(app, "password_reset")]


def ask_reset(client, login_name, status=200):
    page = client.get("/password-reset")
    form = page.forms["reset-form"]
    form["login"] = login_name
    return form.submit(status=status)


def confirm(client, link, password, again=None, status=200):
    path = link.replace("http://localhost", "")
    page = client.get(path, status="*")
    if "reset-confirm-form" not in page.forms:
        return page
    form = page.forms["reset-confirm-form"]
    form["password"] = password
    form["password2"] = password if again is None else again
    return form.submit(status=status)


def audit(app):
    return app.read(lambda root: [(r.action, r.login, r.outcome) for r in root.audit])


def test_login_page_links_to_the_reset_form(client):
    page = client.get("/login")
    assert page.click(href="/password-reset").forms["reset-form"]


def test_reset_flow_sets_the_password_mails_and_ends_the_sessions(app):
    session = logged_in(app, "employee")
    session.get("/api/v1/me", status=200)
    client = app.client()
    answer = ask_reset(client, "employee")
    assert SENT in answer.text
    ((to, subject, text, _kind),) = mails(app, "password_reset")
    assert to == ("employee@example.com",)  # the account's address, from the directory
    assert "Reset your password" in subject
    assert "15 minutes" in text
    token = parse_qs(urlsplit(LINK_RE.search(text).group(1)).query)["token"][0]
    assert len(token) >= 43  # 32 random bytes
    stored = app.read(lambda root: list(root.reset_tokens.by_digest.keys()))
    assert token not in stored and len(stored) == 1  # only the hash is kept

    done = confirm(client, LINK_RE.search(text).group(1), "brand-new-password-1")
    assert "Your password has been changed" in done.text
    # Every session of the person ended; the old password fails, the new one works.
    session.get("/api/v1/me", status=401)
    login(app.client(), "employee", "demo", status=200)
    login(app.client(), "employee", "brand-new-password-1")
    (changed,) = mails(app, "password_changed")
    assert changed[0] == ("employee@example.com",)
    assert [a for a in audit(app) if a[0] == "reset_confirm"] == [
        ("reset_confirm", "employee", "done")
    ]


def test_unknown_login_gets_the_same_answer_and_no_mail(app):
    client = app.client()
    known = ask_reset(client, "employee")
    unknown = ask_reset(client, "nobody-at-all")
    strip = re.compile(r'name="csrf_token"[^>]*>|nonce-[^"\']+|nonce="[^"]+"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert known.status_int == unknown.status_int == 200
    assert len(mails(app, "password_reset")) == 1
    assert ("reset_request", "nobody-at-all", "unknown") in audit(app)


def test_the_api_answers_202_for_any_login(app):
    client = app.client()
    for name in ("employee", "nobody-at-all"):
        answer = client.post_json("/api/v1/password-reset", {"login": name}, status=202)
        assert answer.json == {"status": "accepted"}
    assert len(mails(app, "password_reset")) == 1


def test_known_and_unknown_logins_take_the_same_time(make_app):
    app = make_app()
    client = app.client()
    # A fresh address each time: the per-address limit is not what is measured here.
    app.registry.itsm_password_reset.per_address.limit = 1000
    app.registry.itsm_password_reset.per_account.limit = 1000
    timings: dict[str, list[float]] = {"employee": [], "nobody-at-all": []}
    for _ in range(30):
        for name, spent in timings.items():
            started = time.perf_counter()
            client.post_json("/api/v1/password-reset", {"login": name}, status=202)
            spent.append(time.perf_counter() - started)
    known, unknown = (statistics.median(t) for t in timings.values())
    assert abs(known - unknown) < 0.010, (known, unknown)


def test_a_token_works_once(app):
    client = app.client()
    ask_reset(client, "employee")
    (link,) = reset_links(app)
    confirm(client, link, "brand-new-password-1")
    again = confirm(client, link, "another-password-2", status=400)
    assert INVALID in again.text
    token = parse_qs(urlsplit(link).query)["token"][0]
    api = client.post_json(
        "/api/v1/password-reset/confirm",
        {"token": token, "password": "another-password-3"},
        status=400,
    )
    assert api.json["error"]["code"] == "invalid_token"


def test_a_guessed_token_fails_with_the_same_message(app):
    client = app.client()
    page = client.get("/password-reset/confirm?token=guessed", status=400)
    assert INVALID in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_an_expired_token_fails(app):
    client = app.client()
    ask_reset(client, "employee")
    (link,) = reset_links(app)
    policy = app.registry.itsm_password_reset
    real = policy.clock
    policy.clock = lambda: real() + timedelta(minutes=15, seconds=1)
    page = client.get(link.replace("http://localhost", ""), status=400)
    assert INVALID in page.text
    policy.clock = lambda: real() + timedelta(minutes=14)
    confirm(client, link, "brand-new-password-1")


def test_a_newer_request_kills_the_older_link(app):
    client = app.client()
    ask_reset(client, "employee")
    ask_reset(client, "employee")
    older, newer = reset_links(app)
    assert INVALID in confirm(client, older, "brand-new-password-1").text
    assert "Your password has been changed" in confirm(client, newer, "brand-new-password-1").text


def test_reset_requests_are_limited_per_account_silently(app):
    client = app.client()
    for _ in range(8):
        assert SENT in ask_reset(client, "employee").text
    assert len(mails(app, "password_reset")) == 5  # S7: at most 5 an hour
    assert ("reset_request", "employee", "throttled") in audit(app)


def test_reset_requests_are_limited_per_client_address(app):
    app.registry.itsm_password_reset.per_address.limit = 4
    client = app.client(REMOTE_ADDR="10.1.2.3")
    for number in range(4):
        ask_reset(client, f"someone-{number}")
    refused = ask_reset(client, "employee", status=429)
    assert "Too many requests" in refused.text
    client.post_json("/api/v1/password-reset", {"login": "employee"}, status=429)
    # Another address is not affected.
    ask_reset(app.client(REMOTE_ADDR="10.9.9.9"), "employee")
    assert len(mails(app, "password_reset")) == 1


def test_refusals_are_shown_in_plain_words(app):
    client = app.client()
    ask_reset(client, "employee")
    (link,) = reset_links(app)
    short = confirm(client, link, "short", status=400)
    assert "This password is too short" in short.text
    differ = confirm(client, link, "brand-new-password-1", again="something-else", status=400)
    assert "The two new passwords differ" in differ.text
    # A refusal leaves the token usable.
    assert "Your password has been changed" in confirm(client, link, "brand-new-password-1").text


def test_api_confirm_gives_the_directorys_reason_and_then_changes(app):
    client = app.client()
    client.post_json("/api/v1/password-reset", {"login": "employee"}, status=202)
    (link,) = reset_links(app)
    token = parse_qs(urlsplit(link).query)["token"][0]
    refused = client.post_json(
        "/api/v1/password-reset/confirm", {"token": token, "password": "short"}, status=400
    )
    error = refused.json["error"]
    assert error["code"] == "password_rejected"
    assert "too short" in error["message"]
    assert error["fields"]["password"] == error["message"]
    ok = client.post_json(
        "/api/v1/password-reset/confirm",
        {"token": token, "password": "brand-new-password-1"},
        status=200,
    )
    assert ok.json == {"status": "changed"}
    login(app.client(), "employee", "brand-new-password-1")


def test_reset_page_in_russian(app):
    client = app.client(HTTP_ACCEPT_LANGUAGE="ru")
    ask_reset(client, "employee")
    (link,) = reset_links(app)
    page = confirm(client, link, "short", status=400)
    assert 'lang="ru"' in page.text


def test_get_pages_do_not_write(app):
    client = app.client()
    ask_reset(client, "employee")
    (link,) = reset_links(app)
    before = app.read(lambda root: root._p_jar.db().lastTransaction())
    client.get("/password-reset")
    client.get(link.replace("http://localhost", ""))
    client.get("/password-reset/confirm?token=nonsense", status=400)
    assert app.read(lambda root: root._p_jar.db().lastTransaction()) == before


def test_change_password_with_the_right_current_password(app):
    other = logged_in(app, "employee")
    client = logged_in(app, "employee")
    page = client.get("/people/employee")
    form = page.click(href="/password-change").forms["change-password-form"]
    form["current_password"] = "demo"
    form["password"] = form["password2"] = "brand-new-password-1"
    done = form.submit(status=303).follow()
    assert "Your password has been changed" in done.text
    other.get("/api/v1/me", status=401)  # the other session ended
    client.get("/api/v1/me", status=200)  # this one goes on
    login(app.client(), "employee", "brand-new-password-1")
    assert len(mails(app, "password_changed")) == 1
    assert ("change", "employee", "done") in audit(app)


def test_change_password_with_a_wrong_current_password_is_refused(app):
    client = logged_in(app, "employee")
    form = client.get("/password-change").forms["change-password-form"]
    form["current_password"] = "not-my-password"
    form["password"] = form["password2"] = "brand-new-password-1"
    refused = form.submit(status=400)
    assert "Your current password is wrong" in refused.text
    login(app.client(), "employee", "demo")
    assert mails(app, "password_changed") == []
    assert ("change", "employee", "wrong_password") in audit(app)


def test_change_password_refuses_a_recent_password(app):
    client = logged_in(app, "employee")
    for new, status in (("brand-new-password-1", 303), ("demo-password-x", 303)):
        form = client.get("/password-change").forms["change-password-form"]
        form["current_password"] = "demo" if new.startswith("brand") else "brand-new-password-1"
        form["password"] = form["password2"] = new
        form.submit(status=status)
    form = client.get("/password-change").forms["change-password-form"]
    form["current_password"] = "demo-password-x"
    form["password"] = form["password2"] = "brand-new-password-1"
    refused = form.submit(status=400)
    assert "You have used this password recently" in refused.text


def test_change_password_needs_a_login(client):
    answer = client.get("/password-change", status=303)
    assert "/login" in answer.location


def test_change_password_form_needs_the_csrf_token(app):
    client = logged_in(app, "employee")
    client.post(
        "/password-change",
        {"current_password": "demo", "password": "brand-new-1x", "password2": "brand-new-1x"},
        status=400,
    )
    login(app.client(), "employee", "demo")
    assert csrf_of(client.get("/password-change"))


def test_the_endpoints_are_in_the_openapi_description(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/password-reset"]
    assert "post" in paths["/api/v1/password-reset/confirm"]


def test_api_refuses_a_body_without_login(client):
    answer = client.post_json("/api/v1/password-reset", {}, status=400)
    assert answer.json["error"]["fields"]["login"] == "Required"


def test_api_refusals_are_kept_in_the_audit_trail(app, caplog):
    client = app.client()
    client.post_json("/api/v1/password-reset", {"login": "employee"}, status=202)
    (link,) = reset_links(app)
    token = parse_qs(urlsplit(link).query)["token"][0]
    with caplog.at_level("INFO", logger="itsm.audit"):
        client.post_json(
            "/api/v1/password-reset/confirm", {"token": token, "password": "short"}, status=400
        )
        client.post_json(
            "/api/v1/password-reset/confirm", {"token": "guess", "password": "x"}, status=400
        )
    trail = audit(app)
    assert ("reset_confirm", "employee", "too_short") in trail
    assert ("reset_confirm", "", "bad_token") in trail
    lines = [r.getMessage() for r in caplog.records if r.name == "itsm.audit"]
    assert any("login='employee' outcome=too_short" in line for line in lines)


def test_guessing_tokens_is_limited_per_client_address(app):
    app.registry.itsm_password_reset.bad_tokens.limit = 3
    client = app.client(REMOTE_ADDR="10.4.4.4")
    for number in range(3):
        client.post_json(
            "/api/v1/password-reset/confirm",
            {"token": f"guess-{number}", "password": "whatever-1"},
            status=400,
        )
    answer = client.post_json(
        "/api/v1/password-reset/confirm", {"token": "guess-9", "password": "x"}, status=429
    )
    assert answer.json["error"]["code"] == "too_many_requests"
    assert len([a for a in audit(app) if a[2] == "bad_token"]) == 3


def test_the_link_lifetime_follows_the_setting(make_app):
    app = make_app(**{"itsm.password_reset.ttl_minutes": "5"})
    app.registry.itsm_password_reset.min_seconds = 0.0
    client = app.client()
    ask_reset(client, "employee")
    ((_to, _subject, text, _kind),) = mails(app, "password_reset")
    assert "5 minutes" in text
    policy = app.registry.itsm_password_reset
    real = policy.clock
    policy.clock = lambda: real() + timedelta(minutes=5, seconds=1)
    page = client.get(LINK_RE.search(text).group(1).replace("http://localhost", ""), status=400)
    assert INVALID in page.text
