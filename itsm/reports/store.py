"""Where report figures live: the facts of every ticket, and per-day summaries of them.

Layout (``root.reports``, an attribute: never reachable by URL):

- ``facts``: :func:`fact_key` of the number -> :class:`~itsm.reports.facts.TicketFacts` (one
  per ticket, rewritten only when its facts change);
- ``days``: day ordinal -> set of the fact keys that take part in that day (created, resolved
  or ended on it), so a day can be recomputed from its tickets alone;
- ``versions``: day ordinal -> ``BTrees.Length``, bumped by every write that touches the day
  (increments from concurrent commits merge instead of conflicting);
- ``summaries``: day ordinal -> :class:`DaySummary`, written by the worker's roll-up job (or
  the rebuild command) with the version it was made from. A summary whose version still
  matches is exact; one that is behind by less than ``itsm.reports.max_age_minutes`` may be
  shown (the README says which figures may be that old); otherwise the day is summarised from
  its facts on the fly. A GET never writes any of this.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

from itsm.reports.facts import TicketFacts
from itsm.reports.stats import Stats

#: The dimensions a figure can be broken down or filtered by.
DIMS = ("priority", "group", "category", "channel", "agent", "item")
#: Filters with a precomputed roll-up per value (the others scan a day's cells), and the
#: breakdowns rolled up for each: what the dashboards ask (an agent's or a group's figures, by
#: priority). Other combinations scan the day's cells; rolling up every one of them would
#: triple a day's size.
ROLLUP_FILTERS = ("", "group", "agent")
ROLLUP_BREAKDOWNS = {
    "": ("", *DIMS),
    "group": ("", "priority"),
    "agent": ("", "priority"),
}
#: Ticket kinds reported on.
KINDS = ("incident", "request", "change")


def cell_of(facts: TicketFacts) -> tuple:
    """The cell key of ``facts``: its value in each of :data:`DIMS`."""
    agent = facts.resolver or facts.assignee or ""
    return (facts.priority, facts.group, facts.category, facts.channel, agent, facts.item)


#: Projections a month summary keeps beside its cells: the month's figures merged over the
#: dimensions left out. A query (filters and breakdown) whose dimensions all lie in one of them
#: reads that projection (a few thousand entries at most) instead of the month's cells (tens of
#: thousands at 1,000,000 incidents a year): any mix of filters but the agent's in the first,
#: the agent with group and priority in the second.
PROJECTIONS = (
    ("priority", "group", "category", "channel", "item"),
    ("priority", "group", "agent"),
)


class CellsNeeded(LookupError):
    """A question only the cells answer, asked of a summary kept without them (see
    :meth:`KindDay.lite`): the caller loads the summary with its cells."""


class KindDay:
    """One kind's figures of one day: by cell, and rolled up for the common questions."""

    __slots__ = ("cells", "rollups", "notable", "views", "_index")

    def __init__(self) -> None:
        self.cells: dict[tuple, Stats] = {}
        self.rollups: dict[tuple[str, Any, str], dict[Any, Stats]] = {}
        # Fact keys the reports list one by one: "breached" (resolved this day with an SLA
        # breach), "failed" (changes that ended this day failed), so a listing never scans
        # every ticket of the range.
        self.notable: dict[str, list[str]] = {}
        # Month summaries only (see PROJECTIONS): dims -> {values of those dims: Stats}.
        self.views: dict[tuple[str, ...], dict[tuple, Stats]] = {}
        self._index: dict[Any, Any] = {}

    def __getstate__(self) -> tuple:
        return (self.cells, self.rollups, self.notable, self.views)

    def __setstate__(self, state: tuple) -> None:
        self.cells, self.rollups = state[0], state[1]
        self.notable = state[2] if len(state) > 2 else {}
        self.views = state[3] if len(state) > 3 else {}
        self._index = {}

    def lite(self) -> KindDay:
        """The same figures without the cells (sharing the rest): what the process-wide cache
        keeps, since the cells are most of a summary's memory and only questions that no
        roll-up or projection answers read them (those raise :class:`CellsNeeded`)."""
        other = KindDay.__new__(KindDay)
        other.cells = None  # type: ignore[assignment]
        other.rollups, other.notable, other.views = self.rollups, self.notable, self.views
        other._index = {}
        return other

    def estimated_bytes(self) -> int:
        """About what these figures take in memory (see :meth:`Stats.estimated_bytes`)."""
        tables: list[dict] = [self.cells] if self.cells else []
        tables.extend(self.rollups.values())
        tables.extend(self.views.values())
        return sum(stats.estimated_bytes() for table in tables for stats in table.values())

    def cell(self, key: tuple) -> Stats:
        stats = self.cells.get(key)
        if stats is None:
            stats = self.cells[key] = Stats()
        return stats

    def roll_up(self) -> None:
        rollups: dict[tuple[str, Any, str], dict[Any, Stats]] = {}
        for key, stats in self.cells.items():
            values = dict(zip(DIMS, key, strict=True))
            for fdim in ROLLUP_FILTERS:
                fval = values[fdim] if fdim else ""
                for gdim in ROLLUP_BREAKDOWNS[fdim]:
                    gval = values[gdim] if gdim else ""
                    table = rollups.setdefault((fdim, fval, gdim), {})
                    target = table.get(gval)
                    if target is None:
                        target = table[gval] = Stats()
                    target.merge(stats)
        self.rollups = rollups

    def project(self) -> None:
        """Make :data:`PROJECTIONS` from the cells (for a month's summary)."""
        position = {d: i for i, d in enumerate(DIMS)}
        views: dict[tuple[str, ...], dict[tuple, Stats]] = {}
        for dims in PROJECTIONS:
            at = [position[d] for d in dims]
            view: dict[tuple, Stats] = {}
            for key, stats in self.cells.items():
                short = tuple(key[i] for i in at)
                target = view.get(short)
                if target is None:
                    target = view[short] = Stats()
                target.merge(stats)
            views[dims] = view
        self.views = views
        self._index = {}

    def merge(self, other: KindDay) -> KindDay:
        """Add ``other``'s figures (a month is the merge of its days)."""
        for key, stats in other.cells.items():
            self.cell(key).merge(stats)
        for name, keys in other.notable.items():
            self.notable.setdefault(name, []).extend(keys)
        for key, table in other.rollups.items():
            mine = self.rollups.setdefault(key, {})
            for value, stats in table.items():
                target = mine.get(value)
                if target is None:
                    target = mine[value] = Stats()
                target.merge(stats)
        # Projections and indexes no longer match the cells: a month makes its projections
        # once its days are merged (ReportStore.refresh_month).
        self.views, self._index = {}, {}
        return self

    def _source(self, needed: set[str]) -> tuple[tuple[str, ...], dict[tuple, Stats]]:
        """The smallest table holding every dimension in ``needed``: a projection, else the
        cells."""
        best: tuple[tuple[str, ...], Any] = (DIMS, self.cells)
        for dims, view in self.views.items():
            if needed <= set(dims) and (best[1] is None or len(view) < len(best[1])):
                best = (dims, view)
        return best

    def _postings(self, dims: tuple[str, ...], table: dict[tuple, Stats], at: int) -> dict:
        """Value -> the keys of ``table`` with that value at position ``at`` (made on first
        use, kept with the summary: a cached summary is read by several threads, and building
        the same index twice is harmless)."""
        found = self._index.get((dims, at))
        if found is None:
            found = {}
            for key in table:
                found.setdefault(key[at], []).append(key)
            self._index[(dims, at)] = found
        return found

    def select(self, filters: dict[str, Any], by: str) -> dict[Any, Stats]:
        """Figures matching ``filters`` (dimension -> value), keyed by their value of ``by``
        (a dimension, or "" for one total keyed "")."""
        gdim = by if by in DIMS else ""
        # Cells without roll-ups: a day summarised with ``roll_up=False`` (a team's), scanned.
        rolled_up = bool(self.rollups) or not self.cells
        if rolled_up and not filters:
            return self.rollups.get(("", "", gdim), {})
        if rolled_up and len(filters) == 1:
            ((fdim, fval),) = filters.items()
            if fdim in ROLLUP_FILTERS and gdim in ROLLUP_BREAKDOWNS[fdim]:
                return self.rollups.get((fdim, fval, gdim), {})
        needed = set(filters) | ({gdim} if gdim else set())
        dims, table = self._source(needed)
        if table is None:
            raise CellsNeeded(needed)
        index = {d: i for i, d in enumerate(dims)}
        wanted = [(index[d], v) for d, v in filters.items()]
        # Only the keys carrying the rarest of the filter values are looked at.
        candidates: Any = None if wanted else table  # no filter: every key
        for i, v in wanted:
            keys = self._postings(dims, table, i).get(v, ())
            if candidates is None or len(keys) < len(candidates):
                candidates = keys
        out: dict[Any, Stats] = {}
        at = index.get(gdim)
        for key in candidates or ():
            if all(key[i] == v for i, v in wanted):
                gval = key[at] if at is not None else ""
                target = out.get(gval)
                if target is None:
                    target = out[gval] = Stats()
                target.merge(table[key])
        return out


