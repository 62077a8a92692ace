"""Open work, pre-sorted: the queues without a catalog query.

The agent's queues ("all open", "assigned to me", "my groups, unassigned", "breaching soon")
sorted by priority then age used to run five catalog queries per page, each building and
intersecting docid sets as large as all incidents and then sorting every open ticket
(/work/shared/PROFILE-2026-12.md). Here the open tickets of each kind are kept in sorted sets
of ``(queue_rank, docid)``, one per *lane*, with a counter each:

- ``open``: every open ticket of the kind;
- ``a:<login>``: open and assigned to that person;
- ``u:<group>``: open, in that group and assigned to nobody;
- ``g:<group>``: open and in that group;

and one sorted set of ``(sla_next_check, docid)`` for "breaching soon". A first page is then
the first 50 keys of one set (or a merge of a few), and a count is one ``Length``.

The lists follow the catalog: :func:`place` is called by :mod:`itsm.search.catalog` each time
an object is indexed, reindexed or unindexed, from the same ``index_data()`` snapshot, so
every write path that reindexes (create, update, transitions, imports, jobs) keeps them right
and a reindex that changes nothing writes nothing. Databases made before the lists existed
get them from the catalog's own indexes in evolve step 3 (:func:`build`); until then
:func:`worklists` answers None and the queues fall back to catalog queries.

Layout on the ServiceDesk root: ``root.worklists``, an ``OOBTree`` kind -> :class:`WorkList`.
The classes are pickled: never move or rename them without an alias in ``itsm/evolve/``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

OPEN = "open"
#: A placement: (queue_rank, sla_next_check or None, lane keys).
Placement = tuple[float, float | None, tuple[str, ...]]


def assignee_lane(login: str) -> str:
    return f"a:{login}"


def unassigned_lane(group: str) -> str:
    return f"u:{group}"


def group_lane(group: str) -> str:
    return f"g:{group}"


class Lane(Persistent):
    """One sorted set of ``(queue_rank, docid)`` and its size (a conflict-merging Length)."""

    def __init__(self) -> None:
        self.items = OOTreeSet()
        self.size = Length()

    def __len__(self) -> int:
        return self.size()

    def add(self, key: tuple[float, int]) -> None:
        if self.items.insert(key):
            self.size.change(1)

    def remove(self, key: tuple[float, int]) -> None:
        if key in self.items:
            self.items.remove(key)
            self.size.change(-1)


class WorkList(Persistent):
    """The open tickets of one kind: lanes sorted by queue rank, and the SLA checks by time."""

    def __init__(self) -> None:
        self.lanes = OOBTree()  # lane key -> Lane
        self.placed = LOBTree()  # docid -> Placement, open tickets only
        self.checks = OOTreeSet()  # (sla_next_check, docid)
        self.checks_size = Length()

    def lane(self, key: str) -> Lane | None:
        return self.lanes.get(key)

    def count(self, key: str) -> int:
        lane = self.lanes.get(key)
        return len(lane) if lane is not None else 0

    def _lane_for_writing(self, key: str) -> Lane:
        lane = self.lanes.get(key)
        if lane is None:
            lane = self.lanes[key] = Lane()
        return lane

    def update(self, docid: int, placement: Placement | None) -> None:
        """Move ``docid`` to ``placement`` (None: not open work); writes only what differs."""
        old = self.placed.get(docid)
        if old == placement:
            return
        old_lanes = set(old[2]) if old is not None else set()
        new_lanes = set(placement[2]) if placement is not None else set()
        old_rank = old[0] if old is not None else None
        new_rank = placement[0] if placement is not None else None
        for key in old_lanes:
            if key not in new_lanes or old_rank != new_rank:
                self.lanes[key].remove((old_rank, docid))
        for key in new_lanes:
            if key not in old_lanes or old_rank != new_rank:
                self._lane_for_writing(key).add((new_rank, docid))
        old_check = old[1] if old is not None else None
        new_check = placement[1] if placement is not None else None
        if old_check != new_check:
            if old_check is not None and (old_check, docid) in self.checks:
                self.checks.remove((old_check, docid))
                self.checks_size.change(-1)
            if new_check is not None and self.checks.insert((new_check, docid)):
                self.checks_size.change(1)
        if placement is None:
            del self.placed[docid]
        else:
            self.placed[docid] = placement

    def ranked(self, keys: Iterable[str]) -> Iterator[int]:
        """Docids of the union of the lanes ``keys``, by queue rank (each docid once)."""
        sets = [lane.items for lane in map(self.lanes.get, dict.fromkeys(keys)) if lane]
        if len(sets) == 1:
            return (docid for _rank, docid in sets[0])
        merged = heapq.merge(*sets)
        return (docid for _rank, docid in _unique(merged))

    def due_before(self, moment: float) -> Iterator[int]:
        """Docids whose next SLA check is at or before ``moment``, earliest first."""
        return (docid for _at, docid in self.checks.keys(max=(moment, float("inf"))))

    def count_due_before(self, moment: float, cap: int | None = None) -> int:
        """How many :meth:`due_before` gives, up to ``cap`` when given. It walks those keys:
        short on a desk whose timers run, but the tab count on every queue page cannot
        afford it when thousands are overdue (a loaded desk at 100,000: 5,500 keys, most of
        that page's time), so the tabs ask with a cap. The range's length is counted in C,
        bucket by bucket, not key by key in Python."""
        count = len(self.checks.keys(max=(moment, float("inf"))))
        return count if cap is None else min(count, cap)


def _unique(keys: Iterable[tuple[float, int]]) -> Iterator[tuple[float, int]]:
    # A ticket lies in one group and has one assignee, so the lanes of one query overlap only
    # when a caller mixes lane kinds; dropping repeats keeps the merge a set union anyway.
    last = None
    for key in keys:
        if key != last:
            yield key
        last = key


def placement_of(data: Mapping[str, Any]) -> Placement | None:
    """Where an object with this ``index_data()`` belongs; None if it is not open work."""
    if data.get("open") is not True or data.get("queue_rank") is None:
        return None
    lanes = [OPEN]
    group = data.get("group") or ""
    assignee = data.get("assignee") or ""
    if assignee:
        lanes.append(assignee_lane(assignee))
    if group:
        lanes.append(group_lane(group))
        if not assignee:
            lanes.append(unassigned_lane(group))
    check = data.get("sla_next_check")
    return (float(data["queue_rank"]), None if check is None else float(check), tuple(lanes))


def worklists(root: Any) -> Any:
    """``root.worklists`` (kind -> WorkList), or None in a database not yet evolved."""
    return getattr(root, "worklists", None)


def worklist(root: Any, kind: str) -> WorkList | None:
    """The work list of ``kind`` (None before evolve step 3 or before the first such ticket,
    which is the same: nothing open)."""
    lists = worklists(root)
    return lists.get(kind) if lists is not None else None


def place(root: Any, docid: int, data: Mapping[str, Any] | None) -> None:
    """Keep the work lists in step with the catalog: ``data`` is the object's snapshot, None
    when it leaves the catalog. Does nothing in a database without work lists."""
    lists = worklists(root)
    if lists is None:
        return
    kind = data.get("kind") if data is not None else None
    placement = placement_of(data) if data is not None else None
    # The object may have been open work of its kind before (kinds never change, but an
    # unindex does not know the kind): look in each list that holds it.
    for name, work in lists.items():
        if name != kind and docid in work.placed:
            work.update(docid, None)
    if kind is None:
        return
    work = lists.get(kind)
    if work is None:
        if placement is None:
            return
        work = lists[kind] = WorkList()
    work.update(docid, placement)


def page(docids: Iterator[int], objects: Any, start: int, stop: int) -> list[Any]:
    """The objects of docids ``start:stop`` of an ordered stream."""
    found = (objects.get(docid) for docid in islice(docids, start, stop))
    return [obj for obj in found if obj is not None]


def build(root: Any) -> int:
    """Make ``root.worklists`` from the catalog's indexes (no object is loaded); returns how
    many open tickets were placed. For evolve step 3 and for repairs; idempotent."""
    catalog = root.catalog
    rev = {name: catalog[name]._rev_index for name in ("kind", "queue_rank", "group")}
    assignee = catalog["assignee"]._rev_index
    checks = catalog["sla_next_check"]._rev_index
    root.worklists = lists = OOBTree()
    open_docids = catalog["open"]._fwd_index.get(True, ())
    placed = 0
    for docid in open_docids:
        data = {
            "open": True,
            "kind": rev["kind"].get(docid),
            "queue_rank": rev["queue_rank"].get(docid),
            "group": rev["group"].get(docid),
            "assignee": assignee.get(docid),
            "sla_next_check": checks.get(docid),
        }
        placement = placement_of(data)
        if placement is None or data["kind"] is None:
            continue
        work = lists.get(data["kind"])
        if work is None:
            work = lists[data["kind"]] = WorkList()
        work.update(docid, placement)
        placed += 1
    return placed
