"""RELIABILITY.md S3: every address x six roles x someone else's object leaks nothing.

The addresses are made from the app (``endpoints.py``): routes, traversal views and the OpenAPI
paths. For each placeholder whose object a role may not see, the answer to that role for the
object must be the answer for a key that finds nothing: same status, same body (CSRF tokens and
request ids aside), so a hidden object and a missing one look the same.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from tests.functional.security.endpoints import (
    ROLES,
    Endpoint,
    Untaught,
    World,
    all_endpoints,
    placeholder_keys,
)

VOLATILE = [
    re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'),
    re.compile(r'(<meta name="csrf-token" content=")[^"]+'),
    re.compile(r"(request )[0-9a-f]{6,}"),
    re.compile(r'("rid"\s*:\s*")[^"]*'),
]


def normalize(text: str, *paths: str) -> str:
    for pattern in VOLATILE:
        text = pattern.sub(r"\1*", text)
    for path in paths:
        text = text.replace(path, "<path>")
    return text


def call(session: Any, endpoint: Endpoint, path: str) -> Any:
    """``endpoint`` at ``path`` as ``session``, with the session's CSRF token (S3 is about
    access; S4 sends requests without it)."""
    client, method = session.client, endpoint.method
    if path.startswith("/api/"):
        headers = {"X-CSRF-Token": session.csrf}
        if method == "GET":
            return client.get(path, headers=headers, expect_errors=True)
        send = getattr(client, f"{method.lower()}_json")
        return send(path, {}, headers=headers, expect_errors=True)
    if method == "GET":
        return client.get(path, expect_errors=True)
    send = getattr(client, method.lower())
    return send(path, {"csrf_token": session.csrf}, expect_errors=True)


def endpoints_of(app: Any) -> list[Endpoint]:
    spec = app.client().get("/api/v1/openapi.json").json
    return all_endpoints(app.registry, spec)


def test_every_address_is_taught_to_the_checks(app, world: World):
    endpoints = endpoints_of(app)
    assert len(endpoints) > 200, len(endpoints)
    untaught = []
    for endpoint in endpoints:
        try:
            world.fill(endpoint)
        except Untaught as error:
            untaught.append(str(error))
    assert not untaught, "\n".join(untaught)


def test_an_untaught_placeholder_fails_with_how_to_teach_it(world: World):
    endpoint = Endpoint("GET", "/api/v1/chats/{id}", "route api.chat")
    try:
        world.fill(endpoint)
    except Untaught as error:
        assert "PLACEHOLDERS" in str(error) and "'chats/{id}'" in str(error)
    else:
        raise AssertionError("an unknown placeholder was filled")


def test_no_role_tells_someone_elses_object_from_a_missing_one(app, sessions, world: World):
    leaks, checked = [], 0
    for endpoint in endpoints_of(app):
        for role in ROLES:
            for key in world.hidden_keys(endpoint, role):
                real_path, missing_path = world.fill(endpoint), world.fill(endpoint, missing=key)
                real = call(sessions[role], endpoint, real_path)
                missing = call(sessions[role], endpoint, missing_path)
                checked += 1
                same = real.status_int == missing.status_int and normalize(
                    real.text, real_path
                ) == normalize(missing.text, missing_path)
                if not same or real.status_int < 400:
                    leaks.append(
                        f"{role} ({ROLES[role]}) {endpoint.method} {real_path} "
                        f"[{endpoint.source}]: {real.status} vs {missing.status} for "
                        f"{missing_path}"
                    )
    assert checked > 300, checked
    assert not leaks, f"{len(leaks)} leaks in {checked} checks:\n" + "\n".join(leaks)


def test_the_world_is_visible_to_whom_it_should_be(app, sessions, world: World):
    """The other half: each object opens for the roles that may see it (or the check above
    would compare two 404s for the wrong reason)."""
    wrong = []
    for endpoint in endpoints_of(app):
        keys = placeholder_keys(endpoint.template)
        if endpoint.method != "GET" or len(keys) != 1:
            continue
        whole = keys[0][1].split("/", 1)[1]
        if not endpoint.template.rstrip("/").endswith(whole):
            continue
        target = world.target(keys[0][1], endpoint)
        for role in sorted(target.visible_to):
            path = world.fill(endpoint)
            response = call(sessions[role], endpoint, path)
            if response.status_int == 404:
                wrong.append(f"{role} {path} [{endpoint.source}]: {response.status}")
    assert not wrong, "\n".join(wrong)


#: Addresses that authenticate by a secret in the path, not by a login.
OWN_SECRET = {"route api.changes.feed", "route telegram.webhook"}


def test_a_visitor_not_logged_in_cannot_tell_an_object_from_a_missing_one(app, world: World):
    """Not logged in: someone's ticket and a number that finds nothing both answer the login
    page (HTML, with the address to come back to) or 401 (API), never login-vs-404."""
    client = app.client()
    csrf = ""
    leaks, checked = [], 0
    for endpoint in endpoints_of(app):
        if endpoint.source in OWN_SECRET:
            continue  # the path holds its own secret: whoever has it is let in
        for _name, key in placeholder_keys(endpoint.template):
            if world.target(key, endpoint).missing is None:
                continue
            real_path, missing_path = world.fill(endpoint), world.fill(endpoint, missing=key)
            anonymous = type("Anonymous", (), {"client": client, "csrf": csrf})
            real = call(anonymous, endpoint, real_path)
            missing = call(anonymous, endpoint, missing_path)
            checked += 1
            real_location = unquote(real.headers.get("Location", "")).replace(
                real_path.split("?")[0], "<path>"
            )
            missing_location = unquote(missing.headers.get("Location", "")).replace(
                missing_path.split("?")[0], "<path>"
            )
            if (
                real.status_int != missing.status_int
                or real_location != missing_location
                or normalize(unquote(real.text), real_path)
                != normalize(unquote(missing.text), missing_path)
            ):
                leaks.append(
                    f"{endpoint.method} {real_path} [{endpoint.source}]: {real.status} vs "
                    f"{missing.status} for {missing_path}"
                )
    assert checked > 150, checked
    assert not leaks, f"{len(leaks)} leaks in {checked} checks:\n" + "\n".join(leaks)


def test_a_visitor_not_logged_in_is_sent_to_log_in_for_a_missing_ticket(app):
    client = app.client()
    page = client.get("/incidents/INC-999999", status=302)
    assert "/login?came_from=%2Fincidents%2FINC-999999" in page.headers["Location"]
    api = client.get("/api/v1/incidents/INC-999999", status=401)
    assert api.json["error"]["code"] == "unauthorized"
    assert api.headers["WWW-Authenticate"].startswith("Bearer")
    client.get("/static/no-such-file.css", status=404)
