"""Times in words for people, in their language (Babel) and a given time zone.

"Thursday 3 December, 11:00" (en) / "четверг, 3 декабря, 11:00" (ru): what mails and pages say
when they promise a time; machines get ISO 8601 elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name


def local_time(value: datetime, zone: ZoneInfo | str, language: str | None) -> str:
    """``value`` in ``zone`` as weekday, day, month and time, in ``language``."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    locale = language or "en"
    text = format_datetime(value.astimezone(tz), "EEEE d MMMM, HH:mm", locale=locale)
    return text[:1].upper() + text[1:] if locale == "en" else text


def zone_label(zone: ZoneInfo | str, language: str | None) -> str:
    """The zone's name for people ("Moscow Time"), or its key when Babel has none."""
    key = zone if isinstance(zone, str) else zone.key
    try:
        return get_timezone_name(ZoneInfo(key), locale=language or "en")
    except Exception:  # noqa: BLE001 - an unusual zone still gets its key
        return key


def local_window(start: datetime, end: datetime, zone: ZoneInfo | str, language: str | None) -> str:
    """A time window in words: "Thursday 3 December, 22:00 – Friday 4 December, 01:00 (…)"."""
    return (
        f"{local_time(start, zone, language)} – {local_time(end, zone, language)}"
        f" ({zone_label(zone, language)})"
    )
