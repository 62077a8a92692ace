"""Approvers see what they approve: a change's plan, risk, CIs, affected people and conflicts;
a request's answers and price — on "Waiting for my approval", the mail-link page and the mail."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import logged_in
from tests.functional.changes.conftest import HIGH_RISK, at, change_body, ci_number, raise_change
from tests.functional.requests.conftest import mails

CHANGE_LINK = re.compile(r"(/approvals/(CHG-\d+-\d+)/mail\?token=[A-Za-z0-9_\-]+)")


def _details(page: Any, element_id: str) -> dict[str, str]:
    rows = page.html.find(id=element_id)
    assert rows is not None, page.text[:2000]
    terms = [dt.get_text(" ", strip=True) for dt in rows.find_all("dt")]
    values = [dd.get_text(" ", strip=True) for dd in rows.find_all("dd")]
    return dict(zip(terms, values, strict=True))


def test_a_manager_sees_the_plan_risk_cis_and_people_of_a_change(app: Any, api: Any) -> None:
    mail01 = ci_number(app, "mail01")
    body = change_body([mail01], at(45), answers=HIGH_RISK)
    body["plans"]["implementation"] = "Stop postfix, patch, start postfix"
    change = raise_change(api("agent"), body)
    step = change["approval"]["steps"][0]["id"]

    page = logged_in(app, "manager").get("/approvals/")
    details = _details(page, f"details-{step}")
    assert details["Implementation plan"] == "Stop postfix, patch, start postfix"
    assert details["Back-out plan"] == "snapshot"
    assert details["Risk"].startswith("High")
    assert mail01 in details["Configuration items"]
    assert details["Affected people"]  # the mail server's users, from the impact
    assert details["Impact on users"] == "Everyone"

    text = next(t for to, _k, _s, t in mails(app, change["number"]) if to.startswith("manager"))
    assert "Stop postfix, patch, start postfix" in text
    link = CHANGE_LINK.search(text).group(1)
    anonymous = app.client()
    linked = _details(anonymous.get(link), "link-details")
    assert linked["Implementation plan"] == "Stop postfix, patch, start postfix"


def test_conflicts_are_shown_to_the_approver(app: Any, api: Any) -> None:
    mail01 = ci_number(app, "mail01")
    agent = api("agent")
    first = raise_change(agent, change_body([mail01], at(46), type_="standard"))
    body = change_body([mail01], at(46), override_reason="Same window on purpose")
    second = raise_change(agent, body)
    assert second["status"] == "awaiting_approval" and second["conflicts"]
    step = second["approval"]["steps"][0]["id"]
    details = _details(logged_in(app, "manager").get("/approvals/"), f"details-{step}")
    assert first["number"] in details["Conflict"]
    assert details["Reason to override conflicts"] == "Same window on purpose"


def test_a_manager_sees_the_answers_and_price_of_a_request(app: Any, api: Any) -> None:
    number = api("employee").order(
        "new-laptop",
        {"model": "other", "other_model": "A 16-inch one", "needed_by": "2026-12-20"},
    )["number"]
    details = _details(logged_in(app, "manager").get("/approvals/"), f"details-{number}-1")
    assert details["Which model and why"] == "A 16-inch one"
    assert "Price" in details
    text = next(t for to, _k, _s, t in mails(app, number) if to.startswith("manager"))
    assert "A 16-inch one" in text


def test_the_app_registers_the_request_and_change_summaries_on_its_registry(app):
    assert set(app.registry.itsm_approval_summaries) == {"request", "change"}