def summarize(
    facts: Iterable[TicketFacts], day: int, zone: ZoneInfo, roll_up: bool = True
) -> dict[str, KindDay]:
    """The figures of ``day`` from the facts of the tickets taking part in it (``roll_up``:
    with the roll-ups a stored summary keeps; without, for a few tickets read once)."""
    from itsm.reports.facts import day_of

    kinds: dict[str, KindDay] = {}
    for item in facts:
        kind_day = kinds.get(item.kind)
        if kind_day is None:
            kind_day = kinds[item.kind] = KindDay()
        stats = kind_day.cell(cell_of(item))
        if day_of(item.created, zone) == day:
            stats.add_created()
        if item.ended_at is not None and day_of(item.ended_at, zone) == day:
            stats.add_ended(item)
            if item.outcome.startswith("failed"):
                kind_day.notable.setdefault("failed", []).append(fact_key(item.number))
        if item.resolved_at is not None and day_of(item.resolved_at, zone) == day:
            stats.add_resolved(item)
            if item.breaches:
                kind_day.notable.setdefault("breached", []).append(fact_key(item.number))
    if roll_up:
        for kind_day in kinds.values():
            kind_day.roll_up()
    return kinds


class CellsRecord(Persistent):
    """The cells of a stored summary, by kind, in a record of their own: most pages read only
    the roll-ups and projections, and the cells are most of a summary (three quarters of
    its unpickling time), so they are loaded only for the questions that need them."""

    def __init__(self, cells: dict[str, dict[tuple, Stats]]) -> None:
        self.cells = cells


