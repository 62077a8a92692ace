"""Finding articles: catalog queries limited to what the reader may see, ranked by relevance,
with highlighted snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from hypatia.query import And, Eq
from hypatia.query import Any as AnyOf
from hypatia.text.setops import mass_weightedUnion

from itsm.kb.workflow import PUBLISHED, STATES
from itsm.search.catalog import TEXT_INDEX, AllWords
from itsm.search.stemming import STOP_WORDS, normalize, stem, stem_words
from itsm.search.textqueue import merge_pending

SNIPPET_LENGTH = 240
_WORD = re.compile(r"[^\W_]+")


class AnyWords(AllWords):
    """Text query: documents with any of the words, scored by BM25 (more words, higher).

    The fallback when no article has every word: an incident title such as "VPN disconnects
    every few minutes" should still suggest the VPN guides."""

    def _apply(self, names: Any) -> Any:
        text_index = self.index
        okapi = text_index.index
        wids = text_index.lexicon.termToWordIds(self._get_value(names))
        wids = [wid for wid in dict.fromkeys(wids) if wid in okapi._wordinfo]
        if not wids:
            result = text_index.family.IF.Bucket()
        else:
            result = mass_weightedUnion(okapi._search_wids(wids), text_index.family)
        return merge_pending(text_index, result, self._get_value(names), every=False)


def search_articles(
    root: Any,
    *,
    text: str = "",
    staff: bool,
    status: str | Iterable[str] | None = None,
    language: str | None = None,
    tag: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[int, list[Any]]:
    """``(total, articles of the page)`` the reader may see, best match first with ``text``
    (otherwise the most recently updated first). Articles with every word of ``text`` when
    there are any, else those with some of them (see :class:`AnyWords`).

    Employees (``staff=False``) only ever get published articles for everyone, whatever
    ``status`` they ask for; staff get every state unless they filter.
    """
    catalog = root.catalog
    queries = [Eq(catalog["kind"], "kb")]
    if not staff:
        queries += [Eq(catalog["status"], PUBLISHED), Eq(catalog["audience"], "everyone")]
    elif status:
        wanted = [status] if isinstance(status, str) else list(status)
        wanted = [s for s in wanted if s in STATES]
        if not wanted:
            return 0, []
        queries.append(AnyOf(catalog["status"], wanted))
    if language:
        queries.append(Eq(catalog["language"], language))
    if tag:
        queries.append(Eq(catalog["tags"], tag))
    has_text = bool(text and stem_words(text))
    resolver = root.catalog_objects.get
    if has_text:
        docids = And(*queries, AllWords(catalog[TEXT_INDEX], text)).execute(resolver=resolver).ids
        if not docids:
            any_words = AnyWords(catalog[TEXT_INDEX], text)
            docids = And(*queries, any_words).execute(resolver=resolver).ids
    else:
        query = queries[0] if len(queries) == 1 else And(*queries)
        docids = query.execute(resolver=resolver).ids
    total = len(docids)
    start, limit = (page - 1) * per_page, page * per_page
    if start >= total:
        return total, []
    if has_text:
        ordered = catalog[TEXT_INDEX].sort(docids, limit=limit)
    else:
        ordered = catalog["updated"].sort(docids, reverse=True, limit=limit)
    objects = root.catalog_objects
    found = (objects.get(docid) for docid in list(ordered)[start:limit])
    return total, [a for a in found if a is not None]


def query_stems(text: str) -> set[str]:
    return set(stem_words(text or ""))


def _is_match(word: str, stems: set[str]) -> bool:
    folded = normalize(word)
    return folded not in STOP_WORDS and stem(folded) in stems


def snippet(text: str, query: str, length: int = SNIPPET_LENGTH) -> str:
    """An HTML excerpt of ``text`` around the first word matching ``query`` (by stem), every
    matching word in ``<mark>``. The text is escaped first: only our ``<mark>`` is markup."""
    text = " ".join(text.split())
    stems = query_stems(query)
    matches = [m for m in _WORD.finditer(text) if stems and _is_match(m.group(), stems)]
    if matches:
        first = matches[0].start()
        start = max(0, first - length // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
    else:
        start = 0
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["…" if start else ""]
    position = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        parts.append(html.escape(text[position : match.start()]))
        parts.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    parts.append(html.escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
