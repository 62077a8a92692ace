"""A small desk with known timestamps, for checking every KPI against hand-worked values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.functional.incidents.conftest import ApiClient

HOLIDAY = date(2026, 3, 9)  # a Monday


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _ctx(root: Any, registry: Any, now: datetime, login: str | None) -> Any:
    from itsm.tickets.context import ActionContext

    if login is None:
        return ActionContext.system(root, registry, now)
    person = root["people"][login]
    return ActionContext(root, registry, now, login, frozenset(person.roles))


def build_desk(app: Any) -> dict[str, str]:
    """Four incidents in March 2026 (Standard calendar Mon–Fri 09–18 Moscow = 06–15 UTC):

    A (P3) 2 Mar 07:00, first reply 08:00, resolved 10:00 by its first agent; rated 5.
    B (P3) 3 Mar 07:00, started 07:30, waiting 08:00 → 4 Mar 08:00, resolved 09:00, reopened
      10:00 by the requester, resolved 12:00; rated 2.
    C (P3) Fri 6 Mar 14:00, handed to Network 14:30, started Tue 10 Mar 07:00 by agent2 (Mon 9
      Mar is a holiday), resolved 09:00.
    D (P1, 24×7) 2 Mar 07:00, started 07:30 (response target 15 min: breached), resolved 09:00.
    """
    from itsm.incidents.actions import add_entry, transition
    from itsm.incidents.intake import create_incident
    from itsm.selfservice import satisfaction
    from itsm.sla.models import get_sla_settings

    registry = app.registry
    numbers: dict[str, str] = {}

    def holiday(root: Any) -> None:
        settings = get_sla_settings(root)
        standard = settings.calendar("Standard")
        settings.set_calendar(standard.with_holidays([*standard.holidays, HOLIDAY]))

    app.write(holiday)

    def create(key: str, at: datetime, impact: str, urgency: str, title: str) -> None:
        def run(root: Any) -> None:
            incident = create_incident(
                _ctx(root, registry, at, "employee"),
                requester="employee",
                title=title,
                impact=impact,
                urgency=urgency,
            )
            numbers[key] = incident.number

        app.write(run)

    def act(key: str, at: datetime, login: str | None, name: str, **fields: Any) -> None:
        def run(root: Any) -> None:
            incident = root["incidents"][numbers[key]]
            if login == "$first":
                actor = incident.assignee
            else:
                actor = login
            transition(_ctx(root, registry, at, actor), incident, name, fields)

        app.write(run)

    def reply(key: str, at: datetime) -> None:
        def run(root: Any) -> None:
            incident = root["incidents"][numbers[key]]
            add_entry(_ctx(root, registry, at, incident.assignee), incident, "reply", "On it")

        app.write(run)

    def rate(key: str, at: datetime, score: int, comment: str) -> None:
        app.write(
            lambda root: satisfaction.record(
                root, root["incidents"][numbers[key]], score, comment, at
            )
        )

    done = {"resolution_code": "fixed", "resolution": "Done"}
    create("A", t(2, 7), "medium", "medium", "Outlook asks for my password")
    reply("A", t(2, 8))
    act("A", t(2, 10), "$first", "resolve", **done)
    rate("A", t(2, 11), 5, "Quick, thanks")

    create("D", t(2, 7), "high", "high", "Mail is down for everyone")
    act("D", t(2, 7, 30), "$first", "start")
    act("D", t(2, 9), "$first", "resolve", **done)

    create("B", t(3, 7), "medium", "medium", "Excel crashes on start")
    act("B", t(3, 7, 30), "$first", "start")
    act("B", t(3, 8), "$first", "wait", reason="Which file?")
    act("B", t(4, 8), "$first", "resume")
    act("B", t(4, 9), "$first", "resolve", **done)
    act("B", t(4, 10), "employee", "reopen")
    act("B", t(4, 12), "$first", "resolve", **done)
    rate("B", t(4, 13), 2, "")

    create("C", t(6, 14), "medium", "medium", "Monitor flickers")
    act("C", t(6, 14, 30), "$first", "assign", group="Network")
    act("C", t(10, 7), "agent2", "start")
    act("C", t(10, 9), "agent2", "resolve", **done)
    return numbers


@pytest.fixture
def reports_app(make_app: Any) -> Any:
    return make_app(**{"itsm.reports.max_age_minutes": "0"})


@pytest.fixture
def desk(reports_app: Any) -> dict[str, str]:
    from itsm.reports.jobs import rollup_job
    from itsm.worker.jobs import JobContext

    numbers = build_desk(reports_app)
    rollup_job(JobContext(reports_app.registry, reports_app.db, now=lambda: t(31, 12)))
    return numbers


@pytest.fixture
def api_as(reports_app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(reports_app, login)
        return clients[login]

    return client


@pytest.fixture
def api(app: Any) -> Any:
    """API clients with bearer tokens on the default demo app."""
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client
