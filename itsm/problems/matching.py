"""Known errors for an incident (the banner on the incident page) and by words (the API).

An open known error matches an incident that shares a CI with it, or whose title has at least
:data:`TITLE_OVERLAP` of the stemmed words of the shorter of the two titles (a third is enough
in the same category). A category alone does not match: every known error has one.
"""

from __future__ import annotations

from typing import Any

from itsm.search.catalog import search
from itsm.search.stemming import stem_words

#: The share of the shorter title's stemmed words the other title must have.
TITLE_OVERLAP = 0.5
SAME_CATEGORY_OVERLAP = 1 / 3
LIMIT = 200


def title_stems(text: str) -> frozenset[str]:
    return frozenset(w for w in stem_words(text or "") if len(w) > 1)


def title_similarity(a: str, b: str) -> float:
    """How much of the shorter title's stemmed words the other has (0 … 1)."""
    left, right = title_stems(a), title_stems(b)
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def open_known_errors(root: Any, text: str | None = None) -> list[Any]:
    """Open problems with a root cause and a workaround (matching ``text``), newest first."""
    _total, found = search(
        root,
        kind="problem",
        open=True,
        text=text or None,
        sort="created",
        reverse=True,
        per_page=LIMIT,
    )
    return [p for p in found if p.known_error]


def matches(problem: Any, incident: Any) -> bool:
    if set(problem.cis) & set(incident.cis):
        return True
    similarity = title_similarity(problem.title, incident.title)
    if problem.category and problem.category == incident.category:
        return similarity >= SAME_CATEGORY_OVERLAP
    return similarity >= TITLE_OVERLAP


def known_errors_for(root: Any, incident: Any) -> list[Any]:
    """The open known errors that match ``incident`` (not the one it already belongs to)."""
    return [
        p
        for p in open_known_errors(root)
        if p.number != getattr(incident, "problem", "") and matches(p, incident)
    ]
