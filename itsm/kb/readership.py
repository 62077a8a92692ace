"""Who reads the knowledge base: views per article and day, and deflection as issue 13
defines it (portal searches and article views that ended without a ticket within 24 hours).

Nothing here is written by a GET. The article page and the search results page send a small
POST from our own static script (``navigator.sendBeacon``, with the CSRF token) once they are
shown; a browser without script sends nothing, so such a view is not counted.

Conflict-free where readers meet: a day's views of an article are a ``BTrees.Length`` (two
readers counting at once merge), each event is its own key in an ``OOBTree``. The same person
reading the same article (or searching the same words) again within
:data:`REPEAT_SECONDS` counts once, and the repeat writes nothing.

Deflection is decided by the worker (:func:`deflection_job`), for events older than
:data:`WINDOW`: an event is *deflected* when its reader did not become the requester of an
incident or a service request within 24 hours after it. The outcome is added to the event's
day (``outcomes``, written by the worker alone); the events themselves are kept
:data:`KEEP_DAYS` days, the per-day counters for good.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.search.catalog import search

#: A repeated view (or search) by the same person within this many seconds counts once.
REPEAT_SECONDS = 30 * 60
#: An event ends without a ticket when none follows within this time.
WINDOW = timedelta(hours=24)
#: Events are kept this many days (like the audit log: bounded), the per-day counts for good.
KEEP_DAYS = 90
#: A search's words are kept up to this length.
MAX_QUERY = 200
VIEW = "view"
SEARCH = "search"
#: The ticket kinds that end a deflection: the reader asked IT after all.
TICKET_KINDS = ("incident", "request")


class Readership(Persistent):
    """``root.kb_readership``: the reading log of the knowledge base."""

    #: Events up to this time (a UTC timestamp) have their outcome in ``outcomes``.
    decided_until = 0.0
    #: day ordinal -> {article number: views}: days over, folded from ``views`` by the worker
    #: (one record per day to read instead of one counter per article and day).
    closed_views: Any = None

    def __init__(self) -> None:
        self.views = OOBTree()  # (day ordinal, article number) -> Length
        self.last_counted = OOBTree()  # (login, kind, what) -> timestamp of the counted one
        self.events = OOBTree()  # (timestamp, login, kind, what) -> day ordinal
        self.outcomes = OOBTree()  # (day ordinal, kind) -> (events, deflected)
        self.closed_views = IOBTree()


def get_readership(root: Any) -> Readership | None:
    """The reading log, or None on a desk set up before it (reads never create it)."""
    return getattr(root, "kb_readership", None)


def zone(registry: Any) -> ZoneInfo:
    """The reports' zone (days are counted in the business calendar's zone)."""
    settings = getattr(registry, "itsm_reports", None)
    return ZoneInfo(settings.timezone) if settings is not None else ZoneInfo("Europe/Moscow")


def day_of(at: datetime, tz: ZoneInfo) -> int:
    """The day ordinal of ``at`` in the reports' zone."""
    return at.astimezone(tz).date().toordinal()


def normalise_query(text: str) -> str:
    """A search's words as counted: case-folded, single spaces, at most :data:`MAX_QUERY`."""
    return " ".join(text.casefold().split())[:MAX_QUERY]


def record(
    root: Any,
    registry: Any,
    login: str,
    kind: str,
    what: str,
    at: datetime,
    *,
    deflection: bool = True,
) -> bool:
    """Record that ``login`` viewed article ``what`` (``kind`` "view") or searched for
    ``what`` ("search") at ``at``; False (and nothing written) for a repeat within
    :data:`REPEAT_SECONDS`. ``deflection=False`` counts the view but keeps it out of the
    deflection figures (IT staff reading at work)."""
    log = get_readership(root)
    if log is None or not login or not what:
        return False
    stamp = at.timestamp()
    key = (login, kind, what)
    last = log.last_counted.get(key)
    if last is not None and 0 <= stamp - last < REPEAT_SECONDS:
        return False
    log.last_counted[key] = stamp
    day = day_of(at, zone(registry))
    if kind == VIEW:
        counter = log.views.get((day, what))
        if counter is None:
            counter = log.views[(day, what)] = Length()
        counter.change(1)
    if deflection:
        log.events[(stamp, login, kind, what)] = day
    return True


def views_between(log: Readership | None, start: date, end: date) -> dict[str, int]:
    """Views per article number over the days ``start``..``end`` (inclusive)."""
    counts: dict[str, int] = {}
    if log is None:
        return counts
    first, last = start.toordinal(), end.toordinal()
    if log.closed_views is not None:
        for day_counts in log.closed_views.values(min=first, max=last):
            for number, views in day_counts.items():
                counts[number] = counts.get(number, 0) + views
    low, high = (first,), (last + 1,)
    for (_day, number), counter in log.views.items(min=low, max=high, excludemax=True):
        counts[number] = counts.get(number, 0) + counter()
    return counts


def fold_closed_days(log: Readership, before: int) -> int:
    """Move the views of days before ``before`` (an ordinal) from their counters into one
    record per day. Readers only count today's views (the day of the moment they read), so
    a day two days old is no longer written; returns how many counters were folded."""
    if log.closed_views is None:
        log.closed_views = IOBTree()
    keys = list(log.views.keys(max=(before,), excludemax=True))
    days: dict[int, dict[str, int]] = {}
    for key in keys:
        day, number = key
        target = days.setdefault(day, dict(log.closed_views.get(day, {})))
        target[number] = target.get(number, 0) + log.views[key]()
        del log.views[key]
    for day, day_counts in days.items():
        log.closed_views[day] = day_counts
    return len(keys)


