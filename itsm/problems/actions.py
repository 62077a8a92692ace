"""What people and timers do to a problem: raise it, analyse it, move it, resolve its incidents.

Every status change goes through ``fire``; views and the API both call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from itsm.events import ObjectCreated
from itsm.i18n import _, localizer_for
from itsm.incidents import actions as incident_actions
from itsm.incidents.intake import incident_settings
from itsm.incidents.workflow import OPEN_STATES as INCIDENT_OPEN
from itsm.numbering import allocate_number
from itsm.problems import links
from itsm.problems.models import MAX_WHYS, Problem
from itsm.problems.workflow import NEW, RESOLVED, WORKFLOW
from itsm.search.catalog import mark_changed, new_docid
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment, JournalEntry
from itsm.tickets.priority import LEVELS, priority_of
from itsm.tickets.workflow import MissingFields, NotAllowedNow, NotPermitted, Transition, fire

EDITABLE = ("title", "description", "impact", "urgency", "category", "group", "assignee")
ANALYSIS = ("root_cause", "workaround", "whys")
MAX_TEXT = 20000
#: The public reply each linked open incident gets when its problem is resolved (in the
#: requester's language).
RESOLVED_REPLY = _(
    "The cause of this incident (problem ${problem}) has been fixed: ${resolution}\n\n"
    "If it still happens to you, reopen this incident."
)


def _require_staff(ctx: ActionContext) -> None:
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff work on problems."))


def _check_fields(ctx: ActionContext, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if "title" in data:
        title = str(data["title"] or "").strip()
        if not title:
            errors["title"] = _("Required")
        elif len(title) > 200:
            errors["title"] = _("At most ${n} characters.", mapping={"n": 200})
    for key in ("description", "root_cause", "workaround"):
        if key in data and len(str(data[key] or "")) > MAX_TEXT:
            errors[key] = _("At most ${n} characters.", mapping={"n": MAX_TEXT})
    for level in ("impact", "urgency"):
        if level in data and data[level] not in LEVELS:
            errors[level] = _("Choose one of the options.")
    if data.get("category") and data["category"] not in incident_settings(ctx.root).categories:
        errors["category"] = _("Choose one of the options.")
    if data.get("group") and data["group"] not in ctx.root["settings"]["groups"]:
        errors["group"] = _("Unknown group.")
    if data.get("assignee"):
        person = ctx.root["people"].get(data["assignee"])
        if person is None or "agent" not in person.roles:
            errors["assignee"] = _("Not a member of IT staff.")
    if "whys" in data and len(tuple(data["whys"] or ())) > MAX_WHYS:
        errors["whys"] = _("At most ${n} answers.", mapping={"n": MAX_WHYS})
    return errors


def create_problem(
    ctx: ActionContext,
    data: Mapping[str, Any],
    *,
    incidents: Iterable[str] = (),
    proposal: str = "",
    channel: str = "portal",
) -> Problem:
    """Raise a problem (IT staff), from scratch or from ``incidents`` (linked at once).

    Left empty, the title, category and CIs come from the first incident."""
    _require_staff(ctx)
    root = ctx.root
    numbers = [str(n).strip().upper() for n in incidents if str(n).strip()]
    unknown = [n for n in numbers if n not in root["incidents"]]
    first = root["incidents"].get(numbers[0]) if numbers and not unknown else None
    data = dict(data)
    if first is not None:
        if not str(data.get("title") or "").strip():
            data["title"] = first.title
        data.setdefault("category", first.category)
    data.setdefault("impact", "medium")
    data.setdefault("urgency", "medium")
    data["title"] = data.get("title", "")
    errors = _check_fields(ctx, data)
    if unknown:
        errors["incidents"] = _(
            "Unknown incident: ${numbers}.", mapping={"numbers": ", ".join(unknown)}
        )
    if errors:
        raise MissingFields(_("Some fields are not valid."), errors)
    number = allocate_number(root._p_jar.db(), "problem")
    problem = Problem(number, int(number.split("-")[1]), new_docid(root), ctx.now)
    problem.status = NEW
    problem.requester = ctx.actor or ""
    problem.channel = channel
    problem.title = str(data["title"]).strip()
    problem.description = str(data.get("description") or "")
    problem.impact, problem.urgency = data["impact"], data["urgency"]
    problem.priority = priority_of(problem.impact, problem.urgency, incident_settings(root).matrix)
    problem.category = str(data.get("category") or "")
    problem.group = data.get("group") or None
    problem.assignee = data.get("assignee") or None
    problem.proposal = proposal
    root["problems"].add(number, problem)
    problem.history.record(ctx.now, ctx.actor, "created", note=problem.channel)
    cis = list(data.get("cis") or ())
    if first is not None and not cis:
        cis = list(first.cis)
    links.set_cis(ctx, problem, cis)
    set_analysis(ctx, problem, {k: data[k] for k in ANALYSIS if k in data})
    if numbers:
        links.link_incidents(ctx, problem, numbers)
    problem.undigested = ()  # the creator knows which incidents they linked
    mark_changed(root, problem)
    ctx.notify(ObjectCreated(problem, ctx.request))
    return problem


def update_fields(ctx: ActionContext, problem: Problem, data: Mapping[str, Any]) -> dict:
    """Change title, description, impact, urgency, category, group, assignee, CIs."""
    _require_staff(ctx)
    wanted = {k: data[k] for k in EDITABLE if k in data}
    for key in ("group", "assignee"):
        if key in wanted:
            wanted[key] = wanted[key] or None
    errors = _check_fields(ctx, wanted)
    if errors:
        raise MissingFields(_("Some fields are not valid."), errors)
    if "title" in wanted:
        wanted["title"] = str(wanted["title"]).strip()
    impact = wanted.get("impact", problem.impact)
    urgency = wanted.get("urgency", problem.urgency)
    wanted["priority"] = priority_of(impact, urgency, incident_settings(ctx.root).matrix)
    changed = problem.update(wanted, ctx.actor, ctx.now)
    if "cis" in data:
        before = problem.cis
        links.set_cis(ctx, problem, data["cis"] or ())
        if problem.cis != before:
            changed["cis"] = (before, problem.cis)
    if changed:
        mark_changed(ctx.root, problem)
    return changed


def set_analysis(ctx: ActionContext, problem: Problem, data: Mapping[str, Any]) -> list[str]:
    """Record the root cause analysis: ``root_cause``, ``workaround`` (free text) and ``whys``
    (the "5 whys", empty answers dropped); the names of what changed."""
    _require_staff(ctx)
    errors = _check_fields(ctx, data)
    if errors:
        raise MissingFields(_("Some fields are not valid."), errors)
    changed = []
    for key in ANALYSIS:
        if key not in data:
            continue
        if key == "whys":
            value: Any = tuple(str(w).strip()[:1000] for w in data[key] or () if str(w).strip())
        else:
            value = str(data[key] or "").strip()
        before = getattr(problem, key)
        if value == before:
            continue
        setattr(problem, key, value)
        problem.history.record(ctx.now, ctx.actor, "field", field=key, before=before, after=value)
        changed.append(key)
    if problem.root_cause and problem.root_cause_at is None:
        problem.root_cause_at = ctx.now
    if changed:
        problem.updated = ctx.now
        mark_changed(ctx.root, problem)
    return changed


def transition(
    ctx: ActionContext, problem: Problem, name: str, fields: Mapping[str, Any] | None = None
) -> Transition:
    """Fire ``name``. ``root_cause`` and ``workaround`` may come with it (recorded first);
    ``change`` links the fixing change for ``fix``; resolving resolves the linked incidents."""
    fields = dict(fields or {})
    roles = ctx.roles_on(problem)
    WORKFLOW.check(problem, name, roles, fields, ctx.now)
    analysis = {k: fields[k] for k in ANALYSIS if k in fields}
    if analysis:
        set_analysis(ctx, problem, analysis)
    if fields.get("change"):
        links.link_change(ctx, problem, str(fields["change"]))
    result = fire(
        WORKFLOW,
        problem,
        name,
        actor=ctx.actor,
        roles=roles,
        fields=fields,
        now=ctx.now,
        apply=lambda p, tr, f, now: _apply(p, tr, f, now),
        notify=ctx.notify,
        request=ctx.request,
    )
    reason = str(fields.get("reason") or "").strip()
    if reason and name in ("reopen", "cancel"):
        problem.journal.add("note", ctx.actor, ctx.now, reason)
    if name == "resolve":
        resolve_linked_incidents(ctx, problem)
    mark_changed(ctx.root, problem)
    if name in ("resolve", "cancel", "close"):
        from itsm.problems import knowledge

        knowledge.withdraw(ctx, problem)
    return result


def _apply(problem: Problem, tr: Transition, fields: Mapping[str, Any], now: datetime) -> None:
    if tr.name == "root_cause" and problem.root_cause_at is None:
        problem.root_cause_at = now
    elif tr.name == "resolve":
        problem.update({"resolution": str(fields["resolution"])[:MAX_TEXT]}, None, now)
        problem.resolved_at = now
    elif tr.name in ("close", "cancel"):
        problem.closed_at = now
    elif tr.name == "reopen":
        problem.resolved_at = None


def resolve_linked_incidents(ctx: ActionContext, problem: Problem) -> list[str]:
    """Give every linked open incident a public reply and resolve it; each incident once,
    however often this runs (a requester who reopens one keeps it open). The numbers resolved."""
    if problem.status != RESOLVED:
        return []
    system = ActionContext.system(ctx.root, ctx.registry, ctx.now)
    system.request = ctx.request
    done = []
    for incident in links.linked_incidents(ctx.root, problem):
        if incident.number in problem.resolved_incidents or incident.status not in INCIDENT_OPEN:
            continue
        requester = ctx.root["people"].get(incident.requester)
        language = (requester.language if requester else None) or ctx.settings.default_locale
        text = localizer_for(ctx.registry, language).translate(
            _(
                RESOLVED_REPLY,
                mapping={"problem": problem.number, "resolution": problem.resolution},
            )
        )
        incident_actions.add_entry(system, incident, "reply", text, _internal_call=True)
        incident_actions.transition(
            system,
            incident,
            "resolve",
            {"resolution_code": "fixed", "resolution": text, "note": problem.number},
        )
        problem.resolved_incidents = (*problem.resolved_incidents, incident.number)
        done.append(incident.number)
    if done:
        problem.history.record(
            ctx.now, ctx.actor, "resolved_incidents", after=tuple(done), note=problem.number
        )
        mark_changed(ctx.root, problem)
    return done


def add_entry(
    ctx: ActionContext,
    problem: Problem,
    kind: str,
    body: str,
    *,
    minutes: int = 0,
    attachments: Iterable[Attachment] = (),
) -> JournalEntry:
    """A journal entry on the problem: a note (internal, as the whole problem is) or logged
    work. Problems have no requester to reply to."""
    _require_staff(ctx)
    body = (body or "").strip()
    attachments = tuple(attachments)
    if kind not in ("note", "worklog"):
        raise MissingFields(
            _("Some fields are not valid."), {"kind": _("Choose one of the options.")}
        )
    if not body and not attachments and not minutes:
        raise MissingFields(_("Some fields are required."), {"body": _("Required")})
    if len(body) > 50000:
        raise MissingFields(
            _("Some fields are not valid."),
            {"body": _("At most ${n} characters.", mapping={"n": 50000})},
        )
    if problem.closed_at is not None and not problem.is_open and problem.status != RESOLVED:
        raise NotAllowedNow(_("This problem is closed."))
    entry = problem.journal.add(
        kind, ctx.actor, ctx.now, body, minutes=max(0, int(minutes)), attachments=attachments
    )
    problem.updated = ctx.now
    problem.history.record(ctx.now, ctx.actor, "journal", field=kind, after=entry.id)
    mark_changed(ctx.root, problem)
    return entry


def apply_known_error(ctx: ActionContext, problem: Problem, incident: Any) -> str:
    """ "Link to this known error": the incident joins the problem; answers the workaround as
    the text of a public reply for the agent to send (a draft: nothing is sent here)."""
    _require_staff(ctx)
    if not problem.known_error:
        raise NotAllowedNow(_("This problem is not a known error (yet)."))
    links.link_incidents(ctx, problem, [incident.number])
    return problem.workaround


def raise_from_proposal(
    ctx: ActionContext, key: str, data: Mapping[str, Any], channel: str = "portal"
) -> Problem:
    """Raise a problem from the desk's proposal ``key`` with its incidents."""
    from itsm.problems.models import problem_settings

    stored = problem_settings(ctx.root)
    proposal = stored.proposals.get(key) if stored is not None else None
    if proposal is None or proposal.status != "open":
        raise NotAllowedNow(_("This proposal is no longer open."))
    open_numbers = [
        n
        for n in proposal.incidents
        if n in ctx.root["incidents"] and not ctx.root["incidents"][n].problem
    ]
    problem = create_problem(ctx, data, incidents=open_numbers, proposal=key, channel=channel)
    proposal.status, proposal.problem, proposal.decided_by = "accepted", problem.number, ctx.actor
    return problem


def dismiss_proposal(ctx: ActionContext, key: str) -> None:
    from itsm.problems.models import problem_settings

    _require_staff(ctx)
    stored = problem_settings(ctx.root)
    proposal = stored.proposals.get(key) if stored is not None else None
    if proposal is None or proposal.status != "open":
        raise NotAllowedNow(_("This proposal is no longer open."))
    proposal.status, proposal.decided_by = "dismissed", ctx.actor
    proposal.found_at = ctx.now  # offered again only after cluster_days
