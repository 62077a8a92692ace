"""The CI lifecycle table: ordered → in stock → deployed → in repair → retired → disposed."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm.cmdb.workflow import STATES, WORKFLOW
from itsm.tickets.history import History
from itsm.tickets.workflow import MissingFields, NotAllowedNow, NotPermitted, fire

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: (state, transition) -> next state: the whole table.
TABLE = {
    ("ordered", "receive"): "in_stock",
    ("ordered", "retire"): "retired",
    ("in_stock", "deploy"): "deployed",
    ("in_stock", "repair"): "in_repair",
    ("in_stock", "retire"): "retired",
    ("deployed", "return"): "in_stock",
    ("deployed", "repair"): "in_repair",
    ("deployed", "retire"): "retired",
    ("in_repair", "return"): "in_stock",
    ("in_repair", "repaired"): "deployed",
    ("in_repair", "retire"): "retired",
    ("retired", "dispose"): "disposed",
}


def ci(status: str) -> SimpleNamespace:
    return SimpleNamespace(status=status, history=History(), updated=None)


def test_states_in_order():
    assert STATES == ("ordered", "in_stock", "deployed", "in_repair", "retired", "disposed")


@pytest.mark.parametrize(("move", "target"), TABLE.items())
def test_allowed_moves(move, target):
    state, name = move
    item = ci(state)
    fire(WORKFLOW, item, name, actor="agent", roles={"agent"}, fields={"owner": "x"}, now=NOW)
    assert item.status == target
    assert [r.action for r in item.history] == ["transition"]


@given(st.sampled_from(STATES), st.sampled_from(sorted(WORKFLOW.transitions)))
def test_every_other_move_is_refused(state, name):
    item = ci(state)
    if (state, name) in TABLE:
        return
    with pytest.raises(NotAllowedNow):
        WORKFLOW.check(item, name, {"agent"}, {"owner": "x"}, NOW)


def test_disposed_is_final():
    assert WORKFLOW.available("disposed", {"admin", "agent"}) == []


def test_employees_cannot_move_a_ci():
    with pytest.raises(NotPermitted):
        WORKFLOW.check(ci("in_stock"), "retire", {"employee", "manager"}, {}, NOW)


def test_deploy_needs_an_owner():
    with pytest.raises(MissingFields):
        WORKFLOW.check(ci("in_stock"), "deploy", {"agent"}, {}, NOW)