class DaySummary(Persistent):
    """A day's (or a month's) figures by kind, and the version of the day they were made
    from. Its kinds are stored without their cells, which live in ``cells_record`` (summaries
    stored before that keep their cells in their kinds)."""

    version = -1
    computed_at: datetime | None = None
    cells_record: CellsRecord | None = None

    def __init__(self, kinds: dict[str, KindDay], version: int, computed_at: datetime) -> None:
        self.cells_record = CellsRecord({kind: kd.cells for kind, kd in kinds.items()})
        self.kinds = {kind: kd.lite() for kind, kd in kinds.items()}
        self.version = version
        self.computed_at = computed_at

    def full_kinds(self) -> dict[str, KindDay]:
        """The kinds with their cells (loads the cells record)."""
        if self.cells_record is None:
            return self.kinds
        cells = self.cells_record.cells
        out = {}
        for kind, kind_day in self.kinds.items():
            full = kind_day.lite()
            full.cells = cells.get(kind, {})
            out[kind] = full
        return out

    def release(self) -> None:
        """Turn this record (and its cells) back into ghosts: the process-wide cache holds
        the figures now, and the connection's copy would be a second one."""
        for record in (self.cells_record, self):
            if record is not None and record._p_jar is not None and not record._p_changed:
                record._p_deactivate()


