"""Properties of the SLA clock over random calendars, time zones, holidays, starts and pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from itsm.sla.calendar import BusinessCalendar, format_time
from itsm.sla.clock import add_business_seconds, business_seconds, deadline, elapsed

# DST at 02:00 and 03:00, DST at midnight (Santiago), half-hour DST (Lord Howe), none at all.
ZONES = [
    "UTC",
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
]
FIRST, LAST = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC)
US = timedelta(microseconds=1)
TOLERANCE = 1e-6

# 200 examples a property in the suite; more with a profile that asks for more
# (``--hypothesis-profile=reliability``: 10,000, RELIABILITY.md R9).
PROPERTIES = settings(max_examples=max(200, settings.default.max_examples), deadline=None)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Up to four working intervals a weekday, up to twelve holidays, one of ZONES.

    Interval bounds are drawn as one list of (weekday, minute) pairs: far cheaper to generate
    than a list per weekday, which keeps the suite quick at 200 examples a property.
    """
    bounds: dict[int, set[int]] = {}
    for day, minute in draw(
        st.lists(st.tuples(st.integers(0, 6), st.integers(0, 24 * 60)), max_size=28)
    ):
        bounds.setdefault(day, set()).add(minute)
    hours = {}
    for day, minutes in bounds.items():
        points = sorted(minutes)[: len(minutes) // 2 * 2]
        hours[day] = [
            (format_time(a), format_time(b)) for a, b in zip(points[::2], points[1::2], strict=True)
        ]
    offsets = draw(st.lists(st.integers(0, 730), max_size=12))
    holidays = frozenset(date(2024, 1, 1) + timedelta(days=n) for n in offsets)
    return BusinessCalendar("Random", draw(st.sampled_from(ZONES)), hours, holidays)


def working_calendars() -> st.SearchStrategy[BusinessCalendar]:
    return calendars().filter(lambda cal: cal.has_working_hours)


instants = st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
spans = st.integers(0, 21 * 24 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))


def weekly_seconds(cal: BusinessCalendar) -> int:
    return sum(
        (int(end[:2]) * 60 + int(end[3:]) - int(start[:2]) * 60 - int(start[3:])) * 60
        for _day, intervals in cal.hours
        for start, end in intervals
    )


def works_by_the_wall_clock(cal: BusinessCalendar, moment: datetime) -> bool:
    """An independent reading: the local date is no holiday and the local time is in hours."""
    local = moment.astimezone(ZoneInfo(cal.timezone))
    if local.date() in cal.holidays:
        return False
    now = local.strftime("%H:%M:%S.%f")
    return any(start <= now < end for start, end in cal.intervals(local.weekday()))


def near_a_transition(cal: BusinessCalendar, moment: datetime) -> bool:
    zone = ZoneInfo(cal.timezone)
    hours = timedelta(hours=3)
    return (moment - hours).astimezone(zone).utcoffset() != (moment + hours).astimezone(
        zone
    ).utcoffset()


@PROPERTIES
@given(calendars(), instants)
def test_the_clock_counts_a_moment_exactly_when_the_wall_clock_says_it_is_working(cal, moment):
    assume(not near_a_transition(cal, moment))
    counted = business_seconds(cal, moment, moment + US)
    assert counted == (1e-6 if works_by_the_wall_clock(cal, moment) else 0)


@PROPERTIES
@given(calendars(), st.dates(date(2024, 1, 2), date(2025, 12, 30)))
def test_gaps_between_working_intervals_count_nothing(cal, day):
    zone = ZoneInfo(cal.timezone)
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    assume(midnight.utcoffset() == (midnight + timedelta(days=1)).utcoffset())
    bounds = ["00:00"] + [t for interval in cal.intervals(day.weekday()) for t in interval]
    bounds.append("24:00")
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        low = midnight + timedelta(hours=int(start[:2]), minutes=int(start[3:]))
        high = midnight + timedelta(hours=int(end[:2]), minutes=int(end[3:]))
        assert business_seconds(cal, low, high) == 0


@PROPERTIES
@given(calendars(), instants, spans)
def test_business_time_never_exceeds_real_time(cal, start, span):
    assert 0 <= business_seconds(cal, start, start + span) <= span.total_seconds()


@PROPERTIES
@given(calendars(), instants, spans, spans)
def test_business_time_is_monotonic_in_the_end(cal, start, first, second):
    early, late = sorted([first, second])
    assert business_seconds(cal, start, start + early) <= business_seconds(cal, start, start + late)


@PROPERTIES
@given(calendars(), instants, spans, spans)
def test_business_time_is_additive(cal, a, first, second):
    b, c = a + first, a + first + second
    whole = business_seconds(cal, a, c)
    assert abs(whole - (business_seconds(cal, a, b) + business_seconds(cal, b, c))) < TOLERANCE


@PROPERTIES
@given(working_calendars(), instants, st.floats(0, 1), st.data())
def test_adding_business_time_then_measuring_it_gives_it_back(cal, start, share, data):
    # Up to six weeks of the calendar's working time, so sparse calendars stay quick.
    seconds = round(share * 6 * weekly_seconds(cal) * 10**6) / 10**6
    local_start = start.astimezone(ZoneInfo(data.draw(st.sampled_from(ZONES))))
    due = add_business_seconds(cal, local_start, seconds)
    assert due.tzinfo is UTC and due >= start
    assert abs(business_seconds(cal, local_start, due) - seconds) < TOLERANCE
    if seconds > 0:
        # The earliest such instant: a microsecond sooner is not enough.
        assert business_seconds(cal, start, due - US) < seconds


@st.composite
def closed_pauses(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime]]:
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        begin = start + draw(spans) - timedelta(days=1)
        pauses.append((begin, begin + draw(spans) / 4))
    return pauses


@PROPERTIES
@given(working_calendars(), instants, st.floats(0, 1), st.data())
def test_a_deadline_with_pauses_measures_back_to_the_target(cal, start, share, data):
    target = round(share * 3 * weekly_seconds(cal))
    pauses = data.draw(closed_pauses(start))
    due = deadline(cal, start, target, pauses)
    assert due is not None
    assert abs(elapsed(cal, start, due, pauses) - target) < TOLERANCE
    if target > 0:
        assert elapsed(cal, start, due - US, pauses) < target
    assert due >= deadline(cal, start, target)  # pausing never brings a deadline forward


@PROPERTIES
@given(working_calendars(), instants, st.integers(1, 40 * 3600), st.data())
def test_a_pause_before_the_deadline_shifts_it_by_the_paused_business_time(
    cal, start, target, data
):
    plain = deadline(cal, start, target)
    begin = start + (plain - start) * data.draw(st.floats(0, 1))
    end = begin + data.draw(spans) / 8
    shifted = deadline(cal, start, target, [(begin, end)])
    assume(begin < plain)
    paused = business_seconds(cal, begin, end)
    assert abs(business_seconds(cal, plain, shifted) - paused) < TOLERANCE


@PROPERTIES
@given(working_calendars(), instants, st.integers(1, 40 * 3600), instants)
def test_while_paused_there_is_no_deadline_unless_it_had_passed(cal, start, target, begin):
    plain = deadline(cal, start, target)
    due = deadline(cal, start, target, [(begin, None)])
    if plain <= max(begin, start):
        assert due == plain
    else:
        assert due is None
