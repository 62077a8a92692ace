"""The deferred text index: a create writes its words to a small queue, not to the Okapi trees.

Why: the text index (hypatia's Okapi BM25 over title, description and replies) was the largest
part of what a create wrote (a posting list per word, the document's word list and weight,
new lexicon entries) and the one place two web processes on one RelStorage kept conflicting
on (R8: creates answered 500 after five retries; issue 14: creates are 80 % commit). Now a
transaction that reindexes a few documents writes, per document, one entry of
the text index's queue (docid -> the document's index terms as one string
``" term term … "``). Entries are keyed by docid: docids of one connection run from a random
start (:func:`itsm.search.catalog.new_docid`), so creates of two processes write different
keys (BTrees merge those), and the Okapi trees are written only by the drain.

The drain (:func:`itsm.search.catalog.drain_text_all`) never deletes what creates write to, so
it never conflicts with them: the queue (:class:`TextQueue`) has a *current* tree, which
creates write to, and a *draining* tree, which nobody writes to. A drain first swaps them (a
tiny transaction: the current tree becomes the draining one, a new empty one the current),
then indexes the draining tree's documents from their *current* text in batches, one
transaction each, recording how far it got in a :class:`Progress` object of its own (the
batches write only the Okapi trees and that object, which no create writes). A create marks
the queue object as read (``Connection.readCurrent``): one that read the trees before a swap
and commits after it gets a conflict and is retried, so nothing is ever written to a tree
being drained. A document edited while (or after) its entry is drained wrote a new entry to
the current tree, which wins over the draining one in searches and is drained next time: a
document is always indexed with its last text. Draining twice is harmless (it reindexes from
the current text). Drains run in the worker's job every few seconds, and in a web process in
a thread of its own after it has queued :data:`DRAIN_AT` documents (a desk without a worker
never lets the queue grow without bound).

The search is never stale: a text query takes the Okapi result minus every queued document,
and adds the queued documents whose terms contain every query term (the same lexicon
pipeline: splitting, stop words, stemming). The queue is small (drained every few seconds),
so that is a substring test over a few hundred strings. A queued match is scored as the best
indexed match of the query (it comes first under relevance: it is the newest); a document
whose text changed only in how often a word occurs is not queued again (its terms are the
same set), so its relevance may lag until its next real edit.

Bulk transactions (the loader, imports, evolve steps: more than :data:`DEFER_AT_MOST`
documents) index their text at once: they are not the hot path and one batch is cheaper
than a queue entry each.

:class:`TextQueue` and :class:`Progress` are pickled into the database: never move or rename
them without an alias in ``itsm/evolve/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from BTrees.LOBTree import LOBTree
from persistent import Persistent

#: A transaction reindexing more documents than this indexes their text at once.
DEFER_AT_MOST = 32
#: A web process that queued this many documents since its last drain drains in a thread.
DRAIN_AT = 256
#: Documents indexed per drain transaction.
DRAIN_BATCH = 200


class Progress(Persistent):
    """How far the drain got in the draining tree: its last docid indexed (None: not begun),
    and whether it is through. Written only by drains."""

    upto: int | None = None
    done = False


class TextQueue(Persistent):
    """The queue of one text index: ``current`` (docid -> terms entry, written by creates and
    edits) and ``draining`` (the previous current tree, read by the drain only)."""

    def __init__(self) -> None:
        self.current = LOBTree()
        self.draining: Any = None
        self.progress = Progress()

    def entries(self) -> dict[int, str]:
        """Every queued document and its terms entry, the newest entry of each."""
        found: dict[int, str] = {}
        draining, progress = self.draining, self.progress
        if draining is not None and not progress.done:
            if progress.upto is None:
                found.update(draining.items())
            else:
                found.update(draining.items(min=progress.upto, excludemin=True))
        found.update(self.current.items())
        return found

    def queued(self, docid: int) -> bool:
        if docid in self.current:
            return True
        draining, progress = self.draining, self.progress
        if draining is None or progress.done or docid not in draining:
            return False
        return progress.upto is None or docid > progress.upto

    def put(self, docid: int, value: str) -> None:
        # Read-current: a create that read ``current`` before a drain swapped the trees must
        # not write into the tree being drained; it conflicts and is retried.
        jar = self._p_jar
        if jar is not None:
            jar.readCurrent(self)
        if self.current.get(docid) != value:
            self.current[docid] = value

    def swap(self) -> bool:
        """Start draining what is current (when the previous draining tree is through);
        True if there is something to drain now."""
        if self.draining is not None and not self.progress.done:
            return True
        if not self.current:
            if self.draining is not None:
                self.draining = None
            return False
        self.draining, self.current = self.current, LOBTree()
        self.progress = Progress()
        return True

    def take(self, limit: int) -> list[int]:
        """The next ``limit`` docids to index from the draining tree (marked as taken)."""
        draining, progress = self.draining, self.progress
        if draining is None or progress.done:
            return []
        if progress.upto is None:
            keys = draining.keys()
        else:
            keys = draining.keys(min=progress.upto, excludemin=True)
        docids = list(islice(keys, limit))
        if len(docids) < limit:
            progress.done = True
        if docids:
            progress.upto = docids[-1]
        return docids


def queue_of(text_index: Any) -> TextQueue | None:
    """The text index's queue, or None where it has none (an index made before the queue
    existed and not yet given one by :func:`ensure_queue`: it indexes at once, as before)."""
    text_index._p_activate()  # a ghost's __dict__ is empty until it is loaded
    return text_index.__dict__.get("queue")


def ensure_queue(text_index: Any) -> bool:
    """Give ``text_index`` its queue if it has none (start-up, idempotent); True if made."""
    if queue_of(text_index) is not None:
        return False
    text_index.queue = TextQueue()
    return True


def terms(lexicon: Any, text: str | None) -> list[str]:
    """The index terms of ``text``: the lexicon's own pipeline, as hypatia runs it when it
    indexes a document or a query (``sourceToWordIds``, ``termToWordIds``)."""
    last: list[str] = [text] if text else []
    for element in lexicon._pipeline:
        last = element.process(last)
    return last


def entry(words: Iterable[str]) -> str:
    """A queue entry: the distinct terms, each between spaces (a term has no spaces)."""
    distinct = sorted(set(words))
    return f" {' '.join(distinct)} " if distinct else ""


def unchanged(text_index: Any, docid: int, words: list[str]) -> bool:
    """Whether the Okapi index already holds ``docid`` with exactly these terms (as a set):
    a reindex of a ticket whose text did not change (a status change) then queues nothing."""
    okapi = text_index.index
    if docid not in okapi._docwords:
        return not words
    wids = text_index.lexicon._wids
    new = set()
    for word in words:
        wid = wids.get(word)
        if wid is None:
            return False
        new.add(wid)
    return new == set(okapi.get_words(docid))


def defer(text_index: Any, queue: TextQueue, docid: int, text: str | None) -> bool:
    """Queue ``docid`` with the terms of ``text`` (None: the document has no text or is gone).
    Returns whether it was queued."""
    words = terms(text_index.lexicon, text)
    if not queue.queued(docid) and unchanged(text_index, docid, words):
        return False
    queue.put(docid, entry(words))
    return True


def queued_count(text_index: Any) -> int:
    """How many documents may be queued (an upper bound, cheap: no entry is read)."""
    queue = queue_of(text_index)
    if queue is None:
        return 0
    count = len(queue.current)
    if queue.draining is not None and not queue.progress.done:
        count += len(queue.draining)
    return count


def _split(text_index: Any, queue: TextQueue, result: Any, query_text: str, every: bool) -> Any:
    """The queued documents of ``result`` (stale there) and those whose queued terms match."""
    entries = queue.entries()
    wanted = [f" {w} " for w in dict.fromkeys(terms(text_index.lexicon, query_text))]
    if not entries or not wanted:
        return [], []
    test = all if every else any
    stale: list[int] = []
    matched: list[int] = []
    for docid, value in entries.items():
        if docid in result:
            stale.append(docid)
        if value and test(w in value for w in wanted):
            matched.append(docid)
    return stale, matched


def merge_pending_set(text_index: Any, result: Any, query_text: str) -> Any:
    """:func:`merge_pending` for an unscored result (a docid set): every query term must
    occur."""
    queue = queue_of(text_index)
    if queue is None:
        return result
    stale, matched = _split(text_index, queue, result, query_text, every=True)
    if not stale and not matched:
        return result
    family = text_index.family
    merged = family.IF.difference(result, family.IF.Set(stale)) if stale else result
    return family.IF.union(merged, family.IF.Set(matched)) if matched else merged


def merge_pending(text_index: Any, result: Any, query_text: str, every: bool) -> Any:
    """``result`` (an Okapi result: docid -> score) made exact for the queued documents: their
    indexed (old) entries removed, those whose queued terms match added. ``every``: all the
    query's terms must occur (else any one)."""
    queue = queue_of(text_index)
    if queue is None:
        return result
    stale, matched = _split(text_index, queue, result, query_text, every)
    if not stale and not matched:
        return result
    # A copy: with one query term hypatia may hand back a mapping it keeps.
    family = text_index.family
    merged = family.IF.Bucket()
    merged.update(result.items())
    for docid in stale:
        del merged[docid]
    best = max(merged.values()) if merged else 1.0
    for docid in matched:
        merged[docid] = best
    return merged