class Subscription:
    """A weekly mail of a dashboard to one person. Plain: lives in the store's BTree."""

    __slots__ = ("login", "dashboard", "group", "since")

    def __init__(self, login: str, dashboard: str, group: str, since: datetime) -> None:
        self.login, self.dashboard, self.group, self.since = login, dashboard, group, since

    def __getstate__(self) -> tuple:
        return (self.login, self.dashboard, self.group, self.since)

    def __setstate__(self, state: tuple) -> None:
        self.login, self.dashboard, self.group, self.since = state


class ReportStore(Persistent):
    """The facts, day index, day versions and summaries (see the module docstring)."""

    zone_name = "UTC"
    summarised: Any = None  # made on first use by stores from before it existed
    months: Any = None
    month_versions: Any = None  # month -> the version its stored summary was made from
    notables: Any = None  # day -> {kind: {"breached"|"failed": [fact keys]}} (see KindDay)
    #: day -> (version, {kind: {(dimension, value): (created, resolved, ended)}}), the
    #: dimension "" (value "") for the day's total: what the backlog reads, a few hundred bytes
    #: a day instead of the day's summary.
    counts: Any = None
    projected: Any = None  # months whose stored summary has its projections (PROJECTIONS)
    #: The Monday (ordinal) of the last weekly mail sent, so each week goes out once.
    mailed_week = 0

    def __init__(self, zone_name: str) -> None:
        self.zone_name = zone_name
        self.facts = OOBTree()
        self.days = IOBTree()
        self.versions = IOBTree()
        self.summaries = IOBTree()
        self.subscriptions = OOBTree()  # (login, dashboard) -> Subscription
        self.summarised = IOBTree()  # day -> the version its stored summary was made from
        self.months = IOBTree()  # month key (year * 12 + month - 1) -> MonthSummary

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def get(self, number: str) -> TicketFacts | None:
        return self.facts.get(fact_key(number))

    def put(self, facts: TicketFacts) -> bool:
        """Store ``facts`` (replacing the ticket's earlier ones); False if nothing changed."""
        key = fact_key(facts.number)
        old = self.facts.get(key)
        if old == facts:
            return False
        zone = self.zone
        new_days = facts.days(zone)
        old_days = old.days(zone) if old is not None else set()
        self.facts[key] = facts
        for day in new_days | old_days:
            keys = self.days.get(day)
            if day in new_days:
                if keys is None:
                    keys = self.days[day] = OOTreeSet()
                keys.add(key)
            elif keys is not None and key in keys:
                keys.remove(key)
            version = self.versions.get(day)
            if version is None:
                version = self.versions[day] = Length()
            version.change(1)
        return True

    def version(self, day: int) -> int:
        version = self.versions.get(day)
        return version() if version is not None else 0

    def day_facts(self, day: int) -> Iterator[TicketFacts]:
        keys = self.days.get(day)
        if keys is None:
            return iter(())
        facts = self.facts
        return (facts[k] for k in keys if k in facts)

    def summary(
        self,
        day: int,
        now: datetime,
        max_age_seconds: float,
        cache: Any = None,
        cells: bool = False,
    ) -> dict[str, KindDay]:
        """The figures of ``day``: the stored summary if current (or young enough), else
        computed from the day's facts now (nothing is written). ``cache`` (a
        :class:`~itsm.reports.cache.SummaryCache`) keeps stored ones across connections,
        without their cells unless ``cells`` (see :meth:`KindDay.lite`)."""
        summarised = self.summarised.get(day) if self.summarised is not None else None
        if summarised is not None and summarised == self.version(day):
            return self._cached(cache, ("d", day, summarised), lambda: self.summaries[day], cells)
        stored = self.summaries.get(day)
        if stored is not None and (
            stored.version == self.version(day)
            or (
                max_age_seconds > 0
                and stored.computed_at is not None
                and (now - stored.computed_at).total_seconds() <= max_age_seconds
            )
        ):
            return self._cached(cache, ("d", day, stored.version), lambda: stored, cells)
        return summarize(self.day_facts(day), day, self.zone)

    def _cached(self, cache: Any, key: tuple, load: Any, cells: bool) -> dict[str, KindDay]:
        """The kinds of the stored summary ``load()`` returns, through ``cache``: kept there
        without their cells unless ``cells``; an entry with cells serves both."""
        if cache is None:
            record = load()
            return record.full_kinds() if cells else record.kinds
        key = (self._p_oid, *key)
        found = cache.get((*key, True))
        if found is None and not cells:
            found = cache.get((*key, False))
        if found is not None:
            return found
        record = load()
        if cells:
            kinds = record.full_kinds()
        else:
            kinds = {kind: kind_day.lite() for kind, kind_day in record.kinds.items()}
        cache.put((*key, cells), kinds, sum(k.estimated_bytes() for k in kinds.values()))
        if cells:
            cache.discard((*key, False))  # the entry with cells replaces the one without
        record.release()
        return kinds

    def refresh(self, day: int, now: datetime) -> bool:
        """Store the summary of ``day`` if it is behind; True if it was (for the worker)."""
        version = self.version(day)
        if self.summarised is None:
            self.summarised = IOBTree()
        counted = self.counts is not None and day in self.counts
        if self.summarised.get(day) == version and day in self.summaries and counted:
            return False
        kinds = summarize(self.day_facts(day), day, self.zone)
        self.summaries[day] = DaySummary(kinds, version, now)
        self.summarised[day] = version
        if self.notables is None:
            self.notables = IOBTree()
        notable = {kind: kd.notable for kind, kd in kinds.items() if kd.notable}
        if notable:
            self.notables[day] = notable
        else:
            self.notables.pop(day, None)
        if self.counts is None:
            self.counts = IOBTree()
        self.counts[day] = (version, {kind: day_counts(kd) for kind, kd in kinds.items()})
        return True

    def day_counts(self, day: int, kind: str, dims: dict[str, Any]) -> tuple[int, int, int] | None:
        """(created, resolved, ended) of ``kind`` on ``day`` matching ``dims`` (at most one
        dimension) from the small per-day record; (-1, -1, -1) if the day has no such ticket;
        None where the record cannot answer (two dimensions, or it is missing or behind the
        day: read the summary then)."""
        if len(dims) > 1 or self.counts is None:
            return None
        record = self.counts.get(day)
        if record is None or record[0] != self.version(day):
            return None
        key = next(iter(dims.items())) if dims else ("", "")
        return record[1].get(kind, {}).get(key, NO_TICKETS)

    def notable(
        self, day: int, kind: str, name: str, now: datetime, max_age_seconds: float, cache: Any
    ) -> list[str]:
        """The fact keys ``day`` lists under ``name`` for ``kind``: from the small per-day
        record when the day's summary is current, else from its (live) summary."""
        summarised = self.summarised.get(day) if self.summarised is not None else None
        if self.notables is not None and summarised is not None and summarised == self.version(day):
            return self.notables.get(day, {}).get(kind, {}).get(name, [])
        kind_day = self.summary(day, now, max_age_seconds, cache).get(kind)
        return kind_day.notable.get(name, []) if kind_day is not None else []

    def stale_days(self) -> list[int]:
        """Days whose stored summary is missing or behind their version (reads only the small
        version records, not the summaries)."""
        summarised, counts = self.summarised, self.counts
        if summarised is None or counts is None:
            return list(self.versions.keys())
        # A day summarised before the per-day counts existed is made again once, for them.
        return [
            day
            for day, v in self.versions.items()
            if summarised.get(day) != v() or day not in counts
        ]

    # -- months ------------------------------------------------------------------------------

    def month_version(self, month: int) -> int:
        """The sum of the month's day versions (versions only grow, so any change shows)."""
        first, last = month_days(month)
        return sum(v() for v in self.versions.values(min=first, max=last))

    def month(
        self,
        month: int,
        now: datetime,
        max_age_seconds: float,
        cache: Any = None,
        cells: bool = False,
    ) -> dict[str, KindDay] | None:
        """The month's figures if its stored summary is current (or young enough), else None
        (the caller then reads the month's days). ``cache`` and ``cells`` as for
        :meth:`summary`."""
        version = self.month_version(month)
        known = self.month_versions.get(month) if self.month_versions is not None else None
        if known is not None and known == version:
            return self._cached(cache, ("m", month, known), lambda: self.months[month], cells)
        months = self.months
        stored = months.get(month) if months is not None else None
        if stored is None:
            return None
        if stored.version == version or (
            max_age_seconds > 0
            and stored.computed_at is not None
            and (now - stored.computed_at).total_seconds() <= max_age_seconds
        ):
            return self._cached(cache, ("m", month, stored.version), lambda: stored, cells)
        return None

    def refresh_month(self, month: int, now: datetime) -> bool:
        """Store the merge of the month's day summaries if it is behind (days refreshed first)."""
        if self.months is None:
            self.months = IOBTree()
        version = self.month_version(month)
        stored = self.months.get(month)
        projected = self.projected is not None and month in self.projected
        if stored is not None and stored.version == version and projected:
            return False
        first, last = month_days(month)
        kinds: dict[str, KindDay] = {}
        for day in self.versions.keys(min=first, max=last):
            self.refresh(day, now)
            for kind, kind_day in self.summaries[day].full_kinds().items():
                kinds.setdefault(kind, KindDay()).merge(kind_day)
        for kind_day in kinds.values():
            kind_day.project()
        self.months[month] = DaySummary(kinds, version, now)
        if self.month_versions is None:
            self.month_versions = IOBTree()
        self.month_versions[month] = version
        if self.projected is None:
            self.projected = IOBTree()
        self.projected[month] = 1
        return True

    def month_age(self, month: int, now: datetime) -> float:
        """Seconds since the month's summary was stored (infinite if it never was)."""
        stored = self.months.get(month) if self.months is not None else None
        if stored is None or stored.computed_at is None:
            return float("inf")
        return (now - stored.computed_at).total_seconds()

    def stale_months(self) -> list[int]:
        found = sorted({month_of(day) for day in self.versions.keys()})
        known, projected = self.month_versions, self.projected
        return [
            month
            for month in found
            if known is None
            or known.get(month) != self.month_version(month)
            # made before projections existed: made again once, for them
            or projected is None
            or month not in projected
        ]

    def day_range(self, start: int, end: int) -> Iterator[int]:
        """Days from ``start`` to ``end`` (ordinals, inclusive) that have any tickets."""
        return iter(self.versions.keys(min=start, max=end))


