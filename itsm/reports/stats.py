"""Mergeable figures of a set of tickets: counts, sums and bounded histograms.

A :class:`Stats` can be built from facts one at a time (:meth:`Stats.add`) and merged with
another (:meth:`Stats.merge`), so a month is the merge of its days and a group's figure the
merge of its cells. Means are exact (sums of seconds); medians come from histograms whose bins
are whole minutes below 1,000 minutes and three significant figures above (a median is at most
1 % low), which keeps every histogram under a few thousand bins whatever the number of tickets.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from itsm.reports.facts import TicketFacts

#: Durations kept per ticket: (name, attribute of TicketFacts).
DURATIONS = (
    ("response_business", "response_business"),
    ("response_wall", "response_wall"),
    ("resolution_business", "resolution_business"),
    ("resolution_wall", "resolution_wall"),
)
COUNTS = (
    "created",
    "ended",
    "resolved",
    "cancelled",
    "response_target",
    "response_met",
    "resolution_target",
    "resolution_met",
    "breached",
    "fcr",
    "reopened",
    "reassignments",
    "reassigned",
    "surveyed",
    "answered",
    "satisfied",
    "score_sum",
    "commented",
    "emergency",
    "approval_steps",
)


#: See Stats.estimated_bytes.
_STATS_BYTES, _HIST_BYTES, _BIN_BYTES = 1200, 225, 50
_FROZEN_BYTES, _FROZEN_BIN_BYTES = 200, 16

_DURATION_NAMES = tuple(name for name, _attribute in DURATIONS)


def minute_bin(seconds: float) -> int:
    """The histogram bin of a duration: whole minutes, three significant figures from 1,000."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1000:
        return minutes
    scale = 10 ** (len(str(minutes)) - 3)
    return minutes // scale * scale


class FrozenHist:
    """A histogram read from storage, as two sorted arrays of bins and counts: a dict of a
    thousand bins takes ~100 KB in memory, this ~16 KB, and a month's roll-ups hold hundreds of
    such histograms. Read-only, with the mapping methods the reading code uses; a Stats that is
    merged into turns its own back into dicts first (see :meth:`Stats._hist`)."""

    __slots__ = ("bins", "counts")

    #: Smaller histograms stay dicts (no smaller as arrays).
    THRESHOLD = 8

    def __init__(self, mapping: Mapping[int, int]) -> None:
        ordered = sorted(mapping.items())
        self.bins = array("q", [key for key, _count in ordered])
        self.counts = array("q", [count for _key, count in ordered])

    def items(self) -> Iterator[tuple[int, int]]:
        return zip(self.bins, self.counts, strict=True)

    def values(self) -> Any:
        return self.counts

    def __len__(self) -> int:
        return len(self.bins)

    def __bool__(self) -> bool:
        return bool(self.bins)

    def to_dict(self) -> dict[int, int]:
        return dict(self.items())


def _thawed(hist: Any) -> dict[int, int]:
    return hist.to_dict() if isinstance(hist, FrozenHist) else hist


