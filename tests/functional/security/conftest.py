"""The World of the access checks (RELIABILITY.md S3, S4): six people logged in, and objects
that belong to someone, made through the API as their owners would make them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import webtest

from tests.conftest import csrf_of, logged_in
from tests.functional.requests.conftest import DEMO_ORDERS
from tests.functional.security.endpoints import EVERYONE, ROLES, STAFF, Target, World

MISSING_NUMBER = "-999999"


@dataclass
class Session:
    """One person logged in through the form, with the CSRF token of their session."""

    role: str
    login: str
    client: webtest.TestApp
    csrf: str

    def api(self, method: str, path: str, body: Any = None, status: Any = "*") -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        if method == "GET":
            return self.client.get(path, headers=headers, status=status)
        call = getattr(self.client, f"{method.lower()}_json")
        return call(path, body, headers=headers, status=status)


def open_sessions(app: Any) -> dict[str, Session]:
    sessions = {}
    for role, login in ROLES.items():
        client = logged_in(app, login)
        sessions[role] = Session(role, login, client, csrf_of(client.get("/")))
    return sessions


def _created(response: Any) -> dict[str, Any]:
    assert response.status_int in (200, 201), (response.request.url, response.status, response.text)
    return response.json


def build_world(app: Any, s: dict[str, Session]) -> World:
    """B's incident (with a file), requests, CI and chat; X's change, problem, draft article,
    saved view and recurring request; the desk's macro, canned reply, groups, SLA settings,
    reports, a held mail and an announcement."""
    from itsm.mailin.intake import hold_failed

    employee_b, agent_x, admin = s["B"], s["X"], s["admin"]
    incident = _created(
        employee_b.api(
            "POST",
            "/api/v1/incidents",
            {
                "title": "My salary slip is wrong",
                "description": "Private",
                "impact": "low",
                "urgency": "low",
            },
        )
    )["number"]
    request = _created(
        employee_b.api(
            "POST",
            "/api/v1/requests",
            {"item": "new-laptop", "fields": DEMO_ORDERS["new-laptop"]},
        )
    )
    change = _created(
        agent_x.api(
            "POST",
            "/api/v1/changes",
            _change_body(app),
        )
    )
    problem = _created(agent_x.api("POST", "/api/v1/problems", {"title": "Printers jam"}))["number"]
    runbook = {"title": "Internal runbook", "body": "x"}
    article = _created(agent_x.api("POST", "/api/v1/kb", runbook))
    view = _created(agent_x.api("POST", "/api/v1/views", {"name": "My queue"}))
    macro = _created(
        admin.api("POST", "/api/v1/macros", {"key": "tag-it", "title": "Tag it", "tag": "t"})
    )
    recurring = _created(
        agent_x.api(
            "POST",
            "/api/v1/recurring",
            {
                "id": "nightly-check",
                "item": "software-install",
                "fields": {"software": "Antivirus update"},
                "requester": "employee2",
                "schedule": {"kind": "daily", "time": "09:00"},
            },
        )
    )
    announcement = _created(
        admin.api("POST", "/api/v1/announcements", {"title": "Planned outage", "body": "x"})
    )
    chat = _created(employee_b.api("POST", "/api/v1/chats", {"text": "About my salary"}))
    held = app.write(
        lambda root: (
            hold_failed(
                root,
                b"From: x@example.com\r\n\r\nbody",
                registry=app.registry,
                source="t",
                error="e",
            ).held
        )
    )
    steps = (request.get("approval") or {}).get("steps") or []
    approval = next(step["id"] for step in steps if step.get("id"))
    # A request without approval gets its fulfilment tasks at once.
    order = _created(
        employee_b.api(
            "POST",
            "/api/v1/requests",
            {"item": "software-install", "fields": DEMO_ORDERS["software-install"]},
        )
    )
    tasks = _created(agent_x.api("GET", f"/api/v1/requests/{order['number']}/tasks"))["items"]
    assert tasks, order
    ci = app.read(
        lambda root: next(c.number for c in root["cmdb"].values() if c.owner == "employee2")
    )
    feed = _created(agent_x.api("POST", "/api/v1/changes/calendar/feed"))
    secret = feed["url"].rsplit("/", 1)[-1].removesuffix(".ics")
    b_and_staff = frozenset({"B"} | STAFF)
    targets = {
        "incident": Target(incident, "INC" + MISSING_NUMBER, b_and_staff),
        # B's manager approves the laptop, so sees the request.
        "request": Target(request["number"], "REQ" + MISSING_NUMBER, b_and_staff | {"manager"}),
        "ci": Target(ci, "CI" + MISSING_NUMBER, b_and_staff),
        "change": Target(change["number"], "CHG" + MISSING_NUMBER, STAFF | {"manager"}),
        "problem": Target(problem, "PRB" + MISSING_NUMBER, STAFF),
        "draft_article": Target(article["number"], "KB" + MISSING_NUMBER, STAFF),
        # An administrator may change or delete anyone's saved view.
        "saved_view": Target(str(view["id"]), "no-such-view", frozenset({"X", "admin"})),
        "macro": Target(macro["key"], "no-such-macro", STAFF),
        "canned_reply": Target("password", "no-such-reply", STAFF),
        "watcher": Target("employee2", "nobody", EVERYONE),
        "announcement": Target(str(announcement["id"]), "no-such-announcement", EVERYONE),
        "catalog_item": Target("new-laptop", "no-such-item", EVERYONE),
        "request_file": Target("reason", "no-such-field", EVERYONE),
        # The requester follows the fulfilment tasks of their request.
        "task": Target(tasks[0]["id"], "no-such-task", b_and_staff),
        "recurring": Target(recurring["id"], "no-such-template", STAFF),
        "held_mail": Target(held, "0000000000000000", STAFF),
        # Managers look people up (approvals, their teams).
        "person": Target("employee2", "nobody", b_and_staff | {"manager"}),
        "group": Target("Network", "No-such-group", STAFF),
        "sla_policy": Target("incident", "no-such-kind", frozenset({"admin"})),
        "sla_calendar": Target("standard", "no-such-calendar", frozenset({"admin"})),
        # Report names are no secret (the OpenAPI description lists them): not compared.
        "report": Target("response", None, STAFF | {"manager"}),
        "report_export": Target("response.csv", None, STAFF | {"manager"}),
        "calendar_secret": Target(f"{secret}.ics", "0" * len(secret) + ".ics", EVERYONE),
    }
    # The Telegram webhook's path secret (a credential, not an object; off in test.ini: 404).
    targets["telegram_secret"] = Target("not-configured", "0" * 14, EVERYONE)
    # With the virtual agent still: B and the administrators (no group or agent yet).
    targets["chat"] = Target(chat["key"], "no-such-chat", frozenset({"B", "admin"}))
    # The approver decides; IT staff see the steps of the requests they work on.
    targets["approval"] = Target(approval, "REQ-999999-1", STAFF | {"manager"})
    return World(targets)


def _change_body(app: Any) -> dict[str, Any]:
    from tests.functional.changes.conftest import at, change_body, ci_number

    return change_body([ci_number(app, "mail01")], at(20), type_="standard")


@pytest.fixture
def sessions(app: Any) -> dict[str, Session]:
    return open_sessions(app)


@pytest.fixture
def world(app: Any, sessions: dict[str, Session]) -> World:
    return build_world(app, sessions)
