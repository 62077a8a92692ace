"""Keep every ticket's facts current: recorded once per transaction, just before commit.

Subscribers on :class:`~itsm.events.ObjectCreated` and :class:`~itsm.events.TicketTransitioned`
mark the ticket; one before-commit hook per transaction computes the facts of each marked
ticket (after the transition's SLA clocks and fields were applied) and stores them. The
worker's repair pass (:func:`repair`) does the same for tickets changed without a transition
(a category corrected, a satisfaction answer), found through the catalog's ``updated`` index.
Lower layers never import this package: it only listens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypatia.query import Ge
from pyramid.traversal import find_root

from itsm.reports.facts import facts_of
from itsm.reports.store import KINDS, ensure_store, get_store

_PENDING = "itsm.reports.pending"


class _Pending:
    def __init__(self) -> None:
        self.items: dict[int, tuple[Any, Any]] = {}


def _transaction_of(root: Any) -> Any:
    jar = root._p_jar
    if jar is None:
        return None
    return jar.transaction_manager.get()


def mark(ticket: Any, zone_name: str) -> None:
    """Record ``ticket``'s facts before the current transaction commits."""
    if getattr(ticket, "kind", None) not in KINDS:
        return
    root = find_root(ticket)
    if root is None or root is ticket:
        return
    txn = _transaction_of(root)
    if txn is None:
        return
    try:
        pending = txn.data(_PENDING)
    except KeyError:
        pending = _Pending()
        txn.set_data(_PENDING, pending)
        txn.addBeforeCommitHook(_record_pending, (txn, zone_name))
    pending.items[id(ticket)] = (root, ticket)


def _record_pending(txn: Any, zone_name: str) -> None:
    pending = txn.data(_PENDING)
    while pending.items:
        _key, (root, ticket) = pending.items.popitem()
        ensure_store(root, zone_name).put(facts_of(ticket))


def record(root: Any, ticket: Any, zone_name: str) -> bool:
    """Store ``ticket``'s facts now; False if they had not changed."""
    return ensure_store(root, zone_name).put(facts_of(ticket))


def subscriber(zone_name: str) -> Any:
    def on_ticket_event(event: Any) -> None:
        mark(getattr(event, "ticket", None) or getattr(event, "obj", None), zone_name)

    return on_ticket_event


def repair(root: Any, since: float, zone_name: str, limit: int = 2000) -> tuple[int, float]:
    """Recompute the facts of tickets updated at or after ``since`` (a POSIX time); returns
    (how many changed, the ``updated`` time to start from next time)."""
    catalog = getattr(root, "catalog", None)
    if catalog is None:
        return 0, since
    objects = root.catalog_objects
    docids = Ge(catalog["updated"], since).execute(resolver=objects.get).ids
    ordered = catalog["updated"].sort(docids, limit=limit)
    changed, newest = 0, since
    for docid in ordered:
        ticket = objects.get(docid)
        if ticket is None or getattr(ticket, "kind", None) not in KINDS:
            continue
        if get_store(root) is None and not ticket.number:
            continue
        if record(root, ticket, zone_name):
            changed += 1
        if ticket.updated is not None:
            newest = max(newest, ticket.updated.timestamp())
    return changed, newest


def rebuild(root: Any, zone_name: str, now: datetime) -> int:
    """Recompute the facts of every ticket in the tree (imported history is kept)."""
    store = ensure_store(root, zone_name)
    count = 0
    for name in ("incidents", "requests", "changes"):
        container = root.get(name)
        if container is None:
            continue
        for ticket in container.values():
            if getattr(ticket, "kind", None) in KINDS:
                store.put(facts_of(ticket))
                count += 1
    return count