class Stats:
    """Figures of some tickets. Plain and picklable: lives inside a day's summary."""

    __slots__ = ("counts", "sums", "ns", "hists", "reassign_hist", "outcomes")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.sums: dict[str, float] = {}
        self.ns: dict[str, int] = {}
        self.hists: dict[str, dict[int, int]] = {}
        self.reassign_hist: dict[int, int] = {}
        self.outcomes: dict[str, int] = {}

    def __getstate__(self) -> tuple:
        # Positional, not keyed by name: a day holds a thousand of these, so the state is
        # kept small (a list of counts in COUNTS order, then one slot per duration).
        counts = [self.counts.get(name, 0) for name in COUNTS]
        while counts and not counts[-1]:
            counts.pop()
        durations = tuple(
            (self.ns.get(name, 0), self.sums.get(name, 0.0), _thawed(self.hists.get(name)) or None)
            if self.ns.get(name)
            else None
            for name in _DURATION_NAMES
        )
        return (
            counts,
            durations,
            self.reassign_hist or None,
            self.outcomes or None,
            self.sums.get("approval", 0.0),
        )

    def __setstate__(self, state: tuple) -> None:
        counts, durations, reassign_hist, outcomes, approval = state
        self.counts = {name: value for name, value in zip(COUNTS, counts, strict=False) if value}
        self.sums, self.ns, self.hists = {}, {}, {}
        for name, slot in zip(_DURATION_NAMES, durations, strict=True):
            if slot is None:
                continue
            n, total, hist = slot
            self.ns[name], self.sums[name] = n, total
            if hist:
                self.hists[name] = FrozenHist(hist) if len(hist) > FrozenHist.THRESHOLD else hist
        if approval:
            self.sums["approval"] = approval
        self.reassign_hist = reassign_hist or {}
        self.outcomes = outcomes or {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stats) and self.__getstate__() == other.__getstate__()

    def estimated_bytes(self) -> int:
        """About what this takes in memory once unpickled (CPython 3.11: the object and its
        dicts, then each histogram and each of its bins; measured with tracemalloc on summaries
        of the reports benchmark), for the cache's bound."""
        size = _STATS_BYTES + _BIN_BYTES * len(self.reassign_hist)
        for hist in self.hists.values():
            if isinstance(hist, FrozenHist):
                size += _FROZEN_BYTES + _FROZEN_BIN_BYTES * len(hist)
            else:
                size += _HIST_BYTES + _BIN_BYTES * len(hist)
        return size

    def _hist(self, name: str) -> dict[int, int]:
        """This Stats' own histogram ``name``, as a dict to add to."""
        hist = self.hists.get(name)
        if hist is None:
            hist = self.hists[name] = {}
        elif isinstance(hist, FrozenHist):
            hist = self.hists[name] = hist.to_dict()
        return hist

    def _count(self, name: str, value: int = 1) -> None:
        if value:
            self.counts[name] = self.counts.get(name, 0) + value

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    # -- building ----------------------------------------------------------------------------

    def add_created(self) -> None:
        self._count("created")

    def add_ended(self, facts: TicketFacts) -> None:
        self._count("ended")
        if facts.cancelled:
            self._count("cancelled")
        if facts.kind == "change" and facts.item == "emergency":
            self._count("emergency")
        if facts.outcome:
            self.outcomes[facts.outcome] = self.outcomes.get(facts.outcome, 0) + 1
        if facts.approval_steps:
            self._count("approval_steps", facts.approval_steps)
            self.sums["approval"] = self.sums.get("approval", 0.0) + facts.approval_seconds

    def add_resolved(self, facts: TicketFacts) -> None:
        """A ticket resolved on this day: its times, targets, FCR, reassignments, survey."""
        self._count("resolved")
        for name, attribute in DURATIONS:
            value = getattr(facts, attribute)
            if value is None:
                continue
            self.ns[name] = self.ns.get(name, 0) + 1
            self.sums[name] = self.sums.get(name, 0.0) + value
            hist = self._hist(name)
            key = minute_bin(value)
            hist[key] = hist.get(key, 0) + 1
        if facts.response_met is not None:
            self._count("response_target")
            self._count("response_met", int(facts.response_met))
        if facts.resolution_met is not None:
            self._count("resolution_target")
            self._count("resolution_met", int(facts.resolution_met))
        self._count("breached", int(bool(facts.breaches)))
        self._count("fcr", int(bool(facts.fcr)))
        self._count("reopened", int(facts.reopens > 0))
        self._count("reassignments", facts.reassignments)
        self._count("reassigned", int(facts.reassignments > 0))
        self.reassign_hist[facts.reassignments] = self.reassign_hist.get(facts.reassignments, 0) + 1
        self._count("surveyed", int(facts.surveyed))
        if facts.csat is not None:
            self._count("answered")
            self._count("satisfied", int(facts.csat >= 4))
            self._count("score_sum", facts.csat)
            self._count("commented", int(bool(facts.csat_comment)))

    def merge(self, other: Stats) -> Stats:
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        for key, value in other.sums.items():
            self.sums[key] = self.sums.get(key, 0.0) + value
        for key, value in other.ns.items():
            self.ns[key] = self.ns.get(key, 0) + value
        for name, hist in other.hists.items():
            mine = self._hist(name)
            for key, value in hist.items():
                mine[key] = mine.get(key, 0) + value
        for key, value in other.reassign_hist.items():
            self.reassign_hist[key] = self.reassign_hist.get(key, 0) + value
        for key, value in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0) + value
        return self

    # -- reading -----------------------------------------------------------------------------

    def mean(self, name: str) -> float | None:
        n = self.ns.get(name, 0)
        return self.sums[name] / n if n else None

    def median(self, name: str) -> float | None:
        """The median in seconds (from minute bins; the mean of the two middle ones if even)."""
        return _median(self.hists.get(name, {}))

    def share(self, part: str, whole: str) -> float | None:
        total = self.get(whole)
        return self.get(part) / total if total else None

    @property
    def approval_mean(self) -> float | None:
        steps = self.get("approval_steps")
        return self.sums.get("approval", 0.0) / steps if steps else None

    @property
    def csat(self) -> float | None:
        return self.share("satisfied", "answered")

    @property
    def answer_rate(self) -> float | None:
        return self.share("answered", "surveyed")

    @property
    def reassign_mean(self) -> float | None:
        return self.share("reassignments", "resolved")

    @property
    def mean_score(self) -> float | None:
        return self.share("score_sum", "answered")


def _median(hist: Mapping[int, int]) -> float | None:
    total = sum(hist.values())
    if not total:
        return None
    ordered = sorted(hist.items())
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, count in ordered:
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return (lower + upper) / 2 * 60.0


def merged(items: Iterable[Stats]) -> Stats:
    total = Stats()
    for item in items:
        total.merge(item)
    return total


def stats_from_state(state: Any) -> Stats:
    stats = Stats()
    stats.__setstate__(state)
    return stats
