"""The ITIL priority matrix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm.tickets.priority import DEFAULT_MATRIX, LEVELS, priority_of, validate_matrix


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", 1),
        ("high", "medium", 2),
        ("medium", "high", 2),
        ("high", "low", 3),
        ("medium", "medium", 3),
        ("low", "high", 3),
        ("medium", "low", 4),
        ("low", "medium", 4),
        ("low", "low", 5),
    ],
)
def test_the_itil_matrix(impact, urgency, priority):
    assert priority_of(impact, urgency) == priority


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_raising_impact_or_urgency_never_lowers_the_priority(impact, urgency, other):
    rank = {"low": 0, "medium": 1, "high": 2}
    if rank[other] >= rank[impact]:
        assert priority_of(other, urgency) <= priority_of(impact, urgency)
    if rank[other] >= rank[urgency]:
        assert priority_of(impact, other) <= priority_of(impact, urgency)


def test_a_configured_matrix_replaces_the_default():
    matrix = dict(DEFAULT_MATRIX)
    matrix[("low", "low")] = 4
    validate_matrix(matrix)
    assert priority_of("low", "low", matrix) == 4


def test_an_incomplete_or_out_of_range_matrix_is_refused():
    with pytest.raises(ValueError, match="misses"):
        validate_matrix({("high", "high"): 1})
    bad = dict(DEFAULT_MATRIX)
    bad[("high", "high")] = 0
    with pytest.raises(ValueError, match="1-5"):
        validate_matrix(bad)


def test_unknown_levels_are_refused():
    with pytest.raises(ValueError):
        priority_of("huge", "high")
