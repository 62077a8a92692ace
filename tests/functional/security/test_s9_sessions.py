"""RELIABILITY.md S9 without a directory server: a new session id at login, timeouts on a
controlled clock, cookie flags (the disabled-account re-check against slapd is in
tests/ldap/test_session_recheck.py; logout on the server in test_login.py)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import logged_in, login


class Clock:
    """``time.time`` moved forward by the test (Pyramid's session and the security policy read
    it), instead of sleeping through a timeout."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def _in(client) -> bool:
    return client.get("/incidents/", expect_errors=True).status_int == 200


def test_login_gives_a_new_session_id_and_drops_the_anonymous_cookie(app):
    client = app.client()
    client.get("/login")
    anonymous = client.cookies["itsm_session"]
    login(client, "employee")
    assert client.cookies["itsm_session"] != anonymous
    sids = app.read(lambda root: list(root["people"]["employee"].sessions.keys()))
    assert len(sids) == 1
    # The cookie the visitor had before logging in opens nothing.
    fixated = app.client()
    fixated.set_cookie("itsm_session", anonymous)
    assert not _in(fixated)


def test_an_idle_session_ends_after_the_idle_timeout(make_app, monkeypatch):
    app = make_app(**{"itsm.session.idle_timeout": "600"})
    clock = Clock(monkeypatch)
    client = logged_in(app, "employee")
    clock.advance(500)
    assert _in(client)  # used within the timeout: renewed
    clock.advance(500)
    assert _in(client)
    clock.advance(700)
    assert not _in(client)


def test_a_busy_session_still_ends_at_the_absolute_timeout(make_app, monkeypatch):
    app = make_app(**{"itsm.session.idle_timeout": "600", "itsm.session.absolute_timeout": "3600"})
    clock = Clock(monkeypatch)
    client = logged_in(app, "employee")
    for _step in range(6):
        clock.advance(500)
        assert _in(client)
    clock.advance(700)  # 3,700 s after login, never idle for 600
    assert not _in(client)


def test_cookie_flags_follow_the_setting(make_app):
    plain = make_app()
    cookie = plain.client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()
    secure = make_app(**{"itsm.session.cookie_secure": "true"})
    client = secure.client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "secure" in cookie.lower() and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_sample_sets_secure_cookies():
    import plaster

    from tests.conftest import ROOT

    settings = plaster.get_settings(str(ROOT / "etc" / "production.ini"), "app:main")
    assert settings["itsm.session.cookie_secure"] == "true"
    assert int(settings["itsm.session.recheck_seconds"]) <= 900
