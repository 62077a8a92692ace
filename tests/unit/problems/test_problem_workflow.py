"""The problem workflow table: states, who may fire what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsm.problems.workflow import MANAGERS, STAFF, STATES, WORKFLOW
from itsm.tickets.workflow import NotAllowedNow, NotPermitted


class Ticket:
    root_cause = ""
    changes = ()

    def __init__(self, status: str) -> None:
        self.status = status


NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_the_lifecycle_follows_itil() -> None:
    path = [
        ("investigate", "under_investigation"),
        ("root_cause", "root_cause_known"),
        ("fix", "fix_in_progress"),
        ("resolve", "resolved"),
        ("close", "closed"),
    ]
    status = "new"
    for name, target in path:
        transition = WORKFLOW.transitions[name]
        assert status in transition.sources
        status = transition.target
        assert status == target
    assert set(STATES) == {"new", *(t for _n, t in path)}


@pytest.mark.parametrize("name", ["resolve", "close", "reopen", "cancel"])
def test_only_problem_managers_assignees_and_admins_decide(name: str) -> None:
    assert WORKFLOW.transitions[name].roles == MANAGERS
    assert "agent" not in WORKFLOW.transitions[name].roles


@pytest.mark.parametrize("name", ["investigate", "root_cause", "fix"])
def test_it_staff_investigate(name: str) -> None:
    assert WORKFLOW.transitions[name].roles == STAFF


def test_root_cause_needs_one_and_fix_needs_a_change() -> None:
    ticket = Ticket("under_investigation")
    with pytest.raises(NotAllowedNow):
        WORKFLOW.check(ticket, "root_cause", {"agent"}, {}, NOW)
    WORKFLOW.check(ticket, "root_cause", {"agent"}, {"root_cause": "disk"}, NOW)
    ticket.status = "root_cause_known"
    with pytest.raises(NotAllowedNow):
        WORKFLOW.check(ticket, "fix", {"agent"}, {}, NOW)
    WORKFLOW.check(ticket, "fix", {"agent"}, {"change": "CHG-000001"}, NOW)
    with pytest.raises(NotPermitted):
        WORKFLOW.check(ticket, "resolve", {"agent"}, {"resolution": "x"}, NOW)
    WORKFLOW.check(ticket, "resolve", {"agent", "problem_manager"}, {"resolution": "x"}, NOW)
