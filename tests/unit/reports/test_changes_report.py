"""Changes: success rate, emergency share and the failed ones, from facts in a store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from itsm.reports.facts import TicketFacts
from itsm.reports.filters import Filters
from itsm.reports.kpis import Source, build
from itsm.reports.store import ReportStore

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def change(number: str, kind: str, outcome: str, day: int) -> TicketFacts:
    ended = T0 + timedelta(days=day)
    return TicketFacts(
        number=number,
        kind="change",
        created=T0,
        status="closed",
        ended_at=ended,
        item=kind,
        outcome=outcome,
    )


def test_success_rate_emergency_share_and_failed_changes():
    store = ReportStore("Europe/Moscow")
    for facts in (
        change("CHG-1", "normal", "successful", 1),
        change("CHG-2", "normal", "successful_with_issues", 2),
        change("CHG-3", "emergency", "failed_backed_out", 3),
        change("CHG-4", "standard", "successful", 3),
    ):
        store.put(facts)
    now = T0 + timedelta(days=10)
    for day in store.stale_days():
        store.refresh(day, now)
    report = build(
        "changes",
        Source(store, None, now),
        Filters(date(2026, 3, 1), date(2026, 3, 31), kind="change"),
        "item",
    )
    rows = {r["key"]: r for r in report.tables[0].rows}
    assert rows["normal"]["success"] == 1.0 and rows["normal"]["ended"] == 2
    assert rows["emergency"]["success"] == 0.0 and rows["emergency"]["failed"] == 1
    assert rows["emergency"]["emergency"] == 1.0 and rows["standard"]["emergency"] == 0.0
    (failed,) = report.tables[1].rows
    assert failed["number"] == "CHG-3"
