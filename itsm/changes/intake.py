"""Raising a change, sending it on (pre-approved, or to approval), and the approval's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsm.approvals import decisions as approvals
from itsm.changes import risk
from itsm.changes.conflicts import blocking, find_conflicts
from itsm.changes.models import PLAN_KINDS, Change
from itsm.changes.standard import TEMPLATES, template_defaults
from itsm.changes.workflow import AWAITING_APPROVAL, DRAFT, TYPES, WORKFLOW
from itsm.cmdb.impact import impact_of_numbers
from itsm.events import ObjectCreated
from itsm.i18n import _
from itsm.numbering import allocate_number
from itsm.search.catalog import mark_changed, new_docid
from itsm.tickets import links
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import NotAllowedNow, fire

SYSTEM = frozenset({"system"})
DEFAULT_BOARD = "Change Board"


class ChangeError(ValueError):
    """The change cannot be accepted as given; ``fields`` says which values are wrong."""

    def __init__(self, message: Any, fields: dict[str, Any], status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.status = status


class ConflictsNeedOverride(NotAllowedNow):
    """Scheduling into a blackout window or over another change needs ``override_reason``."""

    def __init__(self, conflicts: list[dict[str, Any]]) -> None:
        names = ", ".join(c["name"] for c in conflicts)
        super().__init__(
            _(
                "This change collides with: ${names}. Give a reason to override.",
                mapping={"names": names},
            ),
            {"override_reason": _("Required")},
        )
        self.conflicts = conflicts


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 time with its offset (``2026-12-01T22:00:00+03:00`` or ``...Z``)."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ChangeError(
            _("Some fields are not valid."), {field: _("Not a date and time.")}
        ) from None
    if parsed.tzinfo is None:
        raise ChangeError(
            _("Some fields are not valid."), {field: _("Give the time zone (e.g. +03:00 or Z).")}
        )
    return parsed


def planned_window(data: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start = parse_time(data.get("planned_start"), "planned_start")
    end = parse_time(data.get("planned_end"), "planned_end")
    if not start < end:
        raise ChangeError(
            _("Some fields are not valid."), {"planned_end": _("The end must be after the start.")}
        )
    return start, end


def create_change(
    ctx: ActionContext,
    data: Mapping[str, Any],
    *,
    requester: str,
    draft: bool = False,
    channel: str = "portal",
    translate: Any = str,
) -> Change:
    """Register a change; unless ``draft``, submit it (see :func:`submit`).

    ``template`` (a standard change template) fills in what ``data`` leaves empty;
    ``raised_from`` links the incident it comes from, ``problem`` the problem it fixes;
    ``translate`` renders the template's texts in the requester's language."""
    root = ctx.root
    errors: dict[str, Any] = {}
    template = str(data.get("template") or "")
    if template:
        if template not in TEMPLATES:
            errors["template"] = _("Choose one of the options.")
        elif data.get("type", "normal") != "standard":
            errors["template"] = _("Templates are for standard changes.")
        else:
            defaults = template_defaults(template, translate)
            data = {**data}
            for key in ("title", "description"):
                if not str(data.get(key) or "").strip():
                    data[key] = defaults[key]
            data["plans"] = {
                **defaults["plans"],
                **{k: v for k, v in normalize_plans(data.get("plans")).items() if v},
            }
            data["risk_answers"] = defaults["risk_answers"]
    raised_from = str(data.get("raised_from") or "").strip().upper()
    if raised_from and raised_from not in root["incidents"]:
        errors["raised_from"] = _("No incident ${number}.", mapping={"number": raised_from})
    problem = str(data.get("problem") or "").strip().upper()
    if problem and problem not in root["problems"]:
        errors["problem"] = _("No problem ${number}.", mapping={"number": problem})
    given_cis = data.get("affected_cis")
    if given_cis is not None:
        given_cis = tuple(
            dict.fromkeys(str(n).strip().upper() for n in given_cis if str(n).strip())
        )
        unknown_affected = [n for n in given_cis if n not in root["cmdb"]]
        if unknown_affected:
            errors["affected_cis"] = _(
                "Unknown CI: ${numbers}.", mapping={"numbers": ", ".join(unknown_affected)}
            )
    if not str(data.get("title", "")).strip():
        errors["title"] = _("Required")
    if data.get("type", "normal") not in TYPES:
        errors["type"] = _("Choose one of the options.")
    cis = tuple(dict.fromkeys(str(n).strip().upper() for n in data.get("cis", ()) or ()))
    unknown = [n for n in cis if n not in root["cmdb"]]
    if unknown:
        errors["cis"] = _("Unknown CI: ${numbers}.", mapping={"numbers": ", ".join(unknown)})
    plans = normalize_plans(data.get("plans"))
    if set(plans) - set(PLAN_KINDS):
        errors["plans"] = _("Plans are implementation, backout and test.")
    answers = risk.normalize_answers(dict(data.get("risk_answers") or {}))
    wrong = risk.invalid_answers(answers)
    if wrong:
        errors["risk_answers"] = _(
            "Not valid: ${questions}. Answers: ${answers}.",
            mapping={"questions": ", ".join(sorted(wrong)), "answers": risk.describe_answers()},
        )
    if errors:
        raise ChangeError(_("Some fields are not valid."), errors)
    start, end = planned_window(data)
    number = allocate_number(root._p_jar.db(), "change")
    change = Change(number, int(number.split("-")[1]), new_docid(root), ctx.now)
    change.title = str(data["title"]).strip()
    change.description = str(data.get("description", ""))
    change.reason = str(data.get("reason", ""))
    change.type = data.get("type", "normal")
    change.cis = cis
    change.planned_start, change.planned_end = start, end
    change.plans = {k: str(v) for k, v in plans.items()}
    change.risk_answers = answers
    change.risk_score, change.risk = risk.assess(answers)
    impact = impact_of_numbers(root, cis)
    change.affected_cis = given_cis if given_cis is not None else tuple(impact.cis)
    change.template = template
    given = data.get("affected")
    change.affected = tuple(given) if given is not None else tuple(impact.people)
    change.requester = requester
    change.assignee = str(data.get("assignee") or "").strip() or None
    change.channel = channel
    change.group = data.get("group") or None
    change.override_reason = str(data.get("override_reason", "") or "")
    change.status = DRAFT
    change.conflicts = tuple(find_conflicts(root, change, start, end))
    root["changes"].add(number, change)
    change.history.record(ctx.now, ctx.actor, "created", note=channel)
    if raised_from:
        links.record_raised_from(ctx, change, root["incidents"][raised_from])
    if problem:
        from itsm.problems.links import link_change

        link_change(ctx, root["problems"][problem], change.number)
    mark_changed(root, change)
    ctx.notify(ObjectCreated(change, ctx.request))
    if not draft:
        submit(ctx, change, change.override_reason)
    return change


def check_conflicts(
    ctx: ActionContext, change: Change, start: datetime, end: datetime, override_reason: str
) -> None:
    """Store the conflicts at start-end; refuse (409) when some hold the slot (a blackout, a
    scheduled or implementing change) and no reason is given. Pending changes are noted only."""
    conflicts = find_conflicts(ctx.root, change, start, end)
    change.conflicts = tuple(conflicts)
    found = blocking(conflicts)
    if found and not (override_reason or "").strip():
        raise ConflictsNeedOverride(found)
    if found:
        change.override_reason = override_reason.strip()
        names = ", ".join(c["name"] for c in found)
        change.history.record(
            ctx.now, ctx.actor, "override", field="conflicts", after=names, note=override_reason
        )


def submit(ctx: ActionContext, change: Change, override_reason: str = "") -> None:
    """Draft → assessment; standard changes on to scheduled, the others to approval."""
    WORKFLOW.check(change, "submit", ctx.roles_on(change), {}, ctx.now)
    check_conflicts(
        ctx,
        change,
        change.planned_start,
        change.planned_end,
        override_reason or change.override_reason,
    )
    fire_change(ctx, change, "submit", roles=ctx.roles_on(change))
    if change.type == "standard":
        fire_change(
            ctx, change, "preapproved", fields={"note": _("Standard change: pre-approved.")}
        )
    else:
        fire_change(ctx, change, "request_approval")
        approvals.start(ctx, change, approval_steps(ctx, change))
    mark_changed(ctx.root, change)


#: Other names for the plans, mapped to ours.
PLAN_ALIASES = {
    "implementation_plan": "implementation",
    "back_out": "backout",
    "backout_plan": "backout",
    "back_out_plan": "backout",
    "rollback": "backout",
    "rollback_plan": "backout",
    "test_plan": "test",
    "testing": "test",
}


def normalize_plans(plans: Any) -> dict[str, str]:
    """The plans by kind: a mapping (kinds or their aliases), or one text, taken as the
    implementation plan."""
    if plans is None or plans == "":
        return {}
    if isinstance(plans, str):
        return {"implementation": plans}
    out = {}
    for key, value in dict(plans).items():
        name = str(key).strip().lower()
        out[PLAN_ALIASES.get(name, name)] = value
    return out


def board_group(registry: Any) -> str:
    groups = registry.itsm_settings.roles.get("change_board") or ()
    return groups[0] if groups else DEFAULT_BOARD


def approval_steps(ctx: ActionContext, change: Change) -> list[dict[str, Any]]:
    """Normal: the requester's manager, then for high risk the change board; emergency: any
    one board member. The approvals never ask the requester (not even as a board member)."""
    quorum = getattr(ctx.registry, "itsm_change_board_quorum", 1)
    # Any N of the board's members (never the requester); more than the other members
    # means all of them (see itsm.approvals.routing.quorum_mode).
    board = {
        "kind": "group",
        "group": board_group(ctx.registry),
        "quorum": quorum,
        "label": "Change board",
    }
    if change.type == "emergency":
        return [{**board, "quorum": 1}]
    steps: list[dict[str, Any]] = [{"kind": "manager", "label": "Manager"}]
    if change.risk == "high":
        steps.append(board)
    return steps


def approved(ctx: ActionContext, change: Change) -> None:
    """Every approval step said yes: the change is scheduled (conflicts noted again)."""
    if change.status != AWAITING_APPROVAL:
        return
    change.conflicts = tuple(
        find_conflicts(ctx.root, change, change.planned_start, change.planned_end)
    )
    fire_change(ctx, change, "approve")
    mark_changed(ctx.root, change)


def rejected(ctx: ActionContext, change: Change, reason: str) -> None:
    if change.status != AWAITING_APPROVAL:
        return
    fire_change(ctx, change, "reject", fields={"reason": reason or "-"})
    mark_changed(ctx.root, change)


def fire_change(
    ctx: ActionContext,
    change: Change,
    name: str,
    *,
    roles: frozenset[str] = SYSTEM,
    fields: Mapping[str, Any] | None = None,
    apply: Any = None,
) -> None:
    """The one way a change's status moves (``roles``: the desk itself unless given)."""
    fire(
        WORKFLOW,
        change,
        name,
        actor=ctx.actor,
        roles=roles,
        fields=fields or {},
        now=ctx.now,
        apply=apply,
        notify=ctx.notify,
        request=ctx.request,
    )
