"""Helpers for change tests: the request tests' JSON clients, CI numbers, a change body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.functional.requests.conftest import api  # noqa: F401 - the fixture

#: Answers scoring 0 (low risk) and 10 (high risk) on the questionnaire.
LOW_RISK = {
    "impact": "none",
    "complexity": "low",
    "backout_tested": True,
    "done_before": True,
    "business_hours": False,
}
HIGH_RISK = {
    "impact": "all",
    "complexity": "high",
    "backout_tested": False,
    "done_before": False,
    "business_hours": True,
}


def at(days: int, hour: int = 22) -> datetime:
    """A time ``days`` from today at ``hour`` UTC (the tests plan well in the future), moved a
    week on when it would fall in or beside the demo's blackout window (the last three days of
    the quarter), which would refuse the change on some days of the year and not others."""
    from itsm.changes.demo import quarter_close

    today = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    when = today.replace(hour=hour) + timedelta(days=days)
    _name, start, end = quarter_close(today.date())
    if start - timedelta(days=2) <= when < end + timedelta(days=1):
        when += timedelta(days=7)
    return when


def ci_number(app: Any, name: str) -> str:
    """The number of the demo CI called ``name``."""
    return app.read(lambda root: next(ci.number for ci in root["cmdb"].values() if ci.name == name))


def change_body(
    cis: list[str],
    start: datetime,
    hours: int = 2,
    type_: str = "normal",
    answers: dict | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "title": "Patch the mail server",
        "type": type_,
        "reason": "Security update",
        "cis": cis,
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=hours)).isoformat(),
        "plans": {"implementation": "yum update", "backout": "snapshot", "test": "send a mail"},
        "risk_answers": LOW_RISK if answers is None else answers,
    }
    body.update(extra)
    return body


def raise_change(client: Any, body: dict[str, Any], status: int | str = 201) -> Any:
    response = client.post("/api/v1/changes", body, status=status)
    return response.json


def fire(client: Any, number: str, name: str, status: int | str = 200, **fields: Any) -> Any:
    response = client.post(
        f"/api/v1/changes/{number}/transitions", {"name": name, **fields}, status=status
    )
    return response.json
