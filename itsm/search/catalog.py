"""The hypatia catalog at the root: indexes, docids, reindexing at commit, and queue searches.

Layout on the ServiceDesk root: ``root.catalog`` (a :class:`hypatia.catalog.Catalog`, family64)
and ``root.catalog_objects`` (an ``LOBTree`` docid -> the indexed persistent object).
Every index reads ``obj.index_data()``; a missing key or ``None`` means "not indexed" there.

Domain code never indexes directly: it calls :func:`mark_changed` after changing an object, and
one before-commit hook per transaction reindexes each marked object once (ARCHITECTURE.md,
rules of the house). Jobs that query what they just changed call :func:`flush` first.

The discriminator classes below are pickled into the database: never move or rename them
without an alias in ``itsm/evolve/``.
"""

from __future__ import annotations

import logging
import random
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from heapq import nsmallest
from itertools import chain, islice
from typing import Any, overload

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from hypatia.catalog import Catalog
from hypatia.field import FieldIndex
from hypatia.keyword import KeywordIndex
from hypatia.query import And, Comparator, Eq, Le, Query
from hypatia.query import Any as AnyOf
from hypatia.text import TextIndex
from hypatia.text.lexicon import Lexicon
from hypatia.text.setops import mass_weightedIntersection
from persistent import Persistent
from transaction.interfaces import ITransaction

from itsm.search import textqueue
from itsm.search.stemming import SnowballStemmer, StopWordRemover, WordSplitter, stem_words
from itsm.search.worklist import place

log = logging.getLogger(__name__)

FIELD_INDEXES = (
    "kind",
    "status",
    "open",
    "priority",
    "group",
    "assignee",
    "requester",
    "category",
    "created",
    "updated",
    "queue_rank",
    "sla_next_check",
    "response_due",
    "resolution_due",
    "breached",
    "major",
    "parent",
    "number",
    "language",
    "audience",  # knowledge articles: everyone | staff
    "satisfaction",  # tickets: the requester's score 1-5 (itsm.selfservice.satisfaction)
    # configuration items (itsm.cmdb)
    "ci_class",
    "owner",
    "location",
    "department",
    "serial",
    "warranty_end",
)
KEYWORD_INDEXES = ("cis", "watchers", "tags")
TEXT_INDEX = "text"
#: Every index the catalog must have, in creation order.
INDEX_NAMES = (*FIELD_INDEXES, *KEYWORD_INDEXES, TEXT_INDEX)
#: ``search(sort=...)`` accepts any field index, or this for text relevance.
RELEVANCE = "relevance"

#: Docids stay below 2**53 so they survive a trip through JSON and JavaScript numbers intact;
#: the catalog's 64-bit BTrees would take more, and collisions are negligible either way.
DOCID_MAX = 2**53 - 1


# -- discriminators (pickled into the database) ---------------------------------------------


