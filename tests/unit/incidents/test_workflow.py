"""The incident workflow table: who may fire what, from where, with which fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itsm.incidents.workflow import OPEN_STATES, STATES, WORKFLOW
from itsm.tickets.models import Ticket
from itsm.tickets.workflow import (
    MissingFields,
    NotAllowedNow,
    NotPermitted,
    UnknownTransition,
    fire,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ticket(status: str = "new") -> Ticket:
    t = Ticket("INC-000001", 1, 1, NOW)
    t.status = status
    t.requester = "employee"
    return t


def test_every_transition_names_known_states():
    for transition in WORKFLOW.transitions.values():
        assert transition.sources <= set(STATES)
        assert transition.target is None or transition.target in STATES


def test_closed_and_cancelled_are_final_except_nothing():
    for final in ("closed", "cancelled"):
        assert WORKFLOW.available(final, {"agent", "admin", "requester", "system"}) == []


@pytest.mark.parametrize(
    ("name", "roles", "allowed"),
    [
        ("resolve", {"employee", "requester"}, False),
        ("resolve", {"employee", "agent"}, True),
        ("assign", {"employee", "requester"}, False),
        ("cancel", {"system"}, True),
        ("close", {"employee", "requester"}, True),
        ("reopen", {"employee", "requester"}, True),
        ("reopen", {"employee"}, False),  # someone else's incident
        ("escalate", {"employee", "manager"}, False),
    ],
)
def test_roles_per_transition(name, roles, allowed):
    assert bool(WORKFLOW.transitions[name].roles & roles) is allowed


def test_only_open_incidents_can_be_resolved_cancelled_escalated_or_merged():
    for name in ("resolve", "cancel", "escalate", "merge"):
        assert WORKFLOW.transitions[name].sources == OPEN_STATES


def test_fire_moves_the_status_and_records_history():
    t = ticket("assigned")
    fire(WORKFLOW, t, "start", actor="agent", roles={"agent"}, now=NOW)
    assert t.status == "in_progress"
    record = list(t.history)[-1]
    assert (record.action, record.field, record.before, record.after, record.actor) == (
        "transition",
        "start",
        "assigned",
        "in_progress",
        "agent",
    )


def test_fire_refuses_wrong_state_role_fields_and_unknown_names():
    with pytest.raises(NotAllowedNow):
        fire(WORKFLOW, ticket("new"), "close", actor="agent", roles={"agent"}, now=NOW)
    with pytest.raises(NotPermitted):
        fire(WORKFLOW, ticket("new"), "start", actor="employee", roles={"requester"}, now=NOW)
    with pytest.raises(MissingFields) as missing:
        fire(WORKFLOW, ticket("new"), "resolve", actor="agent", roles={"agent"}, now=NOW)
    assert set(missing.value.fields) == {"resolution_code", "resolution"}
    with pytest.raises(UnknownTransition):
        fire(WORKFLOW, ticket("new"), "explode", actor="agent", roles={"agent"}, now=NOW)


def test_a_refused_transition_changes_nothing():
    t = ticket("new")
    with pytest.raises(NotAllowedNow):
        fire(WORKFLOW, t, "close", actor="agent", roles={"agent"}, now=NOW)
    assert t.status == "new" and len(t.history) == 0


def test_reopen_window():
    t = ticket("resolved")
    t.resolved_at = NOW - timedelta(days=8)
    with pytest.raises(NotAllowedNow):
        fire(
            WORKFLOW,
            t,
            "reopen",
            actor="employee",
            roles={"requester"},
            fields={"_reopen_days": 7},
            now=NOW,
        )
    t.resolved_at = NOW - timedelta(days=6)
    fire(
        WORKFLOW,
        t,
        "reopen",
        actor="employee",
        roles={"requester"},
        fields={"_reopen_days": 7},
        now=NOW,
    )
    assert t.status == "in_progress"


def test_resolution_code_must_be_known():
    with pytest.raises(NotAllowedNow):
        fire(
            WORKFLOW,
            ticket("in_progress"),
            "resolve",
            actor="agent",
            roles={"agent"},
            fields={"resolution_code": "magic", "resolution": "x"},
            now=NOW,
        )
