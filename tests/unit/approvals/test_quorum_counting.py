"""Counting a step's decisions: any one, all, or any N of the approvers."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm.approvals.decisions import quorum_outcome
from itsm.approvals.models import APPROVED, PENDING, REJECTED, ApprovalStep, Decision
from itsm.approvals.routing import quorum_mode

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TICKET = SimpleNamespace(number="CHG-000001", requester="raiser")


def step(approvers: tuple[str, ...], mode: str = "quorum", quorum: int | None = 2, **kw) -> Any:
    fields = {"approvers": approvers, "mode": mode, **kw}
    if quorum is not None:
        fields["quorum"] = quorum
    return ApprovalStep(TICKET, 1, "group", 7, **fields)


def decided(s: ApprovalStep, *answers: tuple[str, str], by: dict | None = None) -> ApprovalStep:
    s.decisions = tuple(
        Decision(login, answer, NOW, "why", on_behalf_of=(by or {}).get(login))
        for login, answer in answers
    )
    return s


def test_a_quorum_of_one_or_of_everyone_is_an_any_or_all_step():
    assert quorum_mode(1, 5) == {"mode": "any"}
    assert quorum_mode(3, 3) == {"mode": "all"}
    assert quorum_mode(4, 2) == {"mode": "all"}  # more than there are: all of them
    assert quorum_mode(2, 3) == {"mode": "quorum", "quorum": 2}


def test_old_steps_need_one_or_every_approval_as_their_mode_says():
    assert step(("a", "b", "c"), mode="any", quorum=None).needed == 1
    assert step(("a", "b", "c"), mode="all", quorum=None).needed == 3
    with pytest.raises(ValueError):
        step(("a", "b"), mode="quorum", quorum=None)


def test_two_of_three_approve_after_one_rejection():
    s = step(("a", "b", "c"))
    assert quorum_outcome(decided(s, ("a", "approve"))) == PENDING
    assert quorum_outcome(decided(s, ("a", "approve"), ("b", "reject"))) == PENDING
    assert quorum_outcome(decided(s, ("a", "approve"), ("b", "reject"), ("c", "approve"))) == (
        APPROVED
    )
    assert s.progress() == (2, 2)


def test_rejected_as_soon_as_the_rest_cannot_make_up_the_quorum():
    s = step(("a", "b", "c", "d"), quorum=3)
    assert quorum_outcome(decided(s, ("a", "reject"))) == PENDING
    assert quorum_outcome(decided(s, ("a", "reject"), ("b", "reject"))) == REJECTED


def test_a_deputy_counts_for_the_person_away_and_never_twice():
    s = step(("a", "b", "c", "deputy"), deputies=(("deputy", "a"),))
    assert s.principals() == ("a", "b", "c")
    s = decided(s, ("deputy", "approve"), by={"deputy": "a"})
    assert s.progress() == (1, 2)
    s = decided(s, ("deputy", "approve"), ("a", "approve"), by={"deputy": "a"})
    assert s.progress() == (1, 2)  # a's own answer and the deputy's are one vote


def test_a_group_member_not_listed_at_the_start_still_counts():
    s = decided(step(("a", "b", "c")), ("a", "approve"), ("newcomer", "approve"))
    assert quorum_outcome(s) == APPROVED


@given(
    st.integers(min_value=2, max_value=6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.integers(min_value=2, max_value=n),
            st.lists(st.sampled_from(["approve", "reject"]), min_size=0, max_size=n),
        )
    )
)
def test_outcome_follows_the_counts(case):
    members, quorum, answers = case
    approvers = tuple(f"p{i}" for i in range(members))
    s = decided(step(approvers, quorum=quorum), *zip(approvers, answers, strict=False))
    yes = answers.count("approve")
    no = answers.count("reject")
    outcome = quorum_outcome(s)
    if yes >= quorum:
        assert outcome == APPROVED
    elif members - no < quorum:
        assert outcome == REJECTED
    else:
        assert outcome == PENDING
