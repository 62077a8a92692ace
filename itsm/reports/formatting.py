"""Values of a report in the reader's locale (Babel): numbers, shares, durations, dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from itsm.i18n import _
from itsm.ui.forms import duration


def duration_text(seconds: float, translate: Any) -> str:
    """ "2 d 3 h", "3 h 20 min" or "12 min" (days of 24 hours), translated."""
    return translate(duration(seconds))


@lru_cache(maxsize=8192)
def _count_text(value: int, locale: str) -> str:
    # Babel takes ~0.1 ms a number; a year's backlog table has 1,500 of them, mostly repeated.
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=4096)
def _date_text(value: date, locale: str) -> str:
    return format_date(value, "medium", locale=locale)


class Formatter:
    """Formats one cell for people (pages, mail, CSV and XLSX text cells)."""

    def __init__(self, locale: str, translate: Any, zone: Any = UTC) -> None:
        self.locale = locale
        self.translate = translate
        self.zone = zone

    def __call__(self, value: Any, kind: str) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, tuple):
            return "; ".join(self(v, "text") for v in value)
        if kind == "share":
            return format_percent(value, "#,##0.0%", locale=self.locale)
        if kind == "duration":
            return duration_text(value, self.translate)
        if kind == "number":
            return format_decimal(value, "#,##0.00", locale=self.locale)
        if kind == "count":
            if type(value) is int:
                return _count_text(value, self.locale)
            return format_decimal(value, locale=self.locale)
        if kind == "state":
            from itsm.reports.dashboards import STATE_TITLES

            return self.translate(STATE_TITLES.get(value, value))
        if kind == "bool":
            return self.translate(_("yes")) if value else ""
        if isinstance(value, datetime):
            return format_datetime(value.astimezone(self.zone), "short", locale=self.locale)
        if isinstance(value, date):
            return _date_text(value, self.locale)
        if hasattr(value, "interpolate"):
            return self.translate(value)
        return str(value)

    def key(self, value: Any, by: str) -> str:
        """A row's label: priorities as P1.., empty values as "(none)"."""
        if value in ("", None):
            return self.translate(_("(none)"))
        if by == "priority":
            return f"P{value}"
        if isinstance(value, date | datetime):
            return self(value, "date")
        return str(value)
