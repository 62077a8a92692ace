"""The article workflow table: who may move an article, and where to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsm.kb.workflow import DRAFT, IN_REVIEW, PUBLISHED, RETIRED, WORKFLOW
from itsm.tickets.workflow import NotAllowedNow, NotPermitted


class _Article:
    def __init__(self, status):
        self.status = status


NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "name", "target"),
    [
        (DRAFT, "submit", IN_REVIEW),
        (IN_REVIEW, "reject", DRAFT),
        (IN_REVIEW, "publish", PUBLISHED),
        (DRAFT, "publish", PUBLISHED),
        (PUBLISHED, "retire", RETIRED),
        (RETIRED, "revive", DRAFT),
    ],
)
def test_staff_move_articles_along_the_table(status, name, target):
    transition = WORKFLOW.check(_Article(status), name, {"agent"}, {}, NOW)
    assert transition.target == target


@pytest.mark.parametrize("name", sorted(WORKFLOW.transitions))
def test_employees_fire_no_transition(name):
    source = next(iter(WORKFLOW.transitions[name].sources))
    with pytest.raises(NotPermitted):
        WORKFLOW.check(_Article(source), name, {"employee", "requester"}, {}, NOW)


def test_a_retired_article_cannot_be_published_directly():
    with pytest.raises(NotAllowedNow):
        WORKFLOW.check(_Article(RETIRED), "publish", {"admin"}, {}, NOW)