class IndexDataValue:
    """Discriminator of a field index: ``obj.index_data()[key]``, unindexed if missing/None."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, obj: Any, default: Any) -> Any:
        value = obj.index_data().get(self.key)
        return default if value is None else value


class IndexDataKeywords(IndexDataValue):
    """Discriminator of a keyword index: a sequence of strings (a lone string is one keyword)."""

    def __call__(self, obj: Any, default: Any) -> Any:
        value = obj.index_data().get(self.key)
        if value is None:
            return default
        if isinstance(value, str):
            return [value]
        return list(value)


class IndexDataText(IndexDataValue):
    """Discriminator of the text index: a string."""

    def __call__(self, obj: Any, default: Any) -> Any:
        value = obj.index_data().get(self.key)
        return default if value is None else str(value)


class _Snapshot:
    """Hands the indexes one precomputed ``index_data()``: each of the ~23 discriminators
    would otherwise recompute it (the text part walks the whole journal)."""

    __slots__ = ("_data",)

    def __init__(self, obj: Any) -> None:
        self._data = obj.index_data()

    def index_data(self) -> dict[str, Any]:
        return self._data


# -- the catalog ----------------------------------------------------------------------------


class SpreadLexicon(Lexicon):
    """hypatia's Lexicon with random word ids instead of a counter.

    The counter (a ``BTrees.Length``) gives two processes that add a new word at the same time
    the same id, so both write the same key of the id → word tree with different words: a
    conflict no merge can resolve, and the retried request often meets the next one (found by
    the R8 check: creates from two web processes failed after five attempts). Random ids land
    on distinct keys, in different buckets, and merge. The text index encodes word ids in at
    most 28 bits, 21 bits in three bytes: ids stay within 21 bits while the lexicon is small
    enough for a random one to be free most of the time.
    """

    def _new_wid(self) -> int:
        self.word_count.change(1)  # still counts the words (Length increments merge)
        limit = 0x1FFFFF if len(self._words) < 0x80000 else 0x0FFFFFFF
        while True:
            wid = random.randint(1, limit)
            if wid not in self._words:
                return wid


_MISSING = object()


class _Sparse:
    """An index that keeps no record of the documents without a value.

    hypatia's field and keyword indexes add every such document to a ``_not_indexed`` set:
    an incident has none of the eight CMDB and knowledge fields, so each create wrote eight
    set buckets that only a "not equal" query would read, and this desk asks none (found
    profiling creates, issue 14). A document without a value is simply absent here; a sort
    on such an index puts it last (:func:`_sorted`)."""

    sparse = True

    def index_doc(self, docid: int, value: Any) -> Any:
        if self.discriminate(value, _MISSING) is _MISSING:  # type: ignore[attr-defined]
            if docid in self._rev_index:  # type: ignore[attr-defined]
                self.unindex_doc(docid)  # type: ignore[attr-defined]
            return None
        return super().index_doc(docid, value)  # type: ignore[misc]


class SparseFieldIndex(_Sparse, FieldIndex):
    """:class:`FieldIndex` without the set of documents that lack the field."""


class SparseKeywordIndex(_Sparse, KeywordIndex):
    """:class:`KeywordIndex` without the set of documents that lack the field."""


def sparse_copy(index: Any) -> Any:
    """``index`` as its sparse class, sharing its trees, with an empty ``_not_indexed``
    (evolve step 4: a document without a value is one the index has no entry for)."""
    cls = {FieldIndex: SparseFieldIndex, KeywordIndex: SparseKeywordIndex}.get(type(index))
    if cls is None:
        return index
    index._p_activate()  # a ghost's __dict__ is empty until it is loaded
    new = cls.__new__(cls)
    new.__dict__.update(index.__dict__)
    new._not_indexed = index.family.IF.TreeSet()
    return new


def make_lexicon() -> Lexicon:
    """The text index's lexicon: Unicode splitting, ru/en stop words, Snowball stemming."""
    return SpreadLexicon(WordSplitter(), StopWordRemover(), SnowballStemmer())


def make_index(name: str) -> Any:
    """A new, empty index called ``name`` (one of :data:`INDEX_NAMES`)."""
    if name in FIELD_INDEXES:
        return SparseFieldIndex(IndexDataValue(name))
    if name in KEYWORD_INDEXES:
        return SparseKeywordIndex(IndexDataKeywords(name))
    if name == TEXT_INDEX:
        return TextIndex(IndexDataText(name), lexicon=make_lexicon())
    raise KeyError(f"no index called {name!r}")


def make_catalog() -> Catalog:
    """A new catalog with every index of :data:`INDEX_NAMES`."""
    catalog = Catalog()
    for name in INDEX_NAMES:
        catalog[name] = make_index(name)
    return catalog


def ensure_catalog(root: Any) -> list[str]:
    """Create the catalog and the docid map on ``root`` if missing, and add indexes that an
    older catalog lacks (filled from the objects already indexed). Returns what it created;
    idempotent."""
    created: list[str] = []
    if getattr(root, "catalog_objects", None) is None:
        root.catalog_objects = LOBTree()
        created.append("catalog_objects")
    if getattr(root, "worklists", None) is None and not root.catalog_objects:
        # A new (or empty) catalog starts with its work lists; an older database with
        # tickets gets them from evolve step 3, which fills them from the catalog.
        root.worklists = OOBTree()
        created.append("worklists")
    catalog = getattr(root, "catalog", None)
    if catalog is None:
        root.catalog = catalog = make_catalog()
        created.append("catalog")
    for name in INDEX_NAMES:
        if name not in catalog:
            index = make_index(name)
            catalog[name] = index
            # A new index must know the existing objects, or queries on it miss them.
            for docid, obj in root.catalog_objects.items():
                index.index_doc(docid, _Snapshot(obj))
            created.append(f"catalog index {name}")
    if textqueue.ensure_queue(catalog[TEXT_INDEX]):
        created.append("text index queue")
    return created


