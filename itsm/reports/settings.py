"""The reports' ini settings, parsed once in ``includeme`` and kept on the registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm.settings import ConfigError


@dataclass(frozen=True)
class ReportSettings:
    #: Days are counted, and the weekly mail is sent, in this zone (the business calendar's).
    timezone: str = "Europe/Moscow"
    #: A day's stored summary may be this many minutes behind before it is recomputed live.
    max_age_minutes: float = 10.0
    #: How often the worker refreshes summaries and repairs facts.
    rollup_seconds: float = 300.0
    #: The weekly mail: weekday (0 = Monday) and hour in ``timezone``.
    mail_weekday: int = 0
    mail_hour: int = 8
    #: Memory, in MiB, the web process may spend on unpickled summaries shared by its threads
    #: (estimated from their figures; the least recently used are dropped past it).
    cache_mib: float = 1024.0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse(raw: Mapping[str, Any]) -> ReportSettings:
    def number(key: str, default: float) -> float:
        value = raw.get(key)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{key} must be a number, got {value!r}") from None

    timezone = str(raw.get("itsm.reports.timezone") or "Europe/Moscow").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"itsm.reports.timezone: unknown time zone {timezone!r}") from None
    if number("itsm.reports.cache_mib", 1024.0) < 0:
        raise ConfigError("itsm.reports.cache_mib must not be negative")
    return ReportSettings(
        timezone=timezone,
        max_age_minutes=number("itsm.reports.max_age_minutes", 10.0),
        rollup_seconds=number("itsm.reports.rollup_seconds", 300.0),
        mail_weekday=int(number("itsm.reports.mail_weekday", 0)),
        mail_hour=int(number("itsm.reports.mail_hour", 8)),
        cache_mib=number("itsm.reports.cache_mib", 1024.0),
    )
