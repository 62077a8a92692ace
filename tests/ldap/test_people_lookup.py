"""The people look-up and reporting for a caller, against the test slapd: people who never
logged in are found and can be the requester; employees find only themselves and their
manager; filter characters in the search are harmless."""

from __future__ import annotations

import re

import pytest

from tests.conftest import logged_in
from tests.plugins.slapd import PASSWORD

pytestmark = pytest.mark.ldap


@pytest.fixture
def ldap_app(make_app, slapd):
    return make_app(demo=False, **slapd.settings_overrides())


def test_agent_finds_and_reports_for_someone_who_never_logged_in(ldap_app):
    agent = logged_in(ldap_app, "agent", PASSWORD)
    found = agent.get("/api/v1/people", params={"q": "larsen"}).json["items"]
    assert found == [
        {
            "login": "lena",
            "name": "Lena Larsen",
            "mail": "lena@example.com",
            "department": "Sales",
            "manager": "salesboss",
        }
    ]
    before = ldap_app.db.lastTransaction()
    assert agent.get("/api/v1/people", params={"q": "*)(uid=*"}).json["items"] == []
    assert ldap_app.db.lastTransaction() == before  # looking people up writes nothing

    form = agent.get("/incidents/new").forms["report-form"]
    form["requester"] = "lena"
    form["channel"] = "phone"
    form["title"] = "Lena's headset is silent"
    response = form.submit("submit", status=303)
    number = re.search(r"(INC-\d{6})", response.headers["Location"]).group(1)
    requester, mails = ldap_app.read(
        lambda root: (
            root["incidents"][number].requester,
            [m.to[0] for m in root.outbox if m.ticket == number],
        )
    )
    assert requester == "lena"
    assert "lena@example.com" in mails


def test_employee_finds_only_themselves_and_their_manager(ldap_app):
    employee = logged_in(ldap_app, "lena", PASSWORD)
    found = employee.get("/api/v1/people").json["items"]
    assert [p["login"] for p in found] == ["lena", "salesboss"]
    assert employee.get("/api/v1/people", params={"q": "olga"}).json["items"] == []
