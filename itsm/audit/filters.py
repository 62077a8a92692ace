"""The audit's filters, read from a query string alike by the page, the CSV and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm.audit.trail import KINDS

#: Days shown when no range is given.
DEFAULT_DAYS = 30


class BadFilter(ValueError):
    """A filter the audit cannot use; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AuditFilters:
    kinds: tuple[str, ...]
    person: str
    start: date
    end: date
    zone: ZoneInfo

    @property
    def moments(self) -> tuple[datetime, datetime]:
        """The range as aware moments: from the start of ``start`` to the end of ``end``."""
        low = datetime.combine(self.start, time(), self.zone)
        high = datetime.combine(self.end + timedelta(days=1), time(), self.zone)
        return low, high - timedelta(microseconds=1)

    def query(self) -> list[tuple[str, str]]:
        """The filters as query parameters (for the CSV link)."""
        pairs = [("kind", k) for k in self.kinds]
        if self.person:
            pairs.append(("person", self.person))
        return pairs + [("from", self.start.isoformat()), ("to", self.end.isoformat())]


def _day(params: Any, name: str, default: date) -> date:
    value = (params.get(name) or "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(name, f"{name}: expected a date YYYY-MM-DD, got {value[:20]!r}") from None


def parse_filters(params: Any, zone: ZoneInfo, now: datetime) -> AuditFilters:
    """Filters from ``kind`` (repeatable), ``person``, ``from``, ``to``; raises BadFilter."""
    every = params.getall("kind") if hasattr(params, "getall") else [params.get("kind")]
    kinds = tuple(k for k in every if k)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise BadFilter("kind", f"kind: unknown {unknown[0][:40]!r}")
    today = now.astimezone(zone).date()
    end = _day(params, "to", today)
    start = _day(params, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise BadFilter("from", "from: after to")
    person = (params.get("person") or "").strip()[:256]
    return AuditFilters(kinds, person, start, end, zone)
