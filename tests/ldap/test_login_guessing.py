"""S8 (../shared/RELIABILITY.md): a wrong login and a wrong password look the same - message and
time - and guessing is throttled by the desk before the directory's own lockout would lock
the real account. Against a real slapd whose password policy locks after 10 failures."""

from __future__ import annotations

import statistics
import time

import ldap3
import pytest

from tests.conftest import login
from tests.plugins.slapd import PASSWORD, PEOPLE_BASE, ROOT_DN, ROOT_PASSWORD, SUFFIX

pytestmark = pytest.mark.ldap

REFUSED = "Wrong login or password."
#: The directory's lockout: more failures than the desk ever lets through.
DIRECTORY_LOCKOUT = 10


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _directory_locks_after(server, failures: int) -> None:
    conn = ldap3.Connection(server.url, ROOT_DN, ROOT_PASSWORD, auto_bind=True)
    conn.modify(
        f"cn=default,ou=policies,{SUFFIX}",
        {
            "pwdLockout": [(ldap3.MODIFY_REPLACE, ["TRUE"])],
            "pwdMaxFailure": [(ldap3.MODIFY_REPLACE, [str(failures)])],
        },
    )
    assert conn.result["result"] == 0, conn.result
    conn.unbind()


def _failures_in_directory(server, uid: str) -> tuple[int, bool]:
    conn = ldap3.Connection(server.url, ROOT_DN, ROOT_PASSWORD, auto_bind=True)
    conn.search(
        f"uid={uid},{PEOPLE_BASE}",
        "(objectClass=*)",
        search_scope=ldap3.BASE,
        attributes=["pwdFailureTime", "pwdAccountLockedTime"],
    )
    entry = conn.entries[0]
    failures = len(entry.pwdFailureTime.values) if "pwdFailureTime" in entry else 0
    locked = "pwdAccountLockedTime" in entry and bool(entry.pwdAccountLockedTime.values)
    conn.unbind()
    return failures, locked


def test_wrong_login_and_wrong_password_take_the_same_time(make_app, slapd):
    app = make_app(demo=False, **slapd.settings_overrides())
    # Not the throttle under test here: let every try reach the directory.
    app.registry.itsm_login_throttle.max_failures = 10**6
    app.registry.itsm_login_address_throttle.max_failures = 10**6
    client = app.client()
    timings: dict[str, list[float]] = {"agent": [], "no-such-person": []}
    for _ in range(40):
        for name, spent in timings.items():
            page = client.get("/login")
            form = page.forms["login-form"]
            form["login"], form["password"] = name, "not-the-password-1"
            started = time.perf_counter()
            answer = form.submit(status=200)
            spent.append(time.perf_counter() - started)
            assert REFUSED in answer.text
    known, unknown = (statistics.median(t) for t in timings.values())
    print(
        f"S8 medians of 40: wrong password {known * 1000:.1f} ms, unknown login "
        f"{unknown * 1000:.1f} ms, difference {abs(known - unknown) * 1000:.1f} ms"
    )
    assert abs(known - unknown) < 0.010, (known, unknown)


def test_a_hundred_guesses_never_lock_the_directory_account(make_app, make_slapd):
    server = make_slapd()
    _directory_locks_after(server, DIRECTORY_LOCKOUT)
    app = make_app(demo=False, **server.settings_overrides())
    clock = FakeClock()
    app.registry.itsm_login_throttle.clock = clock
    app.registry.itsm_login_address_throttle.clock = clock
    client = app.client()
    answers = [login(client, "agent", f"guess-{n:03d}", status="*") for n in range(100)]
    refused = [a for a in answers if REFUSED in a.text]
    throttled = [a for a in answers if a.status_int == 429 or "Too many" in a.text]
    assert len(refused) == 5 and len(throttled) == 95, [a.status for a in answers[:8]]
    failures, locked = _failures_in_directory(server, "agent")
    assert failures == 5 and not locked  # the directory saw 5 of the 100, below its 10
    # When the desk's lock has passed the real owner logs in.
    clock.now += 61
    login(client, "agent", PASSWORD, status=303)


def test_one_password_across_many_accounts_is_throttled_by_address(make_app, slapd):
    app = make_app(demo=False, **slapd.settings_overrides())
    limit = app.registry.itsm_login_address_throttle.max_failures
    assert limit == 30  # etc/test.ini
    client = app.client()
    answers = [login(client, f"user{n:03d}", "Summer2026!", status="*") for n in range(limit + 5)]
    assert all(REFUSED in a.text for a in answers[:limit])
    assert all(REFUSED not in a.text for a in answers[limit:])
    # Another address is not held up by that one.
    other = app.client(REMOTE_ADDR="10.9.8.7")
    assert REFUSED in login(other, "user999", "Summer2026!", status="*").text
