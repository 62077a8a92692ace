"""Pure parts of the password flow: the rate limit and retry safety of directory writes."""

from __future__ import annotations

from types import SimpleNamespace

from itsm.selfservice.password import RateLimit, _set_password


def test_rate_limit_allows_a_number_per_window_and_forgets_old_events():
    now = [0.0]
    limit = RateLimit(2, 60, clock=lambda: now[0])
    assert limit.hit("Alice") and limit.hit("alice ")
    assert not limit.hit("ALICE")
    assert limit.exceeded("alice") and not limit.exceeded("bob")
    now[0] = 61.0
    assert not limit.exceeded("alice") and limit.hit("alice")


class CountingDirectory:
    def __init__(self, kind):
        self.kind = kind
        self.calls = []

    def set_password(self, login, new, old=None):
        self.calls.append((login, new, old))


def test_a_retried_request_does_not_change_an_ldap_password_twice():
    directory = CountingDirectory("ldap")
    environ = {}  # pyramid_retry runs the request again with the same environ
    for _attempt in range(2):
        _set_password(SimpleNamespace(directory=directory, environ=environ), "p", "new-pw-1", None)
    assert directory.calls == [("p", "new-pw-1", None)]


def test_a_retried_request_sets_a_local_password_again():
    # Local accounts live in the transaction that the retry rolled back.
    directory = CountingDirectory("local")
    environ = {}
    for _attempt in range(2):
        _set_password(SimpleNamespace(directory=directory, environ=environ), "p", "new-pw-1", None)
    assert len(directory.calls) == 2
