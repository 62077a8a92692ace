"""Mergeable figures: bins, medians, shares; merging equals adding one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from itsm.reports.facts import TicketFacts
from itsm.reports.stats import Stats, merged, minute_bin

T0 = datetime(2026, 3, 2, 7, tzinfo=UTC)


def resolved(seconds: float, **fields) -> TicketFacts:
    return TicketFacts(
        number=fields.pop("number", "INC-1"),
        kind="incident",
        created=T0,
        resolved_at=T0 + timedelta(seconds=seconds),
        ended_at=T0 + timedelta(seconds=seconds),
        resolution_wall=seconds,
        resolution_business=seconds,
        **fields,
    )


def test_bins_are_whole_minutes_below_1000_and_three_figures_above():
    assert minute_bin(59) == 0
    assert minute_bin(61) == 1
    assert minute_bin(999 * 60 + 59) == 999
    assert minute_bin(1745 * 60) == 1740
    assert minute_bin(123456 * 60) == 123000


@given(st.floats(min_value=0, max_value=3e8))
def test_a_bin_is_at_most_1_percent_below_the_value_in_whole_minutes(seconds):
    minutes = int(seconds // 60)
    assert minutes * 0.99 <= minute_bin(seconds) <= minutes


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    stats = Stats()
    for minutes in (10, 20, 30, 40):
        stats.add_resolved(resolved(minutes * 60))
    assert stats.median("resolution_wall") == 25 * 60
    assert stats.mean("resolution_wall") == 25 * 60


def test_no_figures_give_none_not_zero():
    stats = Stats()
    assert stats.median("resolution_wall") is None
    assert stats.mean("response_business") is None
    assert stats.csat is None and stats.answer_rate is None


def test_csat_is_the_share_of_4_and_5_among_answers():
    stats = Stats()
    for index, score in enumerate((5, 4, 3, 1)):
        stats.add_resolved(resolved(60, number=f"INC-{index}", surveyed=True, csat=score))
    stats.add_resolved(resolved(60, number="INC-9", surveyed=True))
    assert stats.csat == 0.5
    assert stats.answer_rate == 4 / 5


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30), st.data())
def test_merging_parts_equals_adding_everything_to_one(values, data):
    whole = Stats()
    parts = [Stats() for _ in range(3)]
    for value in values:
        whole.add_resolved(resolved(value))
        parts[data.draw(st.integers(min_value=0, max_value=2))].add_resolved(resolved(value))
    together = merged(parts)
    assert together.get("resolved") == whole.get("resolved")
    assert together.median("resolution_wall") == whole.median("resolution_wall")
    assert (
        together.mean("resolution_wall") == whole.mean("resolution_wall")
        or abs(together.mean("resolution_wall") - whole.mean("resolution_wall")) < 1e-6
    )


def test_the_stored_state_gives_the_same_figures_back():
    import pickle

    stats = Stats()
    stats.add_resolved(resolved(600, surveyed=True, csat=5, reassignments=2, outcome="failed"))
    stats.add_created()
    again = pickle.loads(pickle.dumps(stats))  # noqa: S301 - our own bytes
    assert again == stats
    assert again.median("resolution_wall") == 600 and again.get("created") == 1
    assert pickle.loads(pickle.dumps(Stats())) == Stats()  # noqa: S301


def test_a_stored_histogram_is_read_back_compact_and_gives_the_same_figures():
    import pickle

    from itsm.reports.stats import FrozenHist

    stats = Stats()
    for minutes in range(0, 3000, 7):
        stats.add_resolved(resolved(minutes * 60.0 + 5))
    loaded = pickle.loads(pickle.dumps(stats))  # noqa: S301 (made just above)
    assert isinstance(loaded.hists["resolution_wall"], FrozenHist)
    assert loaded == stats and pickle.dumps(loaded) == pickle.dumps(stats)
    assert loaded.median("resolution_wall") == stats.median("resolution_wall")
    assert loaded.estimated_bytes() < stats.estimated_bytes()
    # Merged into a fresh Stats, and merged into itself (thawed first): still right.
    assert merged([loaded]) == stats
    loaded.merge(stats)
    assert loaded == merged([stats, stats])
    loaded.add_resolved(resolved(60.0))
    assert loaded.ns["resolution_wall"] == 2 * stats.ns["resolution_wall"] + 1
