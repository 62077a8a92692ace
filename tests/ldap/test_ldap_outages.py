"""A directory that is down, hung, restarted or behind TLS: bounded waits, clear failures."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from itsm.directory.base import DirectoryUnavailable
from tests.plugins.slapd import PASSWORD, TIMEOUT, make_ca

pytestmark = pytest.mark.ldap

#: What "within the timeout" allows on a busy test machine.
SLACK = 1.0


def unavailable_within(limit, func, *args):
    """Assert that ``func(*args)`` raises DirectoryUnavailable within ``limit`` seconds."""
    start = time.monotonic()
    with pytest.raises(DirectoryUnavailable):
        func(*args)
    elapsed = time.monotonic() - start
    assert elapsed < limit, f"{func.__name__} took {elapsed:.1f}s"
    return elapsed


def test_stopped_directory_is_unavailable_at_once(make_slapd, make_directory):
    server = make_slapd()
    directory = make_directory(server)
    assert directory.get("agent") is not None  # leaves a pooled connection behind
    server.stop()
    limit = TIMEOUT + SLACK
    unavailable_within(limit, directory.authenticate, "agent", PASSWORD)
    unavailable_within(limit, directory.get, "agent")
    unavailable_within(limit, directory.search, "a")
    unavailable_within(limit, directory.groups_of, "agent")
    unavailable_within(limit, directory.manager_of, "agent")
    unavailable_within(limit, directory.reports_of, "manager")
    unavailable_within(limit, directory.set_password, "pwuser", "a-new-password-1", PASSWORD)
    start = time.monotonic()
    assert directory.ping() is False
    assert time.monotonic() - start < limit


def test_paused_directory_is_unavailable_within_the_timeout(make_slapd, make_directory):
    # SIGSTOP: the kernel still completes TCP handshakes, nothing ever answers.
    server = make_slapd()
    warm = make_directory(server)
    assert warm.get("agent") is not None  # a pooled connection that will wait for an answer
    cold = make_directory(server)  # no connection yet: connect works, the bind never answers
    server.pause()
    limit = TIMEOUT + SLACK
    elapsed = unavailable_within(limit, warm.authenticate, "agent", PASSWORD)
    assert elapsed >= TIMEOUT - 0.5  # it waited for the timeout, not less
    unavailable_within(limit, cold.authenticate, "agent", PASSWORD)
    start = time.monotonic()
    assert cold.ping() is False
    assert time.monotonic() - start < limit
    server.resume()
    assert warm.authenticate("agent", PASSWORD) is not None
    assert cold.ping() is True


def test_directory_recovers_when_the_server_comes_back(make_slapd, make_directory):
    server = make_slapd()
    directory = make_directory(server, pool_size=2)
    assert directory.get("agent") is not None
    server.stop()
    with pytest.raises(DirectoryUnavailable):
        directory.get("agent")
    server.start()
    # Connections pooled before the restart are dead; the directory must not trip over them.
    assert directory.authenticate("agent", PASSWORD) is not None
    assert directory.ping() is True


def test_pooled_connection_closed_by_the_server_is_replaced(make_slapd, make_directory):
    server = make_slapd()
    directory = make_directory(server)
    assert directory.get("agent") is not None
    server.stop()
    server.start()
    assert directory.get("agent") is not None


def test_concurrent_calls_from_many_threads(make_directory, slapd):
    # waitress runs 4 threads; each call must get its own connection.
    directory = make_directory(slapd, pool_size=2)
    logins = ["agent", "admin", "ivanov", "employee", "netops", "petr", "yuri", "manager"]

    def work(login):
        person = directory.authenticate(login, PASSWORD)
        assert person is not None and person.login == login
        assert directory.get(login).login == login
        assert directory.authenticate(login, "wrong") is None
        return directory.manager_of(login)

    with ThreadPoolExecutor(max_workers=8) as pool:
        managers = list(pool.map(work, logins * 5))
    assert managers[:8] == ["manager", "manager", "manager", "manager", "agent2", "salesboss",
                            "petr", None]  # fmt: skip
    assert len(directory._idle) <= 2


def test_start_tls_with_the_right_ca(make_slapd, make_directory):
    server = make_slapd(tls=True)
    directory = make_directory(
        server, url=server.starttls_url, start_tls=True, ca_file=str(server.certificates.ca)
    )
    assert directory.authenticate("agent", PASSWORD) is not None
    assert directory.ping() is True


def test_ldaps_with_the_right_ca(make_slapd, make_directory):
    server = make_slapd(tls=True)
    directory = make_directory(server, url=server.ldaps_url, ca_file=str(server.certificates.ca))
    assert directory.authenticate("agent", PASSWORD) is not None


def test_certificate_from_another_ca_is_refused(make_slapd, make_directory, tmp_path):
    server = make_slapd(tls=True)
    other_ca, _ = make_ca(tmp_path, "other")
    for url, start_tls in ((server.starttls_url, True), (server.ldaps_url, False)):
        directory = make_directory(server, url=url, start_tls=start_tls, ca_file=str(other_ca))
        unavailable_within(TIMEOUT + SLACK, directory.authenticate, "agent", PASSWORD)
        assert directory.ping() is False


def test_certificate_for_another_host_name_is_refused(make_slapd, make_directory):
    server = make_slapd(tls=True)
    ca = str(server.certificates.ca)
    # The certificate names "localhost" only.
    for url, start_tls in (
        (server.starttls_url.replace("localhost", "127.0.0.1"), True),
        (server.ldaps_url.replace("localhost", "127.0.0.1"), False),
    ):
        directory = make_directory(server, url=url, start_tls=start_tls, ca_file=ca)
        unavailable_within(TIMEOUT + SLACK, directory.authenticate, "agent", PASSWORD)


def test_start_tls_refused_by_the_server_never_falls_back_to_cleartext(make_directory, slapd):
    # The session's slapd has no certificate, so it refuses StartTLS.
    directory = make_directory(slapd, start_tls=True)
    with pytest.raises(DirectoryUnavailable, match="StartTLS"):
        directory.authenticate("agent", PASSWORD)