def new_docid(root: Any) -> int:
    """An unused docid: the one after this connection's previous docid, or a random one.

    Runs from a random start, not one global sequence: concurrent creators in other processes
    (each its own connection, each its own run) write to different BTree buckets instead of
    conflicting on the last one (PITFALLS.md), while the creates of one connection fill the
    same buckets of every docid-keyed index: a bulk load writes each bucket once per
    transaction instead of once per ticket. The run is a volatile attribute of the root, so
    it starts afresh at random whenever the root object is reloaded."""
    objects = root.catalog_objects
    docid = getattr(root, "_v_next_docid", 0)
    while not 0 < docid <= DOCID_MAX or docid in objects:
        docid = random.randint(1, DOCID_MAX)
    try:
        root._v_next_docid = docid + 1
    except AttributeError:  # a root that takes no attributes: random docids every time
        pass
    return docid


def _docid_of(obj: Any) -> int:
    docid = getattr(obj, "docid", None)
    if not isinstance(docid, int) or isinstance(docid, bool) or not 0 < docid <= DOCID_MAX:
        raise ValueError(f"{obj!r} has no valid docid ({docid!r}); use new_docid(root)")
    return docid


def index(root: Any, obj: Any, *, defer_text: bool = False) -> bool:
    """Index ``obj`` now under ``obj.docid`` and remember it in ``root.catalog_objects``.
    ``defer_text``: queue its text for the drain (:mod:`itsm.search.textqueue`) instead of
    writing the text index; returns whether it was queued."""
    return _reindex(root, obj, defer_text)


def reindex(root: Any, obj: Any, *, defer_text: bool = False) -> bool:
    """Bring the indexes up to date with ``obj`` now (indexes it if it was not); see
    :func:`index` for ``defer_text``."""
    return _reindex(root, obj, defer_text)


def _reindex(root: Any, obj: Any, defer_text: bool) -> bool:
    docid = _docid_of(obj)
    objects = root.catalog_objects
    # Only write the map when needed: a reindex must not dirty its bucket for nothing.
    if objects.get(docid) is not obj:
        objects[docid] = obj
    snapshot = _Snapshot(obj)
    catalog = root.catalog
    text_index = catalog[TEXT_INDEX]
    queued = False
    for each in catalog.values():
        if each is text_index:
            text = text_index.discriminate(snapshot, None)
            queued = _text_now_or_later(text_index, docid, text, defer_text)
            if queued:
                continue
        each.reindex_doc(docid, snapshot)
    place(root, docid, snapshot.index_data())
    return queued


def _text_now_or_later(text_index: Any, docid: int, text: str | None, defer: bool) -> bool:
    """Queue the text (True), or leave it to the caller to index now (False); a document
    indexed now that is queued gets its queued entry brought up to date (searches read it)."""
    queue = textqueue.queue_of(text_index)
    if queue is None:
        return False
    if defer:
        return textqueue.defer(text_index, queue, docid, text)
    if queue.queued(docid):
        queue.put(docid, textqueue.entry(textqueue.terms(text_index.lexicon, text)))
    return False


def unindex(root: Any, obj: Any, *, defer_text: bool = False) -> bool:
    """Remove ``obj`` from the catalog now; a no-op if it was not indexed. See :func:`index`
    for ``defer_text`` (the queue then says "no text" and the drain unindexes it)."""
    docid = _docid_of(obj)
    catalog = root.catalog
    text_index = catalog[TEXT_INDEX]
    queued = False
    for each in catalog.values():
        if each is text_index:
            queued = _text_now_or_later(text_index, docid, None, defer_text)
            if queued:
                continue
        each.unindex_doc(docid)
    root.catalog_objects.pop(docid, None)
    place(root, docid, None)
    return queued


# -- draining the text queue ----------------------------------------------------------------


def drain_text(root: Any, limit: int = textqueue.DRAIN_BATCH) -> int:
    """Index up to ``limit`` documents of the queue's draining tree from their current text,
    in the current transaction; returns how many. Call :func:`start_text_drain` first (its
    own transaction). See :mod:`itsm.search.textqueue`."""
    text_index = root.catalog[TEXT_INDEX]
    queue = textqueue.queue_of(text_index)
    if queue is None:
        return 0
    objects = root.catalog_objects
    docids = queue.take(limit)
    for docid in docids:
        obj = objects.get(docid)
        if obj is None:
            text_index.unindex_doc(docid)
        else:
            text_index.reindex_doc(docid, _Snapshot(obj))
    return len(docids)


