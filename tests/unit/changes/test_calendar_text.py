"""The iCalendar writing details: escaping, folding; and the demo's quarter-close window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from itsm.changes.calendar import _fold, _text
from itsm.changes.demo import quarter_close


def test_text_values_are_escaped() -> None:
    assert _text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "Замена диска " * 20
    folded = _fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_quarter_close_is_the_last_three_days_of_the_quarter() -> None:
    assert quarter_close(date(2026, 11, 23)) == (
        "Quarter close",
        datetime(2026, 12, 29, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert quarter_close(date(2026, 2, 1))[2] == datetime(2026, 4, 1, tzinfo=UTC)
