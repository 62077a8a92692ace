"""``/changes/new``: the page IT staff raise a change with (the API's intake behind it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.changes.conflicts import conflict_line
from itsm.changes.intake import ChangeError, ConflictsNeedOverride, create_change
from itsm.changes.models import PLAN_KINDS
from itsm.changes.risk import QUESTIONS
from itsm.changes.schemas import YES_NO, change_form_schema, intake_data, split_list
from itsm.changes.standard import TEMPLATES
from itsm.changes.workflow import TYPE_TITLES, TYPES
from itsm.cmdb.impact import impact_of_numbers
from itsm.containers import Changes
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash

NEW_PT = "itsm:changes/templates/new.pt"
PLAN_TITLES = {
    "implementation": _("Implementation plan"),
    "backout": _("Back-out plan"),
    "test": _("Test plan"),
}
ANSWER_TITLES = {
    "none": _("None"),
    "few": _("A few people"),
    "many": _("Many people"),
    "all": _("Everyone"),
    "low": _("Low"),
    "medium": _("Medium"),
    "high": _("High"),
    "yes": _("Yes"),
    "no": _("No"),
}
TYPE_HELP = {
    "standard": _("Pre-approved routine work from a template: scheduled at once."),
    "normal": _("Assessed, then approved by your manager (and the change board if high risk)."),
    "emergency": _("Urgent: any one change board member approves; reviewed afterwards."),
}


def _answers(points: Mapping[Any, int]) -> list[str]:
    return [a for a in points if isinstance(a, str)] or list(YES_NO)


def form_page(
    request: Any,
    values: Mapping[str, str],
    errors: Mapping[str, Any] | None = None,
    message: Any = None,
    conflicts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    root = request.itsm_root
    language = request.locale_name
    groups = root["settings"]["groups"]
    incident = None
    if values.get("raised_from"):
        incident = root["incidents"].get(values["raised_from"])
    problem = root["problems"].get(values["problem"]) if values.get("problem") else None
    return {
        "values": values,
        "errors": dict(errors or {}),
        "message": message,
        "conflicts": conflicts or [],
        "conflict_line": conflict_line,
        "types": TYPES,
        "type_titles": TYPE_TITLES,
        "type_help": TYPE_HELP,
        "templates": [(key, t.title) for key, t in TEMPLATES.items()],
        "plan_kinds": PLAN_KINDS,
        "plan_titles": PLAN_TITLES,
        "questions": [(key, title, _answers(points)) for key, (title, points) in QUESTIONS.items()],
        "answer_titles": ANSWER_TITLES,
        "groups": [(name, g.localized_title(language)) for name, g in groups.items()],
        "incident": incident,
        "problem": problem,
    }


def _prefill(request: Any) -> dict[str, str]:
    """Empty values, or those of the incident in ``?incident=`` (its title, text and CIs)."""
    values = {"type": "normal", "timezone": "UTC"}
    number = str(request.GET.get("incident", "")).strip().upper()
    incident = request.itsm_root["incidents"].get(number) if number else None
    if incident is not None and request.has_permission(P.VIEW, incident):
        values.update(
            title=incident.title,
            description=incident.description,
            reason=request.localizer.translate(
                _("Raised from incident ${number}.", mapping={"number": incident.number})
            ),
            cis=", ".join(incident.cis),
            raised_from=incident.number,
        )
    number = str(request.GET.get("problem", "")).strip().upper()
    problem = request.itsm_root["problems"].get(number) if number else None
    if problem is not None and request.has_permission("view", problem):
        values.update(
            title=problem.title,
            description=problem.root_cause or problem.description,
            reason=request.localizer.translate(
                _("Fixes problem ${number}.", mapping={"number": problem.number})
            ),
            cis=", ".join(problem.cis),
            problem=problem.number,
        )
    return values


@view_config(
    context=Changes, name="new", request_method="GET", permission=P.CREATE, renderer=NEW_PT
)
def new_change_form(context: Changes, request: Any) -> dict[str, Any]:
    """The empty form (IT staff), or pre-filled from an incident."""
    return form_page(request, _prefill(request))


def _fill_affected(request: Any, values: dict[str, str]) -> dict[str, Any]:
    """Put the CIs' impact (people and services) into the form, for the person to edit."""
    root = request.itsm_root
    numbers = split_list(values.get("cis", ""), upper=True)
    unknown = [n for n in numbers if n not in root["cmdb"]]
    impact = impact_of_numbers(root, numbers)
    values["affected"] = ", ".join(impact.people)
    values["affected_cis"] = ", ".join(impact.cis)
    if unknown:
        return {"cis": _("Unknown CI: ${numbers}.", mapping={"numbers": ", ".join(unknown)})}
    return {}


@view_config(
    context=Changes, name="new", request_method="POST", permission=P.CREATE, renderer=NEW_PT
)
def raise_change(context: Changes, request: Any) -> Any:
    """Validate, then raise the change with the API's intake; on any refusal, the form again
    with what was typed and the messages (nothing is stored)."""
    schema = change_form_schema()
    names = [node.name for node in schema.children]
    values = {name: str(request.POST.get(name, "")) for name in names}
    if request.POST.get("action") == "fill":
        errors = _fill_affected(request, values)
        return form_page(request, values, errors)
    try:
        appstruct = schema.deserialize(values)
        invalid: dict[str, Any] = {}
    except colander.Invalid as error:
        appstruct = values
        invalid = error.asdict(translate=request.localizer.translate)
    data, errors = intake_data(appstruct)
    errors.update(invalid)
    groups = request.itsm_root["settings"]["groups"]
    if data["group"] and data["group"] not in groups:
        errors["group"] = _("Choose one of the options.")
    if errors:
        request.response.status = 400
        return form_page(request, values, errors, _("Some fields are not valid."))
    ctx = ActionContext.from_request(request)
    try:
        change = create_change(
            ctx,
            data,
            requester=ctx.actor,
            channel="portal",
            translate=request.localizer.translate,
        )
    except ChangeError as error:
        request.tm.doom()
        request.response.status = error.status
        return form_page(request, values, error.fields, error.message)
    except ConflictsNeedOverride as error:
        request.tm.doom()
        request.response.status = error.status
        return form_page(request, values, error.fields, error.message, error.conflicts)
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return form_page(request, values, error.fields, error.message)
    flash(
        request,
        _(
            "Change ${number} is raised: ${status}.",
            mapping={
                "number": change.number,
                "status": request.localizer.translate(change.status_title),
            },
        ),
    )
    return HTTPSeeOther(location=request.resource_url(change))
