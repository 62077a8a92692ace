"""Reporting an incident: number, priority, routing, assignment, SLA clock, first mail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from itsm.events import ObjectCreated
from itsm.i18n import _, localizer_for
from itsm.incidents import clocks, notices
from itsm.incidents.assignment import pick_assignee, rotate_in_transaction
from itsm.incidents.models import Incident, IncidentSettings
from itsm.incidents.routing import classify
from itsm.incidents.schemas import field_errors
from itsm.incidents.workflow import NEW, WORKFLOW
from itsm.numbering import allocate_number
from itsm.search.catalog import mark_changed, new_docid, search
from itsm.search.worklist import assignee_lane, worklists
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment
from itsm.tickets.priority import priority_of
from itsm.tickets.workflow import fire

SETTINGS_NAME = "incidents"


class IntakeError(ValueError):
    """The report cannot be accepted; ``fields`` says which inputs are wrong."""

    def __init__(self, message: Any, fields: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


def incident_settings(root: Any) -> IncidentSettings:
    """The stored settings (made by the tree bootstrap); defaults, unstored, before that, so
    that reading never writes."""
    settings = root["settings"].get(SETTINGS_NAME)
    return settings if settings is not None else IncidentSettings()


def open_load(root: Any, login: str) -> int:
    """How many open incidents ``login`` has (least-open-work assignment): the count of their
    lane of the pre-sorted open work, one ``Length`` read. The catalog query it replaces
    intersected sets as large as all open incidents, for every candidate of every create
    (14 ms a create at 100,000 incidents, bench/create_profile.py)."""
    lists = worklists(root)
    if lists is None:  # a database before evolve step 3
        total, _items = search(root, kind="incident", open=True, assignee=login, per_page=1)
        return total
    work = lists.get("incident")
    return work.count(assignee_lane(login)) if work is not None else 0


def validate(title: str, description: str, impact: str, urgency: str) -> dict[str, Any]:
    """The report form's messages for what is wrong (mail and API reports meet the same rules)."""
    return field_errors(
        {
            # Only spaces is no title (it is stored stripped); a long one is judged as given.
            "title": title if title.strip() else "",
            "description": description,
            "impact": impact,
            "urgency": urgency,
        }
    )


def create_incident(
    ctx: ActionContext,
    *,
    requester: str,
    title: str,
    description: str = "",
    impact: str = "low",
    urgency: str = "medium",
    category: str | None = None,
    cis: Iterable[str] = (),
    channel: str = "portal",
    attachments: Iterable[Attachment] = (),
    in_reply_to: str = "",
) -> Incident:
    """Create, route, assign and start the clocks of a new incident; queue the mails.

    ``in_reply_to``: the Message-ID of the mail it was reported by, so the "received" mail
    is threaded under the requester's own mail."""
    errors = validate(title, description, impact, urgency)
    if errors:
        raise IntakeError(_("Some fields are not valid."), errors)
    root, now = ctx.root, ctx.now
    settings = incident_settings(root)
    number = allocate_number(root._p_jar.db(), "incident")
    incident = Incident(number, int(number.split("-")[1]), new_docid(root), now)
    incident.title = title.strip()
    incident.description = description.strip()
    incident.requester = requester
    incident.channel = channel
    incident.impact, incident.urgency = impact, urgency
    incident.priority = priority_of(impact, urgency, settings.matrix)
    incident.status = NEW
    incident.cis = tuple(dict.fromkeys(c for c in cis if c))
    incident.attachments = tuple(attachments)
    person = root["people"].get(requester)
    decision = classify(
        settings.rules,
        f"{incident.title}\n{incident.description}",
        department=person.department if person else "",
        default_group=settings.default_group,
        default_category=settings.default_category,
    )
    incident.category = category or decision.category
    incident.group = decision.group
    root["incidents"].add(number, incident)
    incident.history.record(now, ctx.actor, "created", note=channel)
    reasons = [_routing_reason(decision)]
    group = root["settings"]["groups"].get(incident.group)
    if group is not None:
        choice = pick_assignee(
            group,
            root["people"].values(),
            lambda login: open_load(root, login),
            lambda available: rotate_in_transaction(group, available),
        )
        reasons.append(_assignment_reason(choice))
        if choice.assignee:
            _assign_on_intake(ctx, incident, choice.assignee)
    incident.routing_note = " ".join(ctx_translate(ctx, r) for r in reasons if r)
    clocks.start(root, incident, now)
    mark_changed(root, incident)
    notices.received(ctx, incident, in_reply_to)
    if incident.assignee:
        notices.assigned(ctx, incident)
    ctx.notify(ObjectCreated(incident, ctx.request))
    return incident


def _assign_on_intake(ctx: ActionContext, incident: Incident, assignee: str) -> None:
    """The desk (actor None, role "system") fires "assign" like any other assignment; the
    history's note names the person it went to."""

    def apply(ticket: Any, transition: Any, fields: Any, now: Any) -> None:
        ticket.assignee = assignee

    fire(
        WORKFLOW,
        incident,
        "assign",
        actor=None,
        roles=frozenset({"system"}),
        fields={"assignee": assignee, "note": assignee},
        now=ctx.now,
        apply=apply,
        notify=ctx.notify,
        request=ctx.request,
    )


def ctx_translate(ctx: ActionContext, term: Any) -> str:
    """Routing notes are stored in the desk's default language, once."""
    return localizer_for(ctx.registry, ctx.settings.default_locale).translate(term)


def _routing_reason(decision: Any) -> Any:
    if decision.rule is None:
        return _(
            "No routing rule matched, so it went to ${group}.", mapping={"group": decision.group}
        )
    return _(
        "Rule “${rule}” matched “${word}”, so it went to ${group}.",
        mapping={"rule": decision.rule, "word": decision.matched, "group": decision.group},
    )


def _assignment_reason(choice: Any) -> Any:
    if choice.assignee is None:
        return _("Nobody in the group is available; it waits in the group's queue.")
    if choice.strategy == "round_robin":
        return _("Round robin picked ${who}.", mapping={"who": choice.assignee})
    loads = ", ".join(f"{login}: {n}" for login, n in sorted(choice.loads.items()))
    return _(
        "${who} had the least open work (${loads}).",
        mapping={"who": choice.assignee, "loads": loads},
    )
