"""The manager who approves is the one a real directory names in the ``manager`` attribute."""

from __future__ import annotations

import pytest

from itsm.requests.demo import load_demo_catalog
from tests.conftest import logged_in
from tests.functional.requests.conftest import RequestClient
from tests.plugins.slapd import PASSWORD

pytestmark = pytest.mark.ldap


def test_manager_step_goes_to_the_manager_named_by_slapd(make_app, slapd):
    app = make_app(demo=False, **slapd.settings_overrides())
    app.write(load_demo_catalog)
    # yuri's manager in the directory is petr (a DN there, a login here), not the IT head.
    for login in ("yuri", "petr", "manager"):
        logged_in(app, login, PASSWORD)
    yuri, petr, manager = (RequestClient(app, login) for login in ("yuri", "petr", "manager"))
    number = yuri.order("vpn-access", {"reason": "Customer visits"})["number"]
    step = yuri.request(number)["approval"]["steps"][0]
    assert step["approvers"] == ["petr"]
    assert manager.waiting() == []
    assert [w["id"] for w in petr.waiting()] == [step["id"]]
    petr.decide(step["id"], "approve")
    assert yuri.request(number)["status"] == "in_fulfilment"
