"""The SLA clock: business time between instants, and deadlines, as pure functions.

Everything here is a function of its arguments (a calendar, stored timestamps, pauses), so a
restarted worker computes exactly what a running one would have: no time is lost or doubled.

Internally instants are integer microseconds since the epoch, so sums and differences are
exact and ``business_seconds(cal, s, add_business_seconds(cal, s, x)) == x`` to the microsecond.
The unit of work is one local day: its working intervals become UTC spans once (cached per
calendar and date), so a target of weeks costs one step per day, never one per minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from operator import is_
from typing import Any
from zoneinfo import ZoneInfo

from itsm.i18n import _
from itsm.sla.calendar import BusinessCalendar, CalendarError, parse_time

Pause = tuple[datetime, datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_DAY = timedelta(days=1)
#: Days in a row without working time, all after the last holiday, that prove a calendar never
#: works again: two weeks, because one weekday's only interval may vanish into a DST gap once.
_EMPTY_DAYS_LIMIT = 14


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the SLA clock needs aware datetimes, got naive {moment!r}")
    return (moment - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _wall_instant(zone: ZoneInfo, day: date, minutes: int) -> int:
    """The first instant at which the local clock shows, or has passed, ``minutes`` on ``day``."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    early = wall.replace(tzinfo=zone, fold=0)
    utc = early.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == wall:
        # Exists; fold=0 is the first occurrence when the wall time repeats (falling back).
        return _to_us(utc)
    # The wall time falls in a gap (springing forward): the answer is the transition, which lies
    # between the two readings PEP 495 gives; find it by bisection on whole seconds.
    a = _to_us(wall.replace(tzinfo=zone, fold=1).astimezone(UTC)) // 1_000_000
    b = _to_us(utc) // 1_000_000
    low, high = min(a, b), max(a, b)
    while low < high:
        middle = (low + high) // 2
        local = datetime.fromtimestamp(middle, zone).replace(tzinfo=None)
        if local >= wall:
            high = middle
        else:
            low = middle + 1
    return low * 1_000_000


@lru_cache(maxsize=256)
def _compiled(cal: BusinessCalendar) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Working intervals in minutes per weekday (parsing "HH:MM" once per calendar)."""
    return tuple(
        tuple((parse_time(start), parse_time(end)) for start, end in intervals)
        for _day, intervals in cal.hours
    )


@lru_cache(maxsize=16384)
def _day_spans(cal: BusinessCalendar, day: date) -> tuple[tuple[int, int], ...]:
    """The working time of one local date as sorted, disjoint UTC spans in microseconds."""
    if day in cal.holidays:
        return ()
    zone = cal.zone
    spans = []
    for first, last in _compiled(cal)[day.weekday()]:
        start, end = _wall_instant(zone, day, first), _wall_instant(zone, day, last)
        if end > start:  # an interval entirely inside a skipped hour has no time
            spans.append((start, end))
    return tuple(spans)


def _local_date(cal: BusinessCalendar, us: int) -> date:
    return _from_us(us).astimezone(cal.zone).date()


def _check_works(cal: BusinessCalendar) -> None:
    if not cal.has_working_hours:
        raise CalendarError(_("Calendar ${name} has no working hours.", mapping={"name": cal.name}))


def _business_us(cal: BusinessCalendar, start: int, end: int) -> int:
    if end <= start:
        return 0
    if cal.is_always:
        return end - start
    # One day of margin on each side: where the clock falls back across midnight, an instant
    # may carry the previous local date while lying after that date's last span begins.
    day = _local_date(cal, start) - _DAY
    last = _local_date(cal, end) + _DAY
    total = 0
    while day <= last:
        for span_start, span_end in _day_spans(cal, day):
            low, high = max(span_start, start), min(span_end, end)
            if high > low:
                total += high - low
        day += _DAY
    return total


def _add_us(cal: BusinessCalendar, start: int, amount: int) -> int:
    if amount <= 0:
        return start
    if cal.is_always:
        return start + amount
    _check_works(cal)
    last_holiday = max(cal.holidays, default=date.min)
    day = _local_date(cal, start) - _DAY
    remaining = amount
    empty_days = 0
    while True:
        found = False
        for span_start, span_end in _day_spans(cal, day):
            low = max(span_start, start)
            if span_end <= low:
                continue
            found = True
            if span_end - low >= remaining:
                return low + remaining
            remaining -= span_end - low
        # Only days after the last holiday count: before it, a gap may be holidays.
        empty_days = 0 if found or day <= last_holiday else empty_days + 1
        if empty_days > _EMPTY_DAYS_LIMIT:
            # Weeks without holidays repeat: if two of them hold no working time, none ever will
            # (hours that exist only inside skipped DST hours, say), and the loop must end.
            raise CalendarError(
                _("Calendar ${name} has no working time left.", mapping={"name": cal.name})
            )
        day += _DAY


def business_seconds(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business time in seconds between two aware datetimes; 0 if ``end <= start``."""
    return _business_us(cal, _to_us(start), _to_us(end)) / 1_000_000


