"""Month projections for two filters, the per-day counts of the backlog, the byte-bounded cache:
each answers exactly what the facts say (a small desk of known facts, compared figure by
figure with Stats built from the facts themselves)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from itsm.reports.cache import SummaryCache
from itsm.reports.facts import TicketFacts, day_of
from itsm.reports.filters import Filters
from itsm.reports.kpis import backlog_report, figures
from itsm.reports.settings import parse
from itsm.reports.stats import Stats
from itsm.reports.store import ReportStore, cell_of
from itsm.reports.tables import Source
from itsm.settings import ConfigError

ZONE = "Europe/Moscow"
START = datetime(2026, 1, 10, tzinfo=UTC)
NOW = datetime(2026, 4, 25, tzinfo=UTC)
GROUPS = ("Service Desk", "Network", "Workplace")
AGENTS = ("agent", "agent2", "admin", "agent3")
CATEGORIES = ("network", "hardware", "software")
CHANNELS = ("portal", "email", "phone")


def desk_facts(n: int = 900, seed: int = 3) -> list[TicketFacts]:
    """Facts over 10 Jan – 20 Apr 2026, whole seconds (so sums are exact in any order); some
    still open, some cancelled."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = START + timedelta(seconds=rng.randrange(0, 100 * 86400))
        agent = rng.choice(AGENTS)
        roll = rng.random()
        response = rng.randrange(60, 4 * 3600)
        resolution = response + rng.randrange(0, 5 * 86400)
        common: dict[str, Any] = {
            "number": f"INC-{i:05d}",
            "kind": "incident",
            "created": created,
            "priority": rng.choice((1, 2, 3, 3, 4)),
            "group": rng.choice(GROUPS),
            "category": rng.choice(CATEGORIES),
            "channel": rng.choice(CHANNELS),
            "assignee": agent,
        }
        if roll < 0.15:  # open
            out.append(TicketFacts(**common))
            continue
        if roll < 0.2:  # cancelled
            ended = created + timedelta(seconds=resolution)
            out.append(TicketFacts(**common, ended_at=ended, cancelled=True))
            continue
        resolved = created + timedelta(seconds=resolution)
        reassignments = rng.choice((0, 0, 1, 2))
        csat = rng.choice((None, 2, 4, 5))
        out.append(
            TicketFacts(
                **common,
                first_response_at=created + timedelta(seconds=response),
                resolved_at=resolved,
                ended_at=resolved,
                response_business=float(response // 2),
                response_wall=float(response),
                resolution_business=float(resolution // 3),
                resolution_wall=float(resolution),
                response_met=rng.random() < 0.9,
                resolution_met=rng.random() < 0.8,
                reassignments=reassignments,
                reopens=int(rng.random() < 0.05),
                resolver=agent,
                fcr=reassignments == 0,
                surveyed=True,
                csat=csat,
            )
        )
    return out


def rolled_up_store(facts: list[TicketFacts]) -> ReportStore:
    store = ReportStore(ZONE)
    for item in facts:
        store.put(item)
    for day in store.stale_days():
        store.refresh(day, NOW)
    for month in store.stale_months():
        store.refresh_month(month, NOW)
    assert not store.stale_days() and not store.stale_months()
    return store


@pytest.fixture(scope="module")
def facts() -> list[TicketFacts]:
    return desk_facts()


@pytest.fixture(scope="module")
def store(facts) -> ReportStore:
    return rolled_up_store(facts)


def source(store: ReportStore, cache: Any = None) -> Source:
    return Source(store, None, NOW, 0.0, cache)


def dimension(item: TicketFacts, name: str) -> Any:
    return dict(
        zip(
            ("priority", "group", "category", "channel", "agent", "item"),
            cell_of(item),
            strict=True,
        )
    )[name]


def from_facts(
    facts: list[TicketFacts], start: date, end: date, dims: dict[str, Any], by: str
) -> dict[Any, Stats]:
    """The figures of the range straight from the facts (what the summaries must equal)."""
    zone = ReportStore(ZONE).zone
    first, last = start.toordinal(), end.toordinal()
    out: dict[Any, Stats] = {}
    for item in facts:
        if any(dimension(item, d) != v for d, v in dims.items()):
            continue
        key = dimension(item, by) if by else ""
        if by == "month":
            key = None
        stats = Stats()
        touched = False
        if first <= day_of(item.created, zone) <= last:
            stats.add_created()
            touched = True
        if item.ended_at is not None and first <= day_of(item.ended_at, zone) <= last:
            stats.add_ended(item)
            touched = True
        if item.resolved_at is not None and first <= day_of(item.resolved_at, zone) <= last:
            stats.add_resolved(item)
            touched = True
        if touched:
            out.setdefault(key, Stats()).merge(stats)
    return out


PAIRS = [
    ({"group": "Network", "priority": 3}, "category"),
    ({"group": "Network", "priority": 3}, "agent"),
    ({"group": "Workplace", "priority": 1}, ""),
    ({"channel": "phone", "category": "software"}, "group"),
    ({"priority": 2, "channel": "email"}, "channel"),
    ({"agent": "agent2", "category": "hardware"}, "priority"),  # only the cells answer
    ({"agent": "admin", "group": "Service Desk"}, "priority"),
    ({"group": "Network", "priority": 3, "category": "network"}, "channel"),
]


@pytest.mark.parametrize(("dims", "by"), PAIRS)
def test_two_filters_over_months_equal_the_figures_of_the_facts(store, facts, dims, by):
    start, end = date(2026, 1, 15), date(2026, 4, 10)  # two whole months, days at both ends
    filters = Filters(start, end, "incident", **dims)
    cache = SummaryCache(max_bytes=64 * 2**20)
    got = figures(source(store, cache), filters, by)
    expected = from_facts(facts, start, end, dims, by)
    assert got and got == expected
    # Uncached, and through the cache a second time: the same figures.
    assert figures(source(store), filters, by) == expected
    assert figures(source(store, cache), filters, by) == expected


def test_months_answer_two_filters_from_their_projections_not_their_cells(store):
    cache = SummaryCache(max_bytes=64 * 2**20)
    filters = Filters(date(2026, 1, 15), date(2026, 4, 10), "incident", group="Network", priority=3)
    figures(source(store, cache), filters, "category")
    months = [key for key in cache._items if key[1] == "m"]
    assert len(months) == 2
    assert all(key[-1] is False for key in months)  # kept and read without cells
    for month in months:
        kind_day = cache.get(month)["incident"]
        assert kind_day.cells is None and len(kind_day.views) == 2
    # A question no projection holds loads the month with its cells (and drops the other).
    figures(source(store, cache), filters.with_(group=None, agent="agent2"), "category")
    months = [key for key in cache._items if key[1] == "m"]
    assert len(months) == 2 and all(key[-1] is True for key in months)


def test_by_month_with_two_filters(store, facts):
    start, end = date(2026, 1, 15), date(2026, 4, 10)
    dims = {"group": "Network", "priority": 3}
    got = figures(source(store), Filters(start, end, "incident", **dims), "month")
    assert sorted(got) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    february = from_facts(facts, date(2026, 2, 1), date(2026, 2, 28), dims, "")[""]
    assert got["2026-02"] == february


def backlog_from_facts(facts, start: date, end: date, dims: dict[str, Any]) -> list[dict]:
    zone = ReportStore(ZONE).zone
    matching = [f for f in facts if all(dimension(f, d) == v for d, v in dims.items())]
    rows, opened = [], 0
    first = min(day_of(f.created, zone) for f in facts)
    for day in range(first, end.toordinal() + 1):
        created = sum(day_of(f.created, zone) == day for f in matching)
        ended = sum(f.ended_at is not None and day_of(f.ended_at, zone) == day for f in matching)
        resolved = sum(
            f.resolved_at is not None and day_of(f.resolved_at, zone) == day for f in matching
        )
        opened += created - ended
        touched = any(day in f.days(zone) for f in matching)
        if day >= start.toordinal() and touched:
            rows.append(
                {
                    "key": date.fromordinal(day),
                    "created": created,
                    "resolved": resolved,
                    "ended": ended,
                    "open": opened,
                }
            )
    return rows


@pytest.mark.parametrize(
    "dims", [{}, {"group": "Network"}, {"priority": 3}, {"group": "Network", "priority": 3}]
)
def test_the_backlog_equals_the_counts_of_the_facts(store, facts, dims):
    start, end = date(2026, 2, 3), date(2026, 4, 24)
    cache = SummaryCache(max_bytes=64 * 2**20)
    (table,) = backlog_report(source(store, cache), Filters(start, end, "incident", **dims), "")
    assert table.rows == backlog_from_facts(facts, start, end, dims)
    if len(dims) < 2:
        # Served from the small per-day records: no summary was read.
        assert len(cache) == 0


def test_the_backlog_is_never_stale_after_a_write(facts):
    store = rolled_up_store(facts[:300])
    start, end = date(2026, 1, 10), date(2026, 4, 24)
    filters = Filters(start, end, "incident")
    cache = SummaryCache(max_bytes=64 * 2**20)
    backlog_report(source(store, cache), filters, "")
    extra = TicketFacts(
        number="INC-NEW", kind="incident", created=datetime(2026, 3, 3, 9, tzinfo=UTC)
    )
    store.put(extra)  # after the roll-up: that day's record is behind
    (table,) = backlog_report(source(store, cache), filters, "")
    assert table.rows == backlog_from_facts([*facts[:300], extra], start, end, {})


def test_a_store_from_before_the_counts_summarises_its_days_again_once(facts):
    store = rolled_up_store(facts[:100])
    store.counts = None
    assert store.stale_days()  # every day, once
    for day in store.stale_days():
        store.refresh(day, NOW)
    assert not store.stale_days()
    store.projected = None
    assert store.stale_months()
    for month in store.stale_months():
        assert store.refresh_month(month, NOW)
    assert not store.stale_months()


# -- the cache ------------------------------------------------------------------------------


def test_the_cache_is_bounded_by_bytes_dropping_the_least_recently_used():
    cache = SummaryCache(max_bytes=1000)
    cache.put(("a",), "A", 400)
    cache.put(("b",), "B", 400)
    assert cache.get(("a",)) == "A"  # now the most recently used
    cache.put(("c",), "C", 400)
    assert cache.get(("b",)) is None and cache.get(("a",)) == "A" and cache.get(("c",)) == "C"
    assert cache.bytes == 800
    cache.put(("huge",), "H", 1001)  # larger than the whole bound: not kept
    assert cache.get(("huge",)) is None and cache.bytes == 800
    cache.put(("a",), "A2", 100)  # replacing counts the new size only
    assert cache.bytes == 500 and cache.get(("a",)) == "A2"
    cache.discard(("c",))
    assert cache.bytes == 100 and len(cache) == 1


def test_the_cache_still_bounds_by_count_where_asked():
    cache = SummaryCache(size=2)
    for key in "abc":
        cache.put((key,), key)
    assert [cache.get((k,)) for k in "abc"] == [None, "b", "c"]


def test_a_year_of_reports_stays_within_the_cache_bound(store, facts):
    bound = 2 * 2**20
    cache = SummaryCache(max_bytes=bound)
    filters = Filters(date(2026, 1, 10), date(2026, 4, 24), "incident")
    for by in ("", "priority", "day", "month"):
        figures(source(store, cache), filters, by)
    figures(source(store, cache), filters.with_(group="Network", priority=3), "category")
    assert 0 < cache.bytes <= bound
    # Right whatever was dropped.
    got = figures(source(store, cache), filters.with_(group="Network", priority=3), "category")
    assert got == from_facts(
        facts, filters.start, filters.end, {"group": "Network", "priority": 3}, "category"
    )


def test_the_size_estimate_is_near_what_a_summary_takes_in_memory(store):
    import gc
    import pickle
    import tracemalloc

    month = store.months[max(store.months.keys())].full_kinds()["incident"]
    data = pickle.dumps(month)
    gc.collect()
    tracemalloc.start()
    loaded = pickle.loads(data)  # noqa: S301 (made just above)
    used, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert 0.6 * used <= loaded.estimated_bytes() <= 1.6 * used


def test_cache_mib_setting():
    assert parse({}).cache_mib == 1024
    assert parse({"itsm.reports.cache_mib": "256"}).cache_mib == 256
    with pytest.raises(ConfigError):
        parse({"itsm.reports.cache_mib": "lots"})
    with pytest.raises(ConfigError):
        parse({"itsm.reports.cache_mib": "-1"})


def test_a_stored_month_is_read_without_unpickling_its_cells(facts):
    import transaction
    import ZODB

    db = ZODB.DB(None)  # an in-memory storage: records are pickled and loaded for real
    try:
        with transaction.manager:
            db.open().root()["reports"] = rolled_up_store(facts)
        conn = db.open()
        store = conn.root()["reports"]
        month = max(store.months.keys())
        cache = SummaryCache(max_bytes=64 * 2**20)
        kinds = store.month(month, NOW, 0.0, cache)
        record = store.months[month]
        assert kinds["incident"].cells is None
        assert record._p_changed is None  # released: the cache holds the figures
        assert record.cells_record._p_changed is None  # still a ghost: never loaded
        # A question for the cells loads them, and the figures are still those of the facts.
        filters = Filters(date(2026, 3, 1), date(2026, 3, 31), "incident", agent="agent2")
        dims = {"agent": "agent2", "category": "hardware"}
        got = figures(source(store, cache), filters.with_(category="hardware"), "priority")
        assert got == from_facts(facts, filters.start, filters.end, dims, "priority")
        conn.close()
    finally:
        db.close()
