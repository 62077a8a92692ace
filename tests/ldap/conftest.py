"""Fixtures of the directory tests: LdapDirectory objects pointed at the test slapd servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from itsm.directory.ldap import LdapDirectory


@pytest.fixture
def make_directory() -> Iterator[Callable[..., LdapDirectory]]:
    """``make_directory(server, **LdapSettings changes)``: a directory on ``server``, its idle
    connections closed after the test."""
    made: list[LdapDirectory] = []

    def factory(server: Any, **changes: Any) -> LdapDirectory:
        directory = LdapDirectory(server.ldap_settings(**changes))
        made.append(directory)
        return directory

    yield factory
    for directory in made:
        directory.close()


@pytest.fixture(scope="module")
def directory(slapd: Any) -> Iterator[LdapDirectory]:
    """A directory on the session's slapd, shared by a module's tests like the app shares it."""
    shared = LdapDirectory(slapd.ldap_settings())
    yield shared
    shared.close()
