"""Fixtures of the directory sync tests: a private slapd to change, the app on it, and the
rootdn's hand on the directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ldap3
import pytest

from itsm.db import run_in_transaction
from itsm.sync.run import SyncOutcome, synchronize
from tests.plugins.slapd import PEOPLE_BASE, ROOT_DN, ROOT_PASSWORD

#: How the test directory marks a disabled person: ppolicy's administrative lock (slapd then
#: refuses their bind too, as a real OpenLDAP does).
DISABLED_FILTER = "(pwdAccountLockedTime=000001010000Z)"


class Directory:
    """Changes to a private slapd, made as its rootdn."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def _conn(self) -> ldap3.Connection:
        conn = ldap3.Connection(
            ldap3.Server(self.server.url, get_info=ldap3.NONE),
            ROOT_DN,
            ROOT_PASSWORD,
            raise_exceptions=True,
        )
        conn.bind()
        return conn

    def dn(self, login: str) -> str:
        return f"uid={login},{PEOPLE_BASE}"

    def add(self, login: str, name: str, **attributes: str) -> None:
        conn = self._conn()
        given, _, family = name.partition(" ")
        conn.add(
            self.dn(login),
            ["inetOrgPerson"],
            {"cn": name, "sn": family or given, "displayName": name, "mail": f"{login}@example.com",
             "userPassword": "secret", **attributes},
        )  # fmt: skip
        conn.unbind()

    def replace(self, login: str, **attributes: Any) -> None:
        conn = self._conn()
        changes = {k: [(ldap3.MODIFY_REPLACE, [v] if v else [])] for k, v in attributes.items()}
        conn.modify(self.dn(login), changes)
        conn.unbind()

    def disable(self, login: str) -> None:
        self.replace(login, pwdAccountLockedTime="000001010000Z")

    def enable(self, login: str) -> None:
        conn = self._conn()
        conn.modify(self.dn(login), {"pwdAccountLockedTime": [(ldap3.MODIFY_DELETE, [])]})
        conn.unbind()

    def remove(self, login: str) -> None:
        conn = self._conn()
        conn.delete(self.dn(login))
        conn.unbind()

    def add_to_group(self, login: str, group: str) -> None:
        conn = self._conn()
        conn.modify(
            f"cn={group},ou=groups,dc=example,dc=com",
            {"member": [(ldap3.MODIFY_ADD, [self.dn(login)])]},
        )
        conn.unbind()


@pytest.fixture
def ldap_server(make_slapd: Callable[..., Any]) -> Any:
    return make_slapd()


@pytest.fixture
def directory(ldap_server: Any) -> Directory:
    return Directory(ldap_server)


def _sync_settings(server: Any, **extra: str) -> dict[str, str]:
    return server.settings_overrides(**{"itsm.ldap.disabled_filter": DISABLED_FILTER, **extra})


@pytest.fixture
def sync_settings(ldap_server: Any) -> Callable[..., dict[str, str]]:
    """``sync_settings(**extra)``: the app's settings on the private slapd."""
    return lambda **extra: _sync_settings(ldap_server, **extra)


@pytest.fixture
def sync_app(make_app: Callable[..., Any], ldap_server: Any) -> Any:
    return make_app(demo=False, **_sync_settings(ldap_server))


def _run_sync(app: Any, dry_run: bool = False) -> SyncOutcome:
    return synchronize(
        lambda work: run_in_transaction(app.db, work),
        app.registry.itsm_ldap_directory,
        app.registry.itsm_settings,
        dry_run=dry_run,
    )


@pytest.fixture
def run_sync() -> Callable[..., SyncOutcome]:
    """``run_sync(app, dry_run=False)``: the sync as itsm-sync and the timer run it."""
    return _run_sync
