"""A normal change goes to the requester's manager as a real directory names them."""

from __future__ import annotations

import pytest

from tests.conftest import logged_in
from tests.functional.changes.conftest import at, change_body
from tests.functional.requests.conftest import RequestClient
from tests.plugins.slapd import PASSWORD

pytestmark = pytest.mark.ldap


def test_normal_change_is_approved_by_the_manager_named_by_slapd(make_app, slapd):
    app = make_app(demo=False, **slapd.settings_overrides())
    # netops (a network operator, so IT staff) reports to agent2 in the directory.
    for login in ("netops", "agent2", "manager"):
        logged_in(app, login, PASSWORD)
    netops, agent2, manager = (RequestClient(app, n) for n in ("netops", "agent2", "manager"))
    created = netops.post("/api/v1/changes", change_body([], at(9)), status=201).json
    step = created["approval"]["steps"][0]
    assert step["approvers"] == ["agent2"]
    assert manager.waiting() == []
    agent2.decide(step["id"], "approve")
    assert netops.get(f"/api/v1/changes/{created['number']}").json["status"] == "scheduled"
