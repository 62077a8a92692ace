"""The deferred text index: a create writes its words to a small queue, not to the Okapi trees.

Why: the text index (hypatia's Okapi BM25 over title, description and replies) was the largest
part of what a create wrote (a posting list per word, the document's word list and weight,
new lexicon entries) and the one place two web processes on one RelStorage kept conflicting
on (R8: creates answered 500 after five retries; issue 14: creates are 80 % commit). Now a
transaction that reindexes a few documents writes, per document, one entry of
``text_index.pending`` (an ``LOBTree`` docid -> the document's index terms as one string
``" term term … "``). Entries are keyed by docid: docids of one connection run from a random
start (:func:`itsm.search.catalog.new_docid`), so creates of two processes write different
keys (BTrees merge those), and the Okapi trees are written only by the drain.

The drain (:func:`itsm.search.catalog.drain_text`) indexes the queued documents from their
*current* text in batches, one transaction per batch: the worker's job every few seconds,
and a web process in a thread of its own after it has queued :data:`DRAIN_AT` documents (a
desk without a worker never lets the queue grow without bound). Draining twice is harmless:
an entry is removed in the transaction that indexes it, and a document edited meanwhile wrote
its entry again, which conflicts with the removal (the drain is retried and sees the new
text), so a document is always indexed with its last text.

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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from BTrees.LOBTree import LOBTree

#: A transaction reindexing more documents than this indexes their text at once.
DEFER_AT_MOST = 32
#: A web process that queued this many documents since its last drain drains in a thread.
DRAIN_AT = 256
#: Documents indexed per drain transaction.
DRAIN_BATCH = 500


def pending_of(text_index: Any) -> Any | None:
    """The text index's queue, or None where it has none (an index made before the queue
    existed and not yet given one by :func:`ensure_queue`: it indexes at once, as before)."""
    return text_index.__dict__.get("pending") if _loaded(text_index) else None


def _loaded(obj: Any) -> bool:
    obj._p_activate()  # a ghost's __dict__ is empty until it is loaded
    return True


def ensure_queue(text_index: Any) -> bool:
    """Give ``text_index`` its queue if it has none (start-up, idempotent); True if made."""
    if pending_of(text_index) is not None:
        return False
    text_index.pending = LOBTree()
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


def defer(text_index: Any, pending: Any, docid: int, text: str | None) -> bool:
    """Queue ``docid`` with the terms of ``text`` (None: the document has no text or is gone).
    Returns whether anything was written."""
    words = terms(text_index.lexicon, text)
    if docid not in pending and unchanged(text_index, docid, words):
        return False
    value = entry(words)
    if pending.get(docid) != value:
        pending[docid] = value
        return True
    return False


def merge_pending(text_index: Any, result: Any, query_text: str, every: bool) -> Any:
    """``result`` (an Okapi result: docid -> score) made exact for the queued documents: their
    indexed (old) entries removed, those whose queued terms match added. ``every``: all the
    query's terms must occur (else any one)."""
    pending = pending_of(text_index)
    if not pending:
        return result
    wanted = [f" {w} " for w in dict.fromkeys(terms(text_index.lexicon, query_text))]
    if not wanted:
        return result
    test = all if every else any
    stale: list[int] = []
    matched: list[int] = []
    for docid, value in pending.items():
        if docid in result:
            stale.append(docid)
        if value and test(w in value for w in wanted):
            matched.append(docid)
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
