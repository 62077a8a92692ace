"""The ACL, status title and openness every ticket type gets from ``Ticket``."""

from datetime import UTC, datetime

from pyramid.authorization import ACLHelper, Authenticated, Everyone

from itsm.changes.models import Change
from itsm.changes.workflow import STATE_TITLES as CHANGE_TITLES
from itsm.incidents.models import Incident
from itsm.requests.models import FulfilmentTask, ServiceRequest
from itsm.requests.workflow import TASK_STATE_TITLES
from itsm.security.permissions import P

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def permits(ticket, principals, permission):
    return bool(ACLHelper().permits(ticket, [Everyone, Authenticated, *principals], permission))


def make(cls, **fields):
    ticket = cls("X-000001", 1, 1, NOW)
    for key, value in fields.items():
        setattr(ticket, key, value)
    return ticket


def test_incident_requester_confirms_and_watchers_comment_but_only_staff_read_internal_notes():
    incident = make(Incident, requester="elena", watchers=("egor",), status="resolved")
    assert permits(incident, ["user:elena"], P.CONFIRM)
    assert permits(incident, ["user:egor"], P.COMMENT)
    assert not permits(incident, ["user:egor"], P.CONFIRM)
    assert not permits(incident, ["user:elena"], P.INTERNAL)
    assert permits(incident, ["role:agent"], P.INTERNAL)
    assert permits(incident, ["role:admin"], P.INTERNAL)
    assert not permits(incident, ["user:someone"], P.VIEW)


def test_request_requester_withdraws_watchers_only_view_agents_do_not_withdraw():
    request = make(ServiceRequest, requester="elena", watchers=("egor",))
    assert permits(request, ["user:elena"], P.WITHDRAW)
    assert permits(request, ["user:egor"], P.VIEW)
    assert not permits(request, ["user:egor"], P.COMMENT)
    assert not permits(request, ["role:agent"], P.WITHDRAW)
    assert permits(request, ["role:agent"], P.WORK)


def test_change_requester_comments_agents_work_the_board_reads_nobody_else():
    change = make(Change, requester="mark")
    assert permits(change, ["user:mark"], P.COMMENT)
    assert not permits(change, ["user:mark"], P.WORK)
    assert permits(change, ["role:agent"], P.WORK)
    # The change board reads every change in the lists and the calendar, so it may open it.
    assert permits(change, ["role:change_board"], P.VIEW)
    assert not permits(change, ["role:change_board"], P.WORK)
    assert not permits(change, ["role:employee"], P.VIEW)


def test_task_is_read_by_its_request_requester_and_worked_by_agents_only():
    request = make(ServiceRequest, requester="elena")
    task = make(FulfilmentTask, watchers=("egor",))
    task.__parent__ = request
    assert permits(task, ["user:elena"], P.VIEW)
    assert not permits(task, ["user:elena"], P.COMMENT)
    assert not permits(task, ["user:egor"], P.VIEW)
    assert permits(task, ["role:agent"], P.WORK)
    assert not permits(task, ["role:agent"], P.COMMENT)


def test_status_title_and_is_open_follow_each_types_workflow():
    assert make(Incident, status="waiting").is_open
    assert not make(Incident, status="closed").is_open
    assert make(ServiceRequest, status="in_fulfilment").is_open
    assert not make(Change, status="closed").is_open
    assert make(FulfilmentTask, status="open").is_open
    assert make(Incident, status="made-up").status_title == "made-up"
    assert make(Change, status="draft").status_title == CHANGE_TITLES["draft"]
    assert make(FulfilmentTask, status="done").status_title == TASK_STATE_TITLES["done"]
