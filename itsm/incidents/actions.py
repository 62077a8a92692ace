"""What people and timers do to an incident. Every status change goes through ``fire``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Template
from typing import Any

from itsm.i18n import _
from itsm.incidents import clocks, notices
from itsm.incidents.intake import incident_settings
from itsm.incidents.models import Incident
from itsm.incidents.schemas import field_errors
from itsm.incidents.workflow import CANCELLED, CLOSED, OPEN_STATES, RESOLVED, WAITING, WORKFLOW
from itsm.search.catalog import mark_changed
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment, JournalEntry
from itsm.tickets.priority import priority_of
from itsm.tickets.workflow import MissingFields, NotAllowedNow, NotPermitted, Transition, fire

EDITABLE = ("title", "category", "impact", "urgency")


def transition(
    ctx: ActionContext, incident: Incident, name: str, fields: Mapping[str, Any] | None = None
) -> Transition:
    """Fire ``name`` with ``fields``; raises a TransitionError subclass when refused."""
    fields = dict(fields or {})
    fields["_reopen_days"] = ctx.settings.reopen_days
    roles = ctx.roles_on(incident)
    before = incident.status
    result = fire(
        WORKFLOW,
        incident,
        name,
        actor=ctx.actor,
        roles=roles,
        fields=fields,
        now=ctx.now,
        apply=lambda t, tr, f, now: _apply(ctx, t, tr, f),
        notify=ctx.notify,
        request=ctx.request,
    )
    clocks.after_transition(ctx, incident, name, before)
    _after(ctx, incident, name, fields)
    mark_changed(ctx.root, incident)
    return result


def _apply(
    ctx: ActionContext, incident: Incident, tr: Transition, fields: Mapping[str, Any]
) -> None:
    now, actor = ctx.now, ctx.actor
    name = tr.name
    if name == "assign":
        changes: dict[str, Any] = {}
        group = fields.get("group")
        if group:
            if group not in ctx.root["settings"]["groups"]:
                raise MissingFields(_("Some fields are not valid."), {"group": _("Unknown group.")})
            changes["group"] = group
        assignee = fields.get("assignee")
        if assignee:
            person = ctx.root["people"].get(assignee)
            if person is None or "agent" not in person.roles:
                raise MissingFields(
                    _("Some fields are not valid."), {"assignee": _("Not a member of IT staff.")}
                )
            changes["assignee"] = assignee
            if not group and incident.group not in person.groups and person.groups:
                changes["group"] = next(
                    (g for g in person.groups if g in ctx.root["settings"]["groups"]),
                    incident.group,
                )
        elif group:
            changes["assignee"] = None  # handed to a group: it waits in that group's queue
        incident.update(changes, actor, now)
    elif name == "start":
        if not incident.assignee and actor:
            incident.update({"assignee": actor}, actor, now)
    elif name == "resolve":
        incident.update(
            {"resolution_code": fields["resolution_code"], "resolution": str(fields["resolution"])},
            actor,
            now,
        )
        incident.resolved_at = now
    elif name == "close":
        incident.closed_at = now
    elif name == "reopen":
        incident.resolved_at = None
        incident.reopen_count += 1
    elif name == "cancel":
        incident.closed_at = now
    elif name == "merge":
        target = _merge_target(ctx, incident, str(fields["into"]))
        incident.update(
            {
                "merged_into": target.number,
                "resolution_code": "duplicate",
                "resolution": f"{target.number}",
            },
            actor,
            now,
        )
        incident.closed_at = now
    elif name == "escalate":
        _escalate(
            ctx, incident, str(fields.get("mode") or "functional"), str(fields.get("reason", ""))
        )


def _after(ctx: ActionContext, incident: Incident, name: str, fields: Mapping[str, Any]) -> None:
    reason = str(fields.get("reason") or "")
    if name == "assign" and incident.assignee:
        notices.assigned(ctx, incident)
    elif name == "wait":
        if reason:
            add_entry(ctx, incident, "reply", reason, _internal_call=True)
        notices.waiting(ctx, incident, reason)
    elif name == "resolve":
        notices.resolved(ctx, incident)
        for child_number in incident.children:
            child = ctx.root["incidents"].get(child_number)
            if child is not None and child.status in OPEN_STATES:
                transition(
                    ctx,
                    child,
                    "resolve",
                    {
                        "resolution_code": fields["resolution_code"],
                        "resolution": f"{incident.number}: {fields['resolution']}",
                    },
                )
    elif name == "close":
        notices.closed(ctx, incident)
    elif name == "cancel":
        notices.cancelled(ctx, incident, reason)
    elif name == "reopen":
        notices.reopened(ctx, incident)
    elif name == "merge":
        target = ctx.root["incidents"][incident.merged_into]
        add_entry(
            ctx,
            target,
            "note",
            _ctx_text(
                ctx,
                _("${number} was merged into this incident.", mapping={"number": incident.number}),
            ),
            _internal_call=True,
        )
        if incident.requester not in (target.requester, *target.watchers):
            target.update({"watchers": (*target.watchers, incident.requester)}, ctx.actor, ctx.now)
        mark_changed(ctx.root, target)


def _ctx_text(ctx: ActionContext, term: Any) -> str:
    from itsm.incidents.intake import ctx_translate

    return ctx_translate(ctx, term)


def _merge_target(ctx: ActionContext, incident: Incident, number: str) -> Incident:
    target = ctx.root["incidents"].get(number.strip().upper())
    if target is None or target is incident:
        raise MissingFields(_("Some fields are not valid."), {"into": _("No such incident.")})
    if target.status not in OPEN_STATES:
        raise NotAllowedNow(_("You can only merge into an open incident."))
    return target


def _escalate(ctx: ActionContext, incident: Incident, mode: str, reason: str) -> None:
    groups = ctx.root["settings"]["groups"]
    group = groups.get(incident.group or "")
    recipients: list[str | None] = []
    if mode == "functional":
        target = group.escalation_group if group is not None else None
        if not target or target not in groups:
            raise NotAllowedNow(_("This group has no next support tier to escalate to."))
        incident.update({"group": target, "assignee": None}, ctx.actor, ctx.now)
        recipients.append(groups[target].lead)
    elif mode == "hierarchical":
        recipients.append(group.lead if group is not None else None)
    else:
        raise MissingFields(
            _("Some fields are not valid."), {"mode": _("Choose one of the options.")}
        )
    incident.escalation_level += 1
    incident.history.record(ctx.now, ctx.actor, "escalation", field=mode, note=reason[:500])
    notices.escalated(ctx, incident, recipients, reason)


def add_entry(
    ctx: ActionContext,
    incident: Incident,
    kind: str,
    body: str,
    *,
    minutes: int = 0,
    attachments: Iterable[Attachment] = (),
    _internal_call: bool = False,
) -> JournalEntry:
    """A public reply, an internal note or logged work. Employees may only reply."""
    body = (body or "").strip()
    attachments = tuple(attachments)
    if kind not in ("reply", "note", "worklog"):
        raise MissingFields(
            _("Some fields are not valid."), {"kind": _("Choose one of the options.")}
        )
    staff = has_staff_role(ctx.roles)
    if not _internal_call:
        if kind != "reply" and not staff:
            raise NotPermitted(_("Only IT staff can add internal notes."))
        if not body and not attachments and not minutes:
            raise MissingFields(_("Some fields are required."), {"body": _("Required")})
        if len(body) > 50000:
            raise MissingFields(
                _("Some fields are not valid."),
                {"body": _("At most ${n} characters.", mapping={"n": 50000})},
            )
        if incident.status in (CLOSED, CANCELLED):
            raise NotAllowedNow(_("This incident is closed; report a new one instead."))
    entry = incident.journal.add(
        kind, ctx.actor, ctx.now, body, minutes=max(0, int(minutes)), attachments=attachments
    )
    incident.updated = ctx.now
    incident.history.record(ctx.now, ctx.actor, "journal", field=kind, after=entry.id)
    if kind == "note" and staff and not _internal_call:
        from itsm.incidents.watchers import notify_mentions

        notify_mentions(ctx, incident, body)
    if kind == "reply" and not _internal_call:
        if staff and ctx.actor != incident.requester:
            clocks.responded(ctx, incident)
            notices.answered(ctx, incident, body)
        elif ctx.actor == incident.requester or ctx.actor in incident.watchers:
            notices.requester_replied(ctx, incident, body)
            if incident.status == WAITING:
                # The requester answered: the clock runs again without an agent's click.
                system = ActionContext.system(ctx.root, ctx.registry, ctx.now)
                system.request = ctx.request
                transition(system, incident, "resume", {"note": "requester replied"})
    mark_changed(ctx.root, incident)
    return entry


def update_fields(ctx: ActionContext, incident: Incident, changes: Mapping[str, Any]) -> dict:
    """Change title, category, impact or urgency (IT staff). Priority and SLA follow."""
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff can change these fields."))
    wanted = {k: v for k, v in changes.items() if k in EDITABLE and v is not None}
    settings = incident_settings(ctx.root)
    errors: dict[str, Any] = {}
    if "category" in wanted and wanted["category"] not in settings.categories:
        errors["category"] = _("Choose one of the options.")
    if "title" in wanted:
        wanted["title"] = str(wanted["title"]).strip()
    errors.update(
        field_errors({k: wanted[k] for k in ("impact", "urgency", "title") if k in wanted})
    )
    if errors:
        raise MissingFields(_("Some fields are not valid."), errors)
    impact = wanted.get("impact", incident.impact)
    urgency = wanted.get("urgency", incident.urgency)
    wanted["priority"] = priority_of(impact, urgency, settings.matrix)
    before_priority = incident.priority
    changed = incident.update(wanted, ctx.actor, ctx.now)
    if "category" in changed:
        incident.category_corrected_by = ctx.actor
    if incident.priority != before_priority:
        clocks.retarget(ctx, incident)
    if changed:
        mark_changed(ctx.root, incident)
    return changed


def link_cis(ctx: ActionContext, incident: Incident, cis: Iterable[str]) -> dict:
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff can link configuration items."))
    wanted = tuple(dict.fromkeys(c.strip().upper() for c in cis if c and c.strip()))
    changed = incident.update({"cis": wanted}, ctx.actor, ctx.now)
    mark_changed(ctx.root, incident)
    return changed


def make_major(ctx: ActionContext, incident: Incident, children: Iterable[str]) -> list[str]:
    """Mark ``incident`` as a major incident and attach child incidents resolved with it."""
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff can declare a major incident."))
    added = []
    numbers = list(incident.children)
    for number in children:
        number = number.strip().upper()
        child = ctx.root["incidents"].get(number)
        if child is None or child is incident or number in numbers:
            continue
        if child.status not in OPEN_STATES:
            continue
        child.update({"parent": incident.number}, ctx.actor, ctx.now)
        mark_changed(ctx.root, child)
        numbers.append(number)
        added.append(number)
    incident.update({"major": True}, ctx.actor, ctx.now)
    incident.children = tuple(numbers)
    mark_changed(ctx.root, incident)
    return added


def canned_text(ctx: ActionContext, incident: Incident, key: str, language: str) -> str:
    """A canned reply with its placeholders filled in."""
    settings = incident_settings(ctx.root)
    canned = settings.canned.get(key)
    if canned is None:
        raise MissingFields(_("Some fields are not valid."), {"canned": _("No such reply.")})
    requester = ctx.root["people"].get(incident.requester)
    agent = ctx.person
    _title, body = canned.localized(language)
    return Template(body).safe_substitute(
        name=requester.display_name if requester else incident.requester,
        number=incident.number,
        title=incident.title,
        agent=agent.display_name if agent else "",
    )


def auto_close(ctx: ActionContext, limit: int = 500) -> int:
    """Close resolved incidents whose requester did not react within ``auto_close_days``."""
    from datetime import timedelta

    from itsm.search.catalog import search

    days = ctx.settings.auto_close_days
    cutoff = ctx.now - timedelta(days=days)
    # Oldest change first: the incidents resolved longest ago come in the first page.
    _total, items = search(
        ctx.root, kind="incident", status=RESOLVED, sort="updated", per_page=limit
    )
    closed = 0
    for incident in items:
        if incident.resolved_at is not None and incident.resolved_at <= cutoff:
            transition(ctx, incident, "close", {"note": f"auto-closed after {days} days"})
            closed += 1
    return closed
