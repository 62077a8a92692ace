"""Signed approval links: hashed, single-use, expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from itsm.approvals import links
from itsm.approvals.models import ApprovalStep

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_step() -> ApprovalStep:
    ticket = SimpleNamespace(number="REQ-000001", requester="employee")
    return ApprovalStep(ticket, 1, "people", docid=1, approvers=("manager",))


def test_a_link_works_until_used_or_expired():
    step = make_step()
    token = links.issue(step, "manager", NOW, days=7)
    assert token not in step.tokens and len(token) >= 43
    assert links.check(step, token, NOW + timedelta(days=6)).login == "manager"
    assert links.check(step, token, NOW + timedelta(days=7)) is None  # expired
    links.use(step, token, NOW)
    assert links.check(step, token, NOW) is None  # used


def test_unknown_empty_and_oversized_tokens_fail():
    step = make_step()
    links.issue(step, "manager", NOW)
    for token in ("", "x", "A" * 43, "A" * 5000):
        assert links.check(step, token, NOW) is None


def test_two_links_are_independent():
    step = make_step()
    first, second = links.issue(step, "manager", NOW), links.issue(step, "manager", NOW)
    assert first != second
    links.use(step, first, NOW)
    assert links.check(step, second, NOW) is not None
