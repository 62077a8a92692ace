"""RELIABILITY.md S4: every unsafe view refuses a cookie session that does not prove it is the
desk's own page (no token, another session's token, a foreign Origin) with a 400 and writes
nothing; and no GET on any address changes the database.

The addresses are those of ``endpoints.py`` (routes, traversal views, OpenAPI paths), so a new
view is checked without being listed here.
"""

from __future__ import annotations

from typing import Any

from tests.functional.security.endpoints import ROLES, Endpoint, World
from tests.functional.security.test_s3_no_leaks import endpoints_of

#: Unsafe addresses whose credential is not the session cookie, so a forged cross-site request
#: carries nothing to ride on; each with what proves the caller instead.
NOT_COOKIE_AUTHENTICATED = {
    ("POST", "/api/v1/mail/in"): "the mail intake's shared secret",
    ("POST", "/approvals/{id}/mail"): "the single-use signed token of the mailed link",
    ("POST", "/telegram/webhook/{secret}"): "the webhook's secret in the path and header",
}

FOREIGN = "https://attacker.example"


def _send(session: Any, endpoint: Endpoint, path: str, token: str | None, **headers: str) -> Any:
    client = session.client
    if path.startswith("/api/"):
        if token is not None:
            headers["X-CSRF-Token"] = token
        if endpoint.method == "DELETE":
            return client.delete(path, headers=headers, expect_errors=True)
        send = getattr(client, f"{endpoint.method.lower()}_json")
        return send(path, {}, headers=headers, expect_errors=True)
    body = {"csrf_token": token} if token is not None else {}
    send = getattr(client, endpoint.method.lower())
    return send(path, body, headers=headers, expect_errors=True)


def test_every_unsafe_view_refuses_forged_requests_and_writes_nothing(app, sessions, world: World):
    """As the administrator, or where the view is someone else's to use (an approver's
    decision) as the first of the six who gets past the permission check: 400 in each case;
    nobody's forged request is acted on."""
    unsafe = [e for e in endpoints_of(app) if e.unsafe]
    assert len(unsafe) > 100, len(unsafe)
    wrong, checked = [], 0
    for endpoint in unsafe:
        path = world.fill(endpoint)
        if (endpoint.method, endpoint.template) in NOT_COOKIE_AUTHENTICATED:
            # Without its own credential the cookie does not get such a request acted on.
            before = app.db.lastTransaction()
            answer = _send(sessions["admin"], endpoint, path, None, Origin=FOREIGN)
            if answer.status_int not in (400, 403, 404) or app.db.lastTransaction() != before:
                wrong.append(f"{endpoint.method} {path} without its credential: {answer.status}")
            continue
        reached = False
        for role in ("admin", *[r for r in ROLES if r != "admin"]):
            session = sessions[role]
            other = sessions["X" if role != "X" else "Y"]
            answers = []
            for case, token, headers in (
                ("no token", None, {}),
                ("another session's token", other.csrf, {}),
                ("a foreign Origin", session.csrf, {"Origin": FOREIGN}),
            ):
                before = app.db.lastTransaction()
                answer = _send(session, endpoint, path, token, **headers)
                checked += 1
                answers.append(answer.status_int)
                if answer.status_int not in (400, 403, 404) or app.db.lastTransaction() != before:
                    wrong.append(
                        f"{role} {endpoint.method} {path} [{endpoint.source}] {case}: "
                        f"{answer.status}"
                    )
            if set(answers) == {400}:
                reached = True
                break
            if 400 in answers:
                wrong.append(f"{role} {endpoint.method} {path}: mixed answers {answers}")
                break
        if not reached:
            wrong.append(f"{endpoint.method} {path} [{endpoint.source}]: no role reached the check")
    assert not wrong, f"{len(wrong)} of {checked}:\n" + "\n".join(wrong)


def test_the_same_request_with_the_right_token_and_origin_gets_past_the_check(app, sessions):
    admin = sessions["admin"]
    answer = admin.client.post_json(
        "/api/v1/me/tokens",
        {"label": "x"},
        headers={"X-CSRF-Token": admin.csrf, "Origin": "http://localhost"},
        status=201,
    )
    assert answer.json["token"]


def test_a_withheld_origin_is_left_to_the_token(app, sessions):
    """Browsers send ``Origin: null`` from pages with Referrer-Policy no-referrer (the reset
    link's): the token decides then, so a forged request still fails and the page works."""
    admin = sessions["admin"]
    path, body = "/api/v1/me/tokens", {"label": "x"}
    headers = {"Origin": "null"}
    admin.client.post_json(path, body, headers=headers, status=400)
    admin.client.post_json(path, body, headers={**headers, "X-CSRF-Token": admin.csrf}, status=201)


def test_no_get_on_any_address_changes_the_database(app, sessions, world: World):
    gets = [e for e in endpoints_of(app) if e.method == "GET"]
    changed = []
    for role in ROLES:
        for endpoint in gets:
            path = world.fill(endpoint)
            before = app.db.lastTransaction()
            answer = sessions[role].client.get(path, expect_errors=True)
            if app.db.lastTransaction() != before:
                changed.append(f"{role} GET {path} [{endpoint.source}]: {answer.status}")
    assert not changed, "\n".join(changed)