#: ReportStore.day_counts: the day has no ticket of that kind and filter.
NO_TICKETS = (-1, -1, -1)


def day_counts(kind_day: KindDay) -> dict[tuple[str, Any], tuple[int, int, int]]:
    """(created, resolved, ended) of a day's summary in total and by each dimension's value,
    from its roll-ups (see ``ReportStore.counts``)."""
    out: dict[tuple[str, Any], tuple[int, int, int]] = {}
    for gdim in ("", *DIMS):
        for value, stats in kind_day.rollups.get(("", "", gdim), {}).items():
            figures = (stats.get("created"), stats.get("resolved"), stats.get("ended"))
            out[(gdim, value) if gdim else ("", "")] = figures
    return out


def fact_key(number: str) -> str:
    """The key of a ticket's facts: a hash prefix spreads consecutive numbers (INC-000123,
    INC-000124 …, created one after another) over the BTree's buckets, so concurrent commits
    insert into different buckets and merge instead of splitting the same last one
    (PITFALLS, "Hot objects conflict")."""
    return f"{zlib.crc32(number.encode('utf-8')) & 0xFFF:03x}:{number}"


def month_of(day: int) -> int:
    moment = date.fromordinal(day)
    return moment.year * 12 + moment.month - 1


def month_days(month: int) -> tuple[int, int]:
    """First and last day ordinals of a month key."""
    year, index = divmod(month, 12)
    first = date(year, index + 1, 1)
    following = date(year + (index == 11), (index + 1) % 12 + 1, 1)
    return first.toordinal(), following.toordinal() - 1


def get_store(root: Any) -> ReportStore | None:
    """The report store, or None before the first ticket was recorded (reads never create)."""
    return getattr(root, "reports", None)


def ensure_store(root: Any, zone_name: str) -> ReportStore:
    store = getattr(root, "reports", None)
    if store is None:
        store = root.reports = ReportStore(zone_name)
    return store