def add_business_seconds(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The aware UTC instant at which ``seconds`` of business time have elapsed after ``start``.

    The earliest such instant: a target that ends exactly at closing time is due at closing
    time, not at the next opening. Raises :class:`CalendarError` (a ValueError) for a calendar
    in which no time counts, and ValueError for negative ``seconds``.
    """
    if seconds < 0:
        raise ValueError(f"business seconds must not be negative, got {seconds!r}")
    return _from_us(_add_us(cal, _to_us(start), round(seconds * 1_000_000)))


def _pause_spans(
    pauses: Iterable[Pause], start: int, now: int | None
) -> tuple[list[tuple[int, int]], int | None]:
    """Closed pauses clipped to ``[start, now]``, sorted and merged, plus the start of an open one.

    A pause beginning after ``now`` has not happened yet as far as ``now`` is concerned.
    """
    closed: list[tuple[int, int]] = []
    open_from: int | None = None
    for pause_start, pause_end in pauses:
        low = max(_to_us(pause_start), start)
        if now is not None and low >= now:
            continue
        if pause_end is None:
            open_from = low if open_from is None else min(open_from, low)
            continue
        high = _to_us(pause_end)
        if now is not None:
            high = min(high, now)
        if high > low:
            closed.append((low, high))
    closed.sort()
    merged: list[tuple[int, int]] = []
    for low, high in closed:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    if open_from is not None:
        # Whatever a closed pause covers after an open one began is inside the open one.
        merged = [(low, min(high, open_from)) for low, high in merged if low < open_from]
    return merged, open_from


def elapsed(
    cal: BusinessCalendar, start: datetime, now: datetime, pauses: Sequence[Pause] = ()
) -> float:
    """Business seconds from ``start`` to ``now`` minus the business time spent paused.

    ``pauses`` are ``(begin, end)`` pairs; ``end`` None means still paused, counted to ``now``.
    Overlapping pauses count once.
    """
    start_us, now_us = _to_us(start), _to_us(now)
    if now_us <= start_us:
        return 0.0
    closed, open_from = _pause_spans(pauses, start_us, now_us)
    spans = closed + ([(open_from, now_us)] if open_from is not None else [])
    paused = sum(_business_us(cal, low, high) for low, high in spans)
    return (_business_us(cal, start_us, now_us) - paused) / 1_000_000


_HOUR_US = 3_600_000_000


def _same(kept: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    # map(is_) compares in C: this runs a few times per ticket on every list page.
    return len(kept) == len(now) and all(map(is_, kept, now))


def elapsed_kept(
    cal: BusinessCalendar,
    start: datetime,
    now: datetime,
    pauses: Sequence[Pause],
    memo: dict[Any, Any],
    key: Any,
    same: tuple[Any, ...],
) -> float:
    """:func:`elapsed`, exactly, reusing the business time up to the last full hour kept in
    ``memo[key]``, if it was counted for the very same objects ``same`` (the start, pauses,
    targets and calendar as stored: any change replaces one of them).

    Business time is a sum of whole microseconds over working spans, so counting up to the
    hour and from there to ``now`` gives the same integer as counting at once; when a pause
    is open or ends after that hour, it is simply counted whole.
    """
    start_us, now_us = _to_us(start), _to_us(now)
    hour = now_us - now_us % _HOUR_US
    if hour <= start_us or any(
        end is None or _to_us(end) > hour or _to_us(begin) >= hour for begin, end in pauses
    ):
        return elapsed(cal, start, now, pauses)
    kept = memo.get(key)
    if kept is not None and kept[0] == hour and _same(kept[1], same):
        base = kept[2]
    else:
        closed, _open = _pause_spans(pauses, start_us, hour)
        base = _business_us(cal, start_us, hour) - sum(
            _business_us(cal, low, high) for low, high in closed
        )
        memo[key] = (hour, same, base)
    return (base + _business_us(cal, hour, now_us)) / 1_000_000


def deadline(
    cal: BusinessCalendar,
    start: datetime,
    target_seconds: float,
    pauses: Sequence[Pause] = (),
    now: datetime | None = None,
) -> datetime | None:
    """The instant at which ``target_seconds`` of unpaused business time have elapsed, or None.

    None means "not known while paused": the clock is stopped and the deadline moves with the
    length of the pause; use :func:`elapsed` for the time left. If the target was already
    reached before the open pause began, that past instant is the answer (a breach is a breach).
    ``now``, if given, ignores pauses that begin after it (the deadline as known at ``now``).
    """
    if target_seconds < 0:
        raise ValueError(f"an SLA target must not be negative, got {target_seconds!r}")
    cursor = _to_us(start)
    remaining = round(target_seconds * 1_000_000)
    closed, open_from = _pause_spans(pauses, cursor, _to_us(now) if now is not None else None)
    if open_from is not None:
        closed.append((open_from, open_from))  # only its beginning matters below
    for index, (low, high) in enumerate(closed):
        due = _add_us(cal, cursor, remaining)
        if due <= low:
            return _from_us(due)
        if open_from is not None and index == len(closed) - 1:
            return None
        remaining -= _business_us(cal, cursor, low)
        cursor = max(cursor, high)
    return _from_us(_add_us(cal, cursor, remaining))
