"""A known error in headless Chromium: an agent opens an incident that matches it, sees the
banner with the workaround, links the incident to the known error and sends the workaround
from the reply box; the employee reads it. Every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from itsm.problems import actions
from itsm.tickets.context import ActionContext
from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at, log_out

pytestmark = pytest.mark.browser
WORKAROUND = "Turn off power saving for the network adapter, then reconnect."


def _known_error_and_incident(app) -> tuple[str, str]:
    from itsm.incidents.intake import create_incident

    def make(root):
        staff = ActionContext.system(root, app.registry)
        staff.actor, staff.roles = "agent", frozenset({"agent", "problem_manager"})
        problem = actions.create_problem(
            staff,
            {
                "title": "VPN drops every few minutes",
                "category": "network",
                "root_cause": "Idle timeout on the VPN concentrator",
                "workaround": WORKAROUND,
            },
        )
        actions.transition(staff, problem, "root_cause")
        employee = ActionContext.system(root, app.registry)
        employee.actor, employee.roles = "employee", frozenset({"employee"})
        incident = create_incident(
            employee,
            requester="employee",
            title="My VPN drops all the time",
            description="Since Monday",
            impact="low",
            urgency="medium",
            category="network",
        )
        return problem.number, incident.number

    return app.write(make)


def test_agent_sees_the_known_error_banner_and_applies_the_workaround(
    live_server, page, page_errors
):
    url = live_server.url
    problem, incident = _known_error_and_incident(live_server.app)
    log_in_at(page, url, f"/incidents/{incident}/", "agent")
    banner = page.locator(f"#known-error-{problem}")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(WORKAROUND)
    assert axe_violations(page) == []
    with page.expect_navigation():
        banner.get_by_role("button", name="Link to this known error").click()
    expect(page.locator("#reply-body")).to_have_value(WORKAROUND)
    expect(page.locator("#incident-problem-link")).to_contain_text(problem)
    expect(banner).to_have_count(0)
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.locator("#reply-form").get_by_role("button", name="Send").click()
    expect(page.locator(".itsm-body", has_text=WORKAROUND).first).to_be_visible()
    log_out(page)

    log_in_at(page, url, f"/incidents/{incident}/", "employee")
    expect(page.get_by_text(WORKAROUND).first).to_be_visible()
    expect(page.locator(f"#known-error-{problem}")).to_have_count(0)
    assert page_errors == []