def outcomes_between(log: Readership | None, start: date, end: date) -> list[dict[str, Any]]:
    """Per day of the range that has events: searches, views, deflected (decided, no ticket
    within 24 h), decided, and undecided (younger than 24 h when the worker last looked)."""
    rows: dict[int, dict[str, Any]] = {}
    if log is None:
        return []
    low, high = start.toordinal(), end.toordinal() + 1

    def row(day: int) -> dict[str, Any]:
        found = rows.get(day)
        if found is None:
            found = rows[day] = {
                "key": date.fromordinal(day),
                "searches": 0,
                "views": 0,
                "decided": 0,
                "deflected": 0,
                "undecided": 0,
            }
        return found

    for (day, kind), (events, deflected) in log.outcomes.items(
        min=(low,), max=(high,), excludemax=True
    ):
        target = row(day)
        target["searches" if kind == SEARCH else "views"] += events
        target["decided"] += events
        target["deflected"] += deflected
    # Undecided events: not yet in the outcomes. Their day may lie in the range though their
    # timestamp lies up to a day either side of its UTC midnight.
    first = datetime.combine(start - timedelta(days=1), datetime.min.time(), UTC).timestamp()
    since = max(first, log.decided_until)
    for (_stamp, _login, kind, _what), day in log.events.items(min=(since,), excludemin=True):
        if low <= day < high:
            target = row(day)
            target["searches" if kind == SEARCH else "views"] += 1
            target["undecided"] += 1
    out = [rows[day] for day in sorted(rows)]
    for item in out:
        item["rate"] = item["deflected"] / item["decided"] if item["decided"] else None
    return out


def _ticket_times(root: Any, login: str, since: float) -> list[float]:
    """When ``login``'s incidents and requests created after ``since`` were created."""
    times: list[float] = []
    page = 1
    while True:
        _total, tickets = search(
            root,
            kind=list(TICKET_KINDS),
            requester=login,
            sort="created",
            reverse=True,
            page=page,
            per_page=50,
        )
        for ticket in tickets:
            created = getattr(ticket, "created", None)
            if created is None:
                continue
            if created.timestamp() <= since:
                return times
            times.append(created.timestamp())
        if len(tickets) < 50:
            return times
        page += 1


def _outcomes(
    root: Any, events: Iterable[tuple[tuple[float, str, str, str], int]]
) -> dict[tuple[int, str], tuple[int, int]]:
    """(day, kind) -> (events, deflected) of ``events`` (``(key, day)`` pairs), asking the
    catalog once per person."""
    by_login: dict[str, list[tuple[float, str, int]]] = {}
    for (stamp, login, kind, _what), day in events:
        by_login.setdefault(login, []).append((stamp, kind, day))
    window = WINDOW.total_seconds()
    totals: dict[tuple[int, str], tuple[int, int]] = {}
    for login, items in by_login.items():
        created = _ticket_times(root, login, min(stamp for stamp, _kind, _day in items))
        for stamp, kind, day in items:
            followed = any(stamp < at <= stamp + window for at in created)
            events_n, deflected = totals.get((day, kind), (0, 0))
            totals[(day, kind)] = (events_n + 1, deflected + (0 if followed else 1))
    return totals


def decide(root: Any, now: datetime, keep_days: int = KEEP_DAYS, tz: ZoneInfo | None = None) -> int:
    """Decide every event older than 24 hours not yet decided; forget events older than
    ``keep_days`` and repeat marks older than :data:`REPEAT_SECONDS`; fold the views of days
    over (``tz``: the reports' zone) into one record per day. Returns how many were
    decided."""
    log = get_readership(root)
    if log is None:
        return 0
    if tz is not None:
        fold_closed_days(log, day_of(now, tz) - 1)
    until = (now - WINDOW).timestamp()
    decided = 0
    if until > log.decided_until:
        pending = []
        for key, day in log.events.items(min=(log.decided_until,), excludemin=True):
            if key[0] > until:
                break
            pending.append((key, day))
        for (day, kind), (events, deflected) in _outcomes(root, pending).items():
            old_events, old_deflected = log.outcomes.get((day, kind), (0, 0))
            log.outcomes[(day, kind)] = (old_events + events, old_deflected + deflected)
        log.decided_until = until
        decided = len(pending)
    _forget(log, now, keep_days)
    return decided


def _forget(log: Readership, now: datetime, keep_days: int) -> None:
    """Drop decided events older than ``keep_days`` and repeat marks that no longer matter."""
    oldest = min((now - timedelta(days=keep_days)).timestamp(), log.decided_until)
    for key in list(log.events.keys(max=(oldest,), excludemax=True)):
        del log.events[key]
    stale = now.timestamp() - REPEAT_SECONDS
    for key, stamp in list(log.last_counted.items()):
        if stamp < stale:
            del log.last_counted[key]


def deflection_job(ctx: Any) -> str | None:
    """The worker's timer: decide the events that are 24 hours old."""
    tz = zone(ctx.registry)
    decided = ctx.transact(lambda root: decide(root, ctx.now(), tz=tz))
    return f"{decided} search(es) and view(s) decided" if decided else None