def start_text_drain(root: Any) -> bool:
    """Swap the queue's trees when the previous drain is through (a transaction of its own:
    it is the one write creates conflict with); True if there is something to drain."""
    queue = textqueue.queue_of(root.catalog[TEXT_INDEX])
    return queue is not None and queue.swap()


def drain_text_all(db: Any, limit: int = textqueue.DRAIN_BATCH, attempts: int = 5) -> int:
    """Drain the queue as it is now: swap, then one transaction (retried on conflicts) per
    batch of ``limit``; returns how many documents were indexed."""
    from itsm.db import run_in_transaction

    total = 0
    if not run_in_transaction(db, start_text_drain, attempts):
        return 0
    while True:
        done = run_in_transaction(db, lambda root: drain_text(root, limit), attempts)
        total += done
        if done < limit:
            return total


def text_drain_job(ctx: Any) -> int:
    """The worker's job: drain the text queue (every few seconds)."""
    return drain_text_all(ctx.db)


class _Drains:
    """Per database: documents this process queued since its last drain, and whether a drain
    thread runs (one at a time)."""

    def __init__(self) -> None:
        self.queued = 0
        self.running = False


_drains: weakref.WeakKeyDictionary[Any, _Drains] = weakref.WeakKeyDictionary()
_drains_lock = threading.Lock()


def _after_commit(success: bool, db: Any, queued: int) -> None:
    """After a commit that queued text: start a drain thread once this process has queued
    :data:`textqueue.DRAIN_AT` documents (a desk without a worker keeps its queue short)."""
    if not success:
        return
    with _drains_lock:
        state = _drains.setdefault(db, _Drains())
        state.queued += queued
        if state.running or state.queued < textqueue.DRAIN_AT:
            return
        state.queued = 0
        state.running = True
    threading.Thread(target=_drain_in_thread, args=(db, state), daemon=True).start()


def _drain_in_thread(db: Any, state: _Drains) -> None:
    try:
        drain_text_all(db)
    except Exception:  # the worker's job or the next drain picks the queue up
        log.exception("draining the text index queue failed")
    finally:
        with _drains_lock:
            state.running = False


# -- reindexing at commit -------------------------------------------------------------------

_PENDING = object()  # key of the per-transaction queue in Transaction.data()
_REINDEX = "reindex"
_UNINDEX = "unindex"


def _transaction_of(source: Any) -> Any:
    """The current transaction of a request, a transaction manager, a transaction, or the
    connection of a persistent object (its connection was opened with the right manager)."""
    if ITransaction.providedBy(source):
        return source
    if isinstance(source, Persistent):
        jar = source._p_jar
        if jar is None:
            raise ValueError(f"{source!r} is not in a ZODB connection yet")
        return jar.transaction_manager.get()
    tm = getattr(source, "tm", None)  # a Pyramid request
    if tm is not None:
        return tm.get()
    return source.get()


class _Pending:
    """The objects marked in one transaction, and whether our commit hook is registered."""

    def __init__(self) -> None:
        # Keyed by root and docid: marking an object twice reindexes it once; last action wins.
        self.items: dict[tuple[int, int], tuple[Any, Any, str]] = {}
        self.hooked = False


def _pending(txn: Any) -> _Pending:
    try:
        return txn.data(_PENDING)
    except KeyError:
        pending = _Pending()
        txn.set_data(_PENDING, pending)
        return pending


def _enqueue(txn: Any, root: Any, obj: Any, action: str) -> None:
    pending = _pending(txn)
    pending.items[(id(root), _docid_of(obj))] = (root, obj, action)
    if not pending.hooked:
        txn.addBeforeCommitHook(_run_queue, (txn,))
        pending.hooked = True


def _run_queue(txn: Any) -> int:
    pending = _pending(txn)
    done = 0
    # A few documents (a create, an edit) queue their text; a bulk transaction indexes it.
    defer_text = len(pending.items) <= textqueue.DEFER_AT_MOST
    queued: dict[int, tuple[Any, int]] = {}
    while pending.items:
        _key, (root, obj, action) = pending.items.popitem()
        if action == _UNINDEX:
            was_queued = unindex(root, obj, defer_text=defer_text)
        else:
            was_queued = reindex(root, obj, defer_text=defer_text)
        if was_queued and root._p_jar is not None:
            db = root._p_jar.db()
            queued[id(db)] = (db, queued.get(id(db), (db, 0))[1] + 1)
        done += 1
    for db, count in queued.values():
        txn.addAfterCommitHook(_after_commit, (db, count))
    # A later before-commit hook (an SLA recompute, say) may mark more objects: they then
    # register the hook again, and the transaction runs hooks added while running hooks.
    pending.hooked = False
    return done


