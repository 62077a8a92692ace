"""The "raise a change" page: who may use it, each type, bad input and conflicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsm.cmdb.impact import impact_of_numbers
from tests.conftest import logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change

LOW = {
    "risk_impact": "none",
    "risk_complexity": "low",
    "risk_backout_tested": "yes",
    "risk_done_before": "yes",
    "risk_business_hours": "no",
}


def _local(value: Any) -> str:
    """A UTC time as a ``datetime-local`` input sends it."""
    return value.strftime("%Y-%m-%dT%H:%M")


def _fill(form: Any, **fields: str) -> None:
    for name, value in fields.items():
        form[name] = value


def _change(app: Any, number: str) -> Any:
    return app.read(
        lambda root: {
            "status": root["changes"][number].status,
            "type": root["changes"][number].type,
            "title": root["changes"][number].title,
            "risk": root["changes"][number].risk,
            "template": root["changes"][number].template,
            "plans": dict(root["changes"][number].plans),
            "cis": root["changes"][number].cis,
            "start": root["changes"][number].planned_start,
            "affected": root["changes"][number].affected,
            "affected_cis": root["changes"][number].affected_cis,
            "assignee": root["changes"][number].assignee,
            "override": root["changes"][number].override_reason,
            "channel": root["changes"][number].channel,
        }
    )


def _planned(form: Any, start: Any, hours: int = 1, **fields: str) -> None:
    """Fill a normal, low-risk change planned from ``start`` for ``hours``, and ``fields``."""
    _fill(
        form,
        planned_start=_local(start),
        planned_end=_local(start + timedelta(hours=hours)),
        **{"type": "normal", **LOW, **fields},
    )


def _count(app: Any) -> int:
    return app.read(lambda root: len(root["changes"]))


def test_employee_is_refused_the_change_form(app: Any) -> None:
    employee = logged_in(app, "employee")
    employee.get("/changes/new", status=403)
    employee.post("/changes/new", {"title": "x"}, status=403)
    assert 'href="http://localhost/changes/new"' not in employee.get("/changes/").text
    assert _count(app) == 0


def test_agent_raises_a_normal_change_through_the_form(app: Any) -> None:
    server = ci_number(app, "mail01")
    agent = logged_in(app, "agent")
    assert 'href="http://localhost/changes/new"' in agent.get("/changes/").text
    form = agent.get("/changes/new").forms["change-form"]
    start = at(6)
    _fill(
        form,
        title="Upgrade the mail server",
        description="Move to the next release",
        reason="End of support",
        type="normal",
        cis=server.lower(),
        planned_start=_local(start),
        planned_end=_local(start + timedelta(hours=2)),
        timezone="UTC",
        plan_implementation="apt upgrade",
        plan_backout="restore the snapshot",
        plan_test="send a mail",
        assignee="agent2",
        group="Workplace",
        **LOW,
    )
    response = form.submit("action", value="raise", status=303)
    page = response.follow()
    assert "CHG-000001" in page.text and "Upgrade the mail server" in page.text
    change = _change(app, "CHG-000001")
    assert change["status"] == "awaiting_approval"
    assert change["type"] == "normal" and change["risk"] == "low"
    assert change["cis"] == (server,)
    assert change["start"] == start
    assert change["plans"] == {
        "implementation": "apt upgrade",
        "backout": "restore the snapshot",
        "test": "send a mail",
    }
    assert change["assignee"] == "agent2"
    assert change["channel"] == "portal"
    # The affected people and services came from the CIs' impact.
    assert change["affected_cis"]


def test_times_are_read_in_the_time_zone_given(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    start = at(7, hour=10)
    _fill(
        form,
        title="Moscow time",
        type="normal",
        planned_start=_local(start),
        planned_end=_local(start + timedelta(hours=1)),
        timezone="Europe/Moscow",
        **LOW,
    )
    form.submit("action", value="raise", status=303)
    assert _change(app, "CHG-000001")["start"] == start - timedelta(hours=3)


def test_standard_change_from_a_template_is_scheduled_at_once(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    start = at(8)
    _fill(
        form,
        type="standard",
        template="failed_disk",
        cis=ci_number(app, "mail01"),
        planned_start=_local(start),
        planned_end=_local(start + timedelta(hours=1)),
    )
    form.submit("action", value="raise", status=303)
    change = _change(app, "CHG-000001")
    assert change["status"] == "scheduled"
    assert change["template"] == "failed_disk"
    assert change["title"] == "Replace a failed disk"
    assert change["risk"] == "low"
    assert set(change["plans"]) == {"implementation", "backout", "test"}


def test_standard_change_without_a_template_is_refused_with_the_text_kept(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    _fill(form, type="standard", title="My own routine", planned_start="", planned_end="")
    page = form.submit("action", value="raise", status=400)
    assert "Choose the standard change template." in page.text
    assert 'value="My own routine"' in page.text
    assert 'id="form-error"' in page.text
    assert _count(app) == 0


def test_emergency_change_goes_to_any_one_board_member(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    start = at(2)
    _planned(form, start, title="Patch the firewall now", type="emergency")
    form.submit("action", value="raise", status=303)
    steps = app.read(lambda root: [s.mode for s in root["changes"]["CHG-000001"].approval.steps])
    assert _change(app, "CHG-000001")["status"] == "awaiting_approval"
    assert steps == ["any"]


def test_bad_input_keeps_what_was_typed_with_messages(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    _fill(
        form,
        title="Keep me",
        description="All of this text",
        type="normal",
        cis="CI-999999",
        planned_start="tomorrow",
        planned_end=_local(at(3)),
        timezone="Mars/Olympus",
        plan_backout="my back-out plan",
    )
    page = form.submit("action", value="raise", status=400)
    assert "Not a date and time." in page.text
    assert "Not a time zone" in page.text
    assert 'value="Keep me"' in page.text and "All of this text" in page.text
    assert "my back-out plan" in page.text and 'value="Mars/Olympus"' in page.text
    assert _count(app) == 0

    # Fixed times, still an unknown CI: the intake's message, the typed values again.
    form = page.forms["change-form"]
    _fill(form, planned_start=_local(at(3)), planned_end=_local(at(3) + timedelta(hours=1)))
    form["timezone"] = "+03:00"
    page = form.submit("action", value="raise", status=400)
    assert "Unknown CI: CI-999999." in page.text
    assert 'value="CI-999999"' in page.text and "my back-out plan" in page.text
    # An end before the start.
    form = page.forms["change-form"]
    _fill(form, cis="", planned_end=_local(at(2)))
    page = form.submit("action", value="raise", status=400)
    assert "The end must be after the start." in page.text
    assert _count(app) == 0


def test_conflict_is_shown_and_needs_an_override_reason(app: Any, api: Any) -> None:
    server = ci_number(app, "mail01")
    first = raise_change(api("agent"), change_body([server], at(9), type_="standard"))
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    start = at(9) + timedelta(hours=1)
    _planned(form, start, 2, title="Overlaps", cis=server)
    page = form.submit("action", value="raise", status=409)
    assert 'id="form-conflicts"' in page.text and first["number"] in page.text
    assert _count(app) == 1  # nothing of the refused form was kept
    form = page.forms["change-form"]
    assert form["title"].value == "Overlaps"
    form["override_reason"] = "The vendor's only window"
    form.submit("action", value="raise", status=303)
    assert _count(app) == 2
    assert _change(app, "CHG-000003")["override"] == "The vendor's only window"


def test_affected_people_and_services_are_looked_up_and_editable(app: Any) -> None:
    server = ci_number(app, "mail01")
    expected = app.read(lambda root: impact_of_numbers(root, [server]))
    agent = logged_in(app, "agent")
    form = agent.get("/changes/new").forms["change-form"]
    start = at(11)
    _planned(form, start, title="Look up", cis=server)
    page = form.submit("action", value="fill", status=200)
    form = page.forms["change-form"]
    assert form["affected_cis"].value == ", ".join(expected.cis)
    assert form["affected"].value == ", ".join(expected.people)
    assert _count(app) == 0
    form["affected"] = "employee, employee2"
    form["affected_cis"] = server
    form.submit("action", value="raise", status=303)
    change = _change(app, "CHG-000001")
    assert change["affected"] == ("employee", "employee2")
    assert change["affected_cis"] == (server,)
