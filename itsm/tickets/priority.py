"""Priority from impact x urgency, by the ITIL matrix (1 critical ... 5 planning)."""

from __future__ import annotations

from collections.abc import Mapping

from itsm.i18n import _

LEVELS = ("high", "medium", "low")
#: What pages call each priority and each impact or urgency level.
PRIORITY_TITLES = {
    1: _("1 · Critical"),
    2: _("2 · High"),
    3: _("3 · Medium"),
    4: _("4 · Low"),
    5: _("5 · Planning"),
}
LEVEL_TITLES = {"high": _("High"), "medium": _("Medium"), "low": _("Low")}

#: (impact, urgency) -> priority. The desk's default; settings may replace it.
DEFAULT_MATRIX: Mapping[tuple[str, str], int] = {
    ("high", "high"): 1,
    ("high", "medium"): 2,
    ("medium", "high"): 2,
    ("high", "low"): 3,
    ("medium", "medium"): 3,
    ("low", "high"): 3,
    ("medium", "low"): 4,
    ("low", "medium"): 4,
    ("low", "low"): 5,
}


def priority_of(
    impact: str, urgency: str, matrix: Mapping[tuple[str, str], int] | None = None
) -> int:
    """The priority for ``impact`` and ``urgency``; ValueError for a level we do not know."""
    if impact not in LEVELS or urgency not in LEVELS:
        raise ValueError(f"unknown impact/urgency {impact!r}/{urgency!r}")
    return (matrix or DEFAULT_MATRIX)[(impact, urgency)]


def validate_matrix(matrix: Mapping[tuple[str, str], int]) -> None:
    """A matrix must cover all nine cells with priorities 1-5."""
    missing = [(i, u) for i in LEVELS for u in LEVELS if (i, u) not in matrix]
    if missing:
        raise ValueError(f"the priority matrix misses {missing}")
    bad = {cell: p for cell, p in matrix.items() if not (isinstance(p, int) and 1 <= p <= 5)}
    if bad:
        raise ValueError(f"priorities must be 1-5: {bad}")
