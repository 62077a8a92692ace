"""Report periods: presets, explicit dates, and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from itsm.reports.filters import FilterError, parse

MOSCOW = ZoneInfo("Europe/Moscow")
# Thursday 3 December 2026, 22:30 UTC: already Friday 4 December in Moscow.
NOW = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)


def test_presets_count_days_in_the_reports_zone():
    week = parse({"period": "week"}, NOW, MOSCOW)
    assert (week.start, week.end) == (date(2026, 11, 30), date(2026, 12, 4))
    thirty = parse({}, NOW, MOSCOW)
    assert (thirty.start, thirty.end, thirty.preset) == (
        date(2026, 11, 5),
        date(2026, 12, 4),
        "30d",
    )
    quarter = parse({"period": "quarter"}, NOW, MOSCOW)
    assert quarter.start == date(2026, 10, 1)


def test_explicit_dates_and_dimension_filters():
    chosen = parse(
        {"start": "2026-03-01", "end": "2026-03-31", "group": "Network", "priority": "2"},
        NOW,
        MOSCOW,
    )
    assert chosen.dims() == {"group": "Network", "priority": 2}
    assert chosen.query()["start"] == "2026-03-01"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"start": "March"}, "start"),
        ({"start": "2026-03-31", "end": "2026-03-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
        ({"kind": "problem"}, "kind"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_bad_values_name_their_field(params, field):
    with pytest.raises(FilterError) as refused:
        parse(params, NOW, MOSCOW)
    assert refused.value.field == field