@overload
def mark_changed(root: Any, obj: Any, /) -> None: ...
@overload
def mark_changed(request_or_tm: Any, root: Any, obj: Any, /) -> None: ...
def mark_changed(*args: Any) -> None:
    """Reindex ``obj`` once before the current transaction commits.

    ``mark_changed(request_or_tm, root, obj)`` uses the request's ``tm`` or the given
    transaction manager; ``mark_changed(root, obj)`` uses the manager ``root``'s ZODB
    connection was opened with (the same one in a request or a job). The first call in a
    transaction registers the single before-commit hook.
    """
    source, root, obj = _mark_args(args)
    _enqueue(_transaction_of(source), root, obj, _REINDEX)


@overload
def mark_removed(root: Any, obj: Any, /) -> None: ...
@overload
def mark_removed(request_or_tm: Any, root: Any, obj: Any, /) -> None: ...
def mark_removed(*args: Any) -> None:
    """Unindex ``obj`` before the current transaction commits (overrides an earlier
    :func:`mark_changed` of it in the same transaction). Same arguments as mark_changed."""
    source, root, obj = _mark_args(args)
    _enqueue(_transaction_of(source), root, obj, _UNINDEX)


def _mark_args(args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    if len(args) == 3:
        return args[0], args[1], args[2]
    if len(args) == 2:
        return args[0], args[0], args[1]
    raise TypeError("expected (request_or_tm, root, obj) or (root, obj)")


def flush(source: Any) -> int:
    """Reindex what is queued in the current transaction now (a request, transaction manager,
    transaction, or the root itself); returns how many objects. For jobs that query the
    catalog after changing objects in the same transaction; the commit hook then finds
    nothing left to do."""
    txn = _transaction_of(source)
    pending = _pending(txn)
    hooked = pending.hooked
    done = _run_queue(txn)
    # Our hook is still registered and will run at commit; it must not register twice.
    pending.hooked = hooked
    return done


# -- searching ------------------------------------------------------------------------------


class AllWords(Comparator):
    """Text query: every word of the value must occur (AND), after stemming.

    The value is plain user text, never parsed as a query: quotes, ``*``, parentheses and
    AND/OR/NOT are just characters or words. Scores are Okapi BM25, so the result can be
    sorted by relevance.
    """

    def _apply(self, names: Any) -> Any:
        text_index = self.index
        okapi = text_index.index
        family = text_index.family
        wids = text_index.lexicon.termToWordIds(self._get_value(names))
        wids = list(dict.fromkeys(wids))
        # wid 0 is a word the lexicon never saw; a word no document has any more is not
        # in _wordinfo: either way no document has all the words.
        if not wids or any(wid not in okapi._wordinfo for wid in wids):
            result = family.IF.Bucket()
        else:
            result = mass_weightedIntersection(okapi._search_wids(wids), family)
        # Documents whose text waits in the queue: matched on their queued terms.
        return textqueue.merge_pending(text_index, result, self._get_value(names), every=True)

    def __str__(self) -> str:
        return f"{self.index.qname()} has all words of {self._value!r}"


class AllWordsSet(AllWords):
    """:class:`AllWords` without scores, for a result sorted by a field: the documents
    having every word are the intersection of the words' postings, in C, without Okapi
    scoring each of them (what a relevance sort needs and a queue in its own order does
    not). The smallest posting goes first; :func:`_size` tells how large it is at most, so
    the set takes its place among the field filters by size."""

    def _postings(self) -> list[Any] | None:
        found = self.__dict__.get("_found", False)
        if found is False:
            found = self._found = self._find_postings()
        return found

    def _find_postings(self) -> list[Any] | None:
        text_index = self.index
        okapi = text_index.index
        wids = list(dict.fromkeys(text_index.lexicon.termToWordIds(self._value)))
        if not wids:
            return None
        postings = []
        for wid in wids:
            posting = okapi._wordinfo.get(wid) if wid else None
            if posting is None:
                return None  # a word no document has: nothing has all of them
            postings.append(posting)
        return sorted(postings, key=len)

    def size(self) -> int:
        postings = self._postings()
        # At most: the smallest posting, and the queued documents (itsm.search.textqueue).
        return (len(postings[0]) if postings else 0) + textqueue.queued_count(self.index)

    def _apply(self, names: Any) -> Any:
        family = self.index.family
        postings = self._postings()
        if not postings:
            result = family.IF.Set()
        else:
            result = family.IF.multiunion([postings[0]])  # its docids, as a set
            for posting in postings[1:]:
                if not result:
                    break
                result = family.IF.intersection(result, posting)
        # Documents whose text waits in the queue: matched on their queued terms.
        return textqueue.merge_pending_set(self.index, result, self._value)

    def intersect(self, left: Any, names: Any) -> Any:
        right = self._apply(names)
        if not len(left) or not len(right):
            return self.index.family.IF.Set()
        return self.index.family.IF.intersection(left, right)


def _set_types() -> tuple[type, ...]:
    from BTrees.LFBTree import LFSet, LFTreeSet

    return (LFSet, LFTreeSet)


_SETS = _set_types()


class StoredEq(Eq):
    """Eq on a field index answered with the index's own docid set of the value, not a copy.

    hypatia's Eq unions the sets of a range of one value into a new set: for ``kind`` or
    ``open`` that copies a set as large as all tickets on every query. The stored set is only
    read (intersected, counted, sorted), never changed, by :func:`search`.
    """

    def stored(self) -> Any:
        found = self.index._fwd_index.get(self._value)
        return found if found is not None else self.index.family.IF.Set()

    def _apply(self, names: Any) -> Any:
        return self.stored()

    def intersect(self, left: Any, names: Any) -> Any:
        """A few docids against a large set (a problem's ``kind`` against every open ticket):
        look each up instead of walking both sets. Weighted results keep hypatia's way."""
        stored = self.stored()
        if isinstance(left, _SETS) and len(left) * 32 < len(stored):
            family = self.index.family
            return family.IF.Set(filter(stored.__contains__, left))  # in C
        return super().intersect(left, names)


def _match(index: Any, value: Any) -> Query | None:
    """Eq for one value, Any for a list; None for an empty list (matches nothing)."""
    if isinstance(value, str | int | float | bool):
        return _eq(index, value)
    values = list(value)
    if not values:
        return None
    return _eq(index, values[0]) if len(values) == 1 else AnyOf(index, values)


def _eq(index: Any, value: Any) -> Query:
    return StoredEq(index, value) if isinstance(index, FieldIndex) else Eq(index, value)


def _size(query: Query) -> int:
    """How many docids a query's set has (at most), where that is known without running it."""
    if isinstance(query, StoredEq):
        return len(query.stored())
    if isinstance(query, AllWordsSet):
        return query.size()
    return DOCID_MAX


def _timestamp(value: float | datetime) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def search(
    root: Any,
    *,
    kind: str | Sequence[str] | None = None,
    status: str | Sequence[str] | None = None,
    open: bool | None = None,  # noqa: A002 - the index is called "open"
    group: str | Sequence[str] | None = None,
    assignee: str | Sequence[str] | None = None,
    requester: str | Sequence[str] | None = None,
    priority: int | Sequence[int] | None = None,
    category: str | Sequence[str] | None = None,
    watcher: str | None = None,
    ci: str | None = None,
    text: str | None = None,
    due_before: float | datetime | None = None,
    ci_class: str | Sequence[str] | None = None,
    owner: str | Sequence[str] | None = None,
    location: str | Sequence[str] | None = None,
    department: str | Sequence[str] | None = None,
    serial: str | Sequence[str] | None = None,
    warranty_before: int | None = None,
    sort: str = "queue_rank",
    reverse: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> tuple[int, list[Any]]:
    """Return ``(total, objects of the page)`` matching every filter given.

    A filter given a list matches any of its values; an empty list matches nothing (an agent
    with no groups sees no group queue, not every queue). ``assignee=""`` is "unassigned".
    ``watcher``/``ci`` match objects listing that login/CI. ``text`` must match all its
    words, stemmed; text with no words is ignored. ``due_before`` selects
    ``sla_next_check <= due_before``. ``ci_class``, ``owner``, ``location``, ``department``,
    ``serial`` filter configuration items; ``warranty_before`` (a ``date.toordinal()``)
    selects ``warranty_end <= warranty_before``. Values must have the indexed types (priority
    an int, timestamps floats or datetimes): the API layer converts request strings.

    ``sort`` is a field index (:data:`FIELD_INDEXES`) or ``"relevance"`` (needs text; falls
    back to queue_rank without). Objects lacking the sort value come after the others.
    """
    if sort != RELEVANCE and sort not in FIELD_INDEXES:
        raise ValueError(f"cannot sort by {sort!r}")
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    catalog = root.catalog
    objects = root.catalog_objects

    filters: list[tuple[str, Any]] = [
        ("kind", kind),
        ("status", status),
        ("open", open),
        ("group", group),
        ("assignee", assignee),
        ("requester", requester),
        ("priority", priority),
        ("category", category),
        ("watchers", watcher),
        ("cis", ci),
        ("ci_class", ci_class),
        ("owner", owner),
        ("location", location),
        ("department", department),
        ("serial", serial),
    ]
    queries: list[Query] = []
    for name, value in filters:
        if value is None:
            continue
        query = _match(catalog[name], value)
        if query is None:
            return 0, []
        queries.append(query)
    if due_before is not None:
        queries.append(Le(catalog["sla_next_check"], _timestamp(due_before)))
    if warranty_before is not None:
        queries.append(Le(catalog["warranty_end"], int(warranty_before)))
    has_text = bool(text and stem_words(text))
    if has_text and sort == RELEVANCE:
        # Scored, and last: And stops early when the cheaper field filters found nothing.
        queries.append(AllWords(catalog[TEXT_INDEX], text))
    elif has_text:
        # Sorted by a field: the words' documents without scores, placed by size.
        queries.append(AllWordsSet(catalog[TEXT_INDEX], text))

    if queries:
        # The smallest sets first: each intersection then costs at most their size. Scored
        # text stays last (see above); the sort is stable for the others.
        fields = sorted((q for q in queries if type(q) is not AllWords), key=_size)
        queries = fields + [q for q in queries if type(q) is AllWords]
        query = queries[0] if len(queries) == 1 else And(*queries)
        # optimize=False: hypatia's optimiser would rebuild the Eq queries as its own.
        docids = query.execute(optimize=False, resolver=objects.get).ids
    else:
        docids = catalog.family.IF.Set(objects.keys())
    total = len(docids)
    start = (page - 1) * per_page
    if start >= total:
        return total, []

    limit = start + per_page
    if sort == RELEVANCE and not has_text:
        sort = "queue_rank"
    ordered = _sorted(catalog, docids, sort, reverse, limit)
    page_objects = (objects.get(docid) for docid in islice(ordered, start, limit))
    return total, [obj for obj in page_objects if obj is not None]


#: Results up to this size are ordered by :func:`_smallest` (in C), larger ones by hypatia.
FAST_SORT_MAX = 50_000


def _smallest(index: Any, docids: Any, limit: int) -> list[int] | None:
    """The first ``limit`` docids by the index's value, ties by docid, as hypatia's n-best
    orders them, with the values looked up, paired and heaped in C (hypatia does each step
    in Python: a search page's thousand matches cost it milliseconds). None when a docid
    has no value (then hypatia puts those last)."""
    pairs = zip(map(index._rev_index.__getitem__, docids), docids, strict=True)
    try:
        return [docid for _value, docid in nsmallest(limit, pairs)]
    except KeyError:
        return None


def _sorted(catalog: Any, docids: Any, sort: str, reverse: bool, limit: int) -> Iterator[int]:
    """The first ``limit`` docids in order; those the sort index lacks come last, by docid."""
    if sort == RELEVANCE:
        return iter(catalog[TEXT_INDEX].sort(docids, reverse=reverse, limit=limit))
    index = catalog[sort]
    family = catalog.family
    if not reverse and len(docids) <= FAST_SORT_MAX:
        best = _smallest(index, docids, limit)
        if best is not None:
            return iter(best)
    unsortable: Iterable[int] = ()
    if getattr(index, "sparse", False):
        # Read only when the sorted ones run out (the last page of a result).
        rev = index._rev_index
        unsortable = (docid for docid in docids if docid not in rev)
    elif index.not_indexed_count():
        unsortable = family.IF.intersection(docids, index.not_indexed())
    # With a limit hypatia picks forward scan, n-best or timsort by the result's size, so a
    # first page does not sort the whole result.
    ordered = index.sort(docids, reverse=reverse, limit=limit, raise_unsortable=False)
    return chain(ordered, unsortable)
