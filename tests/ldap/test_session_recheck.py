"""RELIABILITY.md S9 against a real slapd: a person disabled (or removed) in the directory is
logged out once their session is re-checked, ``itsm.session.recheck_seconds`` (default 900)."""

from __future__ import annotations

import ldap3
import pytest

from tests.conftest import logged_in
from tests.plugins.slapd import PASSWORD, PEOPLE_BASE, ROOT_DN, ROOT_PASSWORD

pytestmark = pytest.mark.ldap


@pytest.fixture
def server(make_slapd):
    return make_slapd()


def _as_root(server) -> ldap3.Connection:
    return ldap3.Connection(ldap3.Server(server.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True)


def _disable(server, login: str) -> None:
    """Lock the account for good, which is how OpenLDAP's password policy disables one."""
    with _as_root(server) as conn:
        conn.modify(
            f"uid={login},{PEOPLE_BASE}",
            {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, ["000001010000Z"])]},
        )
        assert conn.result["result"] == 0, conn.result


def _still_in(client) -> bool:
    answer = client.get("/incidents/", expect_errors=True)
    return answer.status_int == 200


def test_default_recheck_is_fifteen_minutes(app_registry):
    assert app_registry.itsm_settings.session_recheck_seconds == 900


def test_a_person_disabled_in_the_directory_is_logged_out_at_the_recheck(make_app, server):
    app = make_app(demo=False, **server.settings_overrides(**{"itsm.session.recheck_seconds": "0"}))
    client = logged_in(app, "employee", PASSWORD)
    other = logged_in(app, "agent", PASSWORD)
    assert _still_in(client)
    _disable(server, "employee")
    assert not _still_in(client)
    assert client.get("/incidents/", expect_errors=True).status_int in (302, 303)
    assert _still_in(other)  # others keep working
    # The person cannot come back with the same cookie, nor log in again.
    assert not _still_in(client)
    page = client.get("/login")
    form = page.forms["login-form"]
    form["login"], form["password"] = "employee", PASSWORD
    assert form.submit(expect_errors=True).status_int != 303


def test_a_removed_account_is_logged_out_too(make_app, server):
    app = make_app(demo=False, **server.settings_overrides(**{"itsm.session.recheck_seconds": "0"}))
    client = logged_in(app, "employee", PASSWORD)
    with _as_root(server) as conn:
        conn.delete(f"uid=employee,{PEOPLE_BASE}")
        assert conn.result["result"] == 0, conn.result
    assert not _still_in(client)


def test_within_the_interval_the_directory_is_not_asked_again(make_app, server):
    app = make_app(demo=False, **server.settings_overrides())  # 900 s
    client = logged_in(app, "employee", PASSWORD)
    _disable(server, "employee")
    assert _still_in(client)


def test_while_the_directory_is_down_sessions_go_on(make_app, server):
    app = make_app(demo=False, **server.settings_overrides(**{"itsm.session.recheck_seconds": "0"}))
    client = logged_in(app, "employee", PASSWORD)
    server.stop()
    assert _still_in(client)
