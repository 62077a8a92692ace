"""Intake assigns through the workflow's fire(): the same history, mails and an event."""

from __future__ import annotations

from typing import Any

from itsm.events import ObjectCreated, TicketTransitioned


def _record_events(app):
    seen = []
    for kind in (TicketTransitioned, ObjectCreated):
        app.registry.registerHandler(seen.append, (kind,))
    return seen


def test_intake_assignment_publishes_the_assign_transition_before_the_creation(app, api):
    seen = _record_events(app)
    body = api("employee").report("VPN drops every hour")
    assert (body["status"], body["assignee"]) == ("assigned", "agent2")
    mine = [e for e in seen if getattr(getattr(e, "ticket", e), "kind", "") == "incident"]
    mine += [e for e in seen if getattr(getattr(e, "obj", None), "kind", "") == "incident"]
    mine.sort(key=seen.index)
    assert [type(e).__name__ for e in mine] == ["TicketTransitioned", "ObjectCreated"]
    event = mine[0]
    assert (event.transition, event.before, event.after, event.actor) == (
        "assign",
        "new",
        "assigned",
        None,
    )
    assert event.ticket.number == body["number"]


def test_intake_assignment_history_is_created_then_assign_by_the_desk(app, api):
    number = api("employee").report("VPN drops every hour")["number"]

    def history(root):
        return [
            (e.action, e.actor, e.field, e.before, e.after, e.note)
            for e in root["incidents"][number].history
        ]

    entries = app.read(history)
    assert entries[0][:2] == ("created", "employee")
    assert entries[1] == ("transition", None, "assign", "new", "assigned", "agent2")
    assert len(entries) == 2


def test_intake_assignment_mails_the_requester_and_the_new_assignee_once(app, api):
    number = api("employee").report("VPN drops every hour")["number"]

    def recipients(root):
        return sorted(m.to[0] for m in root.outbox.pending.values() if m.ticket == number)

    assert app.read(recipients) == sorted(["agent2@example.com", "employee@example.com"])


def test_an_incident_nobody_can_take_stays_new_without_a_transition(app, api):
    def everyone_away(root):
        for person in root["people"].values():
            person.away = True

    app.write(everyone_away)
    seen = _record_events(app)
    body = api("employee").report("VPN drops every hour")
    assert (body["status"], body["assignee"]) == ("new", None)
    assert not [e for e in seen if isinstance(e, TicketTransitioned)]


def test_open_load_counts_what_the_catalog_counts(app, api):
    """Least open work reads the assignee's lane of the pre-sorted open work: the same number
    as the catalog query it replaced, through assigns, resolves and reopens."""
    from itsm.incidents.intake import open_load
    from itsm.search.catalog import search

    employee, agent = api("employee"), api("agent")
    numbers = [employee.report(f"Monitor {n} flickers")["number"] for n in range(4)]
    for number in numbers:
        agent.fire(number, "assign", assignee="agent")
    agent.fire(numbers[0], "resolve", resolution_code="fixed", resolution="Cable")
    agent.fire(numbers[1], "assign", assignee="agent2")
    employee.fire(numbers[0], "reopen", reason="Again")

    def both(root: Any, login: str) -> tuple[int, int]:
        total, _ = search(root, kind="incident", open=True, assignee=login, per_page=1)
        return open_load(root, login), total

    for login in ("agent", "agent2", "nobody"):
        lane, catalog = app.read(lambda root, login=login: both(root, login))
        assert lane == catalog
    assert app.read(lambda root: open_load(root, "agent")) == 3
