"""What a report covers: a date range (or a preset), a ticket kind and optional filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm.i18n import _

PRESETS = {
    "week": _("This week"),
    "30d": _("Last 30 days"),
    "quarter": _("This quarter"),
    "12m": _("Last 12 months"),
}
FILTER_DIMS = ("group", "priority", "category", "channel", "agent")
#: The longest range a report accepts (keeps a page's work bounded).
MAX_DAYS = 3 * 366


class FilterError(ValueError):
    """A parameter has a value we cannot use; ``field`` names it."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    kind: str = "incident"
    preset: str = ""
    group: str | None = None
    priority: int | None = None
    category: str | None = None
    channel: str | None = None
    agent: str | None = None

    def dims(self) -> dict[str, Any]:
        """The dimension filters given (for :meth:`KindDay.select`)."""
        return {d: getattr(self, d) for d in FILTER_DIMS if getattr(self, d) not in (None, "")}

    @property
    def days(self) -> range:
        return range(self.start.toordinal(), self.end.toordinal() + 1)

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def query(self) -> dict[str, str]:
        """As URL parameters (for links and exports)."""
        params: dict[str, str] = {"kind": self.kind}
        if self.preset:
            params["period"] = self.preset
        else:
            params["start"], params["end"] = self.start.isoformat(), self.end.isoformat()
        for name, value in self.dims().items():
            params[name] = str(value)
        return params


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "week":
        return today - timedelta(days=today.weekday()), today
    if preset == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        return date(today.year, first_month, 1), today
    if preset == "12m":
        return today - timedelta(days=364), today
    return today - timedelta(days=29), today


#: The kinds a report may be asked for; "all" only where the report says it can (kpis).
KINDS = ("incident", "request", "change", "all")


def parse(
    params: Mapping[str, str],
    now: datetime,
    zone: ZoneInfo,
    default_preset: str = "30d",
    default_kind: str = "incident",
) -> Filters:
    """Filters from request parameters (``period`` or ``start``/``end``, and dimensions)."""
    today = now.astimezone(zone).date()
    preset = (params.get("period") or "").strip()
    start_text, end_text = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    if preset and preset not in PRESETS:
        raise FilterError("period", _("Choose one of the options."))
    if not preset and (start_text or end_text):
        try:
            start = date.fromisoformat(start_text) if start_text else today - timedelta(days=29)
            end = date.fromisoformat(end_text) if end_text else today
        except ValueError:
            raise FilterError("start", _("Invalid date.")) from None
        if end < start:
            raise FilterError("end", _("The end comes before the start."))
        if (end - start).days > MAX_DAYS:
            raise FilterError("end", _("At most three years."))
    else:
        preset = preset or default_preset
        start, end = preset_range(preset, today)
    kind = params.get("kind") or default_kind
    if kind not in KINDS:
        raise FilterError("kind", _("Choose one of the options."))
    priority = None
    if params.get("priority"):
        try:
            priority = int(params["priority"])
        except ValueError:
            raise FilterError("priority", _("Choose one of the options.")) from None
    values = {
        d: (params.get(d) or "").strip()[:100] or None for d in FILTER_DIMS if d != "priority"
    }
    return Filters(start, end, kind, preset, priority=priority, **values)
