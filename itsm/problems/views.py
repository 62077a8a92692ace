"""Problem pages: the list (with the desk's proposals), a new problem (from scratch or from
incidents), the problem with its root cause analysis, timeline and links, and what IT staff do
to it. Thin: read the form, call ``actions``/``links``/``knowledge``, redirect with a flash; a
refusal shows the page again with its message in a doomed transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from itsm.containers import Problems
from itsm.i18n import _
from itsm.problems import actions, knowledge, links
from itsm.problems.models import MAX_WHYS, Problem, problem_settings
from itsm.problems.schemas import FIELDS, form_data, split_numbers
from itsm.problems.workflow import STATE_TITLES, STATES, WORKFLOW
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentRefused
from itsm.tickets.workflow import TransitionError
from itsm.ui.downloads import file_response
from itsm.ui.forms import (
    FormState,
    People,
    check_uploads,
    display_time,
    flash,
    iso_time,
    refused_message,
    store_uploads,
    uploads,
)

PER_PAGE = 50
MAX_FILES = 10  # files per journal entry, as on incidents
PROBLEM_PT = "itsm:problems/templates/problem.pt"
NEW_PT = "itsm:problems/templates/new.pt"
LEVELS = {"high": _("High"), "medium": _("Medium"), "low": _("Low")}
DONE = {
    "investigate": _("Investigation started."),
    "root_cause": _("The root cause is recorded."),
    "fix": _("The fix is in progress."),
    "resolve": _("The problem is resolved; its open incidents are resolved too."),
    "close": _("The problem is closed."),
    "reopen": _("The problem is reopened."),
    "cancel": _("The problem is cancelled."),
}
TRANSITION_FIELDS = ("resolution", "reason", "change", "root_cause", "workaround")


@view_config(
    context=Problems,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:problems/templates/list.pt",
)
def problem_list(context: Problems, request: Any) -> dict[str, Any]:
    """Every problem, newest first; ``?status=`` and ``?known=1`` (known errors only)."""
    root = request.itsm_root
    status = request.GET.get("status", "")
    known = request.GET.get("known") == "1"
    query: dict[str, Any] = {"kind": "problem"}
    if status in STATES:
        query["status"] = status
    if known:
        query["open"] = True
    q = request.GET.get("q", "").strip()[:200]
    if q:
        query["text"] = q
    try:
        page = max(1, int(request.GET.get("page", "1") or 1))
    except ValueError:
        page = 1
    total, found = search(root, sort="created", reverse=True, page=page, per_page=PER_PAGE, **query)
    if known:
        found = [p for p in found if p.known_error]
    stored = problem_settings(root)
    proposals = [p for p in stored.proposals.values() if p.status == "open"] if stored else []
    return {
        "problems": found,
        "total": total,
        "status": status,
        "known": known,
        "q": q,
        "states": [(s, STATE_TITLES[s]) for s in STATES],
        "state_titles": STATE_TITLES,
        "proposals": proposals,
        "people": People(root),
    }


def _new_values(request: Any, numbers: list[str]) -> dict[str, Any]:
    incidents = request.itsm_root["incidents"]
    found = [incidents[n] for n in numbers if n in incidents]
    first = found[0] if found else None
    return {
        "title": first.title if first else "",
        "description": "",
        "category": first.category if first else "",
        "impact": "medium",
        "urgency": "medium",
        "cis": ", ".join(first.cis) if first else "",
        "incidents": ", ".join(i.number for i in found),
    }


def _new_page(request: Any, values: Mapping[str, Any], errors: Any = None, message: Any = None):
    from itsm.incidents.intake import incident_settings

    root = request.itsm_root
    numbers = split_numbers(str(values.get("incidents", "")))
    return {
        "values": values,
        "errors": dict(errors or {}),
        "message": message,
        "levels": LEVELS,
        "categories": incident_settings(root).categories,
        "incidents": [root["incidents"][n] for n in numbers if n in root["incidents"]],
    }


@view_config(
    context=Problems, name="new", request_method="GET", permission=P.CREATE, renderer=NEW_PT
)
def new_form(context: Problems, request: Any) -> dict[str, Any]:
    """The form, pre-filled from ``?incidents=INC-1,INC-2`` (the queue's bulk selection)."""
    numbers = split_numbers(",".join(request.GET.getall("incidents")))
    return _new_page(request, _new_values(request, numbers))


@view_config(context=Problems, name="from-incidents", request_method="POST", permission=P.CREATE)
def from_incidents(context: Problems, request: Any) -> HTTPSeeOther:
    """ "Create problem from these" on the queue: the form with the selected incidents."""
    numbers = split_numbers(",".join(request.POST.getall("incidents")))
    if not numbers:
        flash(request, _("Select the incidents first."), "warning")
        return HTTPSeeOther(location=request.application_url + "/incidents/")
    url = request.resource_url(context, "new", query={"incidents": ",".join(numbers)})
    return HTTPSeeOther(location=url)


@view_config(
    context=Problems, name="new", request_method="POST", permission=P.CREATE, renderer=NEW_PT
)
def create(context: Problems, request: Any) -> Any:
    values = {k: request.POST.get(k, "").strip() for k in FIELDS}
    data, incidents, errors = form_data(values, request.localizer.translate)
    if errors:
        request.response.status = 400
        return _new_page(request, values, errors, _("Some fields are not valid."))
    ctx = ActionContext.from_request(request)
    try:
        problem = actions.create_problem(ctx, data, incidents=incidents)
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return _new_page(request, values, error.fields, error.message)
    flash(request, _("Problem ${number} is raised.", mapping={"number": problem.number}))
    return HTTPSeeOther(location=request.resource_url(problem))


@view_config(context=Problems, name="proposal", request_method="POST", permission=P.CREATE)
def decide_proposal(context: Problems, request: Any) -> HTTPSeeOther:
    """Raise a problem from the desk's proposal, or dismiss it."""
    key = request.POST.get("key", "")
    ctx = ActionContext.from_request(request)
    try:
        if request.POST.get("decision") == "dismiss":
            actions.dismiss_proposal(ctx, key)
            flash(request, _("The proposal is dismissed."))
            return HTTPSeeOther(location=request.resource_url(context))
        problem = actions.raise_from_proposal(ctx, key, {})
    except TransitionError as error:
        request.tm.doom()
        flash(request, error.message, "danger")
        return HTTPSeeOther(location=request.resource_url(context))
    flash(request, _("Problem ${number} is raised.", mapping={"number": problem.number}))
    return HTTPSeeOther(location=request.resource_url(problem))


# -- the problem --------------------------------------------------------------------------------


def problem_values(
    context: Problem, request: Any, submitted: FormState | None = None
) -> dict[str, Any]:
    root = request.itsm_root
    ctx = ActionContext.from_request(request)
    from itsm.incidents.intake import incident_settings
    from itsm.incidents.workflow import STATE_TITLES as INCIDENT_STATES

    people = People(root)
    whys = list(context.whys) + [""] * (MAX_WHYS - len(context.whys))
    return {
        "problem": context,
        "available": {t.name: t for t in WORKFLOW.available(context.status, ctx.roles_on(context))},
        "state_titles": STATE_TITLES,
        "incident_states": INCIDENT_STATES,
        "levels": LEVELS,
        "categories": incident_settings(root).categories,
        "whys": whys,
        "timeline": links.timeline(root, context),
        "changes": links.linked_changes(root, context),
        "article": knowledge.article_of(root, context),
        "entries": list(context.journal),
        "history": context.history.latest(50),
        "people": people,
        "agents": people.agents(),
        "submitted": submitted or FormState(),
        "display_time": display_time,
        "iso_time": iso_time,
        "action_url": lambda name: request.resource_url(context, "@@" + name),
        "attachment_url": lambda entry_id, n: request.resource_url(
            context, "@@attachment", query={"entry": entry_id, "n": n}
        ),
    }


@view_config(context=Problem, request_method="GET", permission=P.VIEW, renderer=PROBLEM_PT)
def problem_page(context: Problem, request: Any) -> dict[str, Any]:
    return problem_values(context, request)


def _refused(context: Problem, request: Any, form: str, error: TransitionError, values: Any):
    request.tm.doom()
    request.response.status = error.status
    return problem_values(
        context, request, FormState(values, error.fields, error.message, form=form)
    )


def _back(request: Any, context: Problem, message: Any) -> HTTPSeeOther:
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(context))


def _action(name: str, permission: str = P.WORK) -> Any:
    return view_config(
        context=Problem,
        name=name,
        request_method="POST",
        permission=permission,
        renderer=PROBLEM_PT,
    )


@_action("transition")
def transition(context: Problem, request: Any) -> Any:
    post = request.POST
    name = post.get("name", "")
    values = {k: post.get(k, "").strip() for k in TRANSITION_FIELDS}
    fields = {k: v for k, v in values.items() if v}
    ctx = ActionContext.from_request(request)
    try:
        actions.transition(ctx, context, name, fields)
    except TransitionError as error:
        return _refused(context, request, name, error, values)
    return _back(request, context, DONE.get(name, _("Done.")))


@_action("analysis")
def analysis(context: Problem, request: Any) -> Any:
    """The root cause analysis: the 5 whys, the root cause and the workaround."""
    post = request.POST
    values = {
        "root_cause": post.get("root_cause", ""),
        "workaround": post.get("workaround", ""),
        "whys": post.getall("whys"),
    }
    ctx = ActionContext.from_request(request)
    try:
        changed = actions.set_analysis(ctx, context, values)
    except TransitionError as error:
        return _refused(context, request, "analysis", error, values)
    return _back(
        request, context, _("The analysis is saved.") if changed else _("Nothing changed.")
    )


@_action("fields")
def change_fields(context: Problem, request: Any) -> Any:
    post = request.POST
    names = ("title", "description", "category", "impact", "urgency", "group", "assignee")
    values = {k: post.get(k, "").strip() for k in names if k in post}
    data: dict[str, Any] = dict(values)
    if "cis" in post:
        values["cis"] = post.get("cis", "")
        data["cis"] = split_numbers(values["cis"])
    ctx = ActionContext.from_request(request)
    try:
        changed = actions.update_fields(ctx, context, data)
    except TransitionError as error:
        return _refused(context, request, "fields", error, values)
    return _back(
        request, context, _("The changes are saved.") if changed else _("Nothing changed.")
    )


@_action("link")
def link_incidents(context: Problem, request: Any) -> Any:
    text = request.POST.get("incidents", "")
    ctx = ActionContext.from_request(request)
    try:
        links.link_incidents(ctx, context, split_numbers(text))
    except TransitionError as error:
        return _refused(context, request, "link", error, {"incidents": text})
    return _back(request, context, _("The incidents are linked."))


@_action("unlink")
def unlink_incident(context: Problem, request: Any) -> Any:
    number = request.POST.get("incident", "").strip().upper()
    incident = request.itsm_root["incidents"].get(number)
    if incident is None or number not in context.incidents:
        raise HTTPNotFound()
    links.unlink_incident(ActionContext.from_request(request), context, incident)
    return _back(request, context, _("The incident is no longer linked."))


@_action("change")
def link_change(context: Problem, request: Any) -> Any:
    text = request.POST.get("change", "")
    ctx = ActionContext.from_request(request)
    try:
        links.link_change(ctx, context, text)
    except TransitionError as error:
        return _refused(context, request, "change", error, {"change": text})
    return _back(request, context, _("The change is linked."))


@_action("publish")
def publish(context: Problem, request: Any) -> Any:
    ctx = ActionContext.from_request(request)
    try:
        article = knowledge.publish(ctx, context)
    except TransitionError as error:
        return _refused(context, request, "publish", error, {})
    return _back(
        request,
        context,
        _("The workaround is published as ${number}.", mapping={"number": article.number}),
    )


@_action("journal")
def journal(context: Problem, request: Any) -> Any:
    post = request.POST
    values = {"kind": post.get("kind", "note"), "body": post.get("body", "")}
    files = uploads(request, "files")
    problem = check_uploads(request, files, MAX_FILES)
    if problem:
        request.tm.doom()
        request.response.status = 400
        return problem_values(
            context, request, FormState(values, {"files": problem}, problem, form="journal")
        )
    ctx = ActionContext.from_request(request)
    try:
        attachments = store_uploads(request, files)
        actions.add_entry(ctx, context, values["kind"], values["body"], attachments=attachments)
    except AttachmentRefused as error:
        request.tm.doom()
        request.response.status = 400
        return problem_values(
            context,
            request,
            FormState(values, {"files": refused_message(request, error)}, form="journal"),
        )
    except TransitionError as error:
        return _refused(context, request, "journal", error, values)
    return _back(request, context, _("The internal note is saved."))


@view_config(context=Problem, name="transition", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="analysis", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="fields", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="link", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="unlink", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="change", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="publish", request_method="GET", permission=P.VIEW)
@view_config(context=Problem, name="journal", request_method="GET", permission=P.VIEW)
def action_get(context: Problem, request: Any) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=Problem, name="attachment", request_method="GET", permission=P.VIEW)
def attachment(context: Problem, request: Any) -> Any:
    try:
        entry = context.journal.get(int(request.GET.get("entry", "")))
        index = int(request.GET.get("n", ""))
    except ValueError:
        raise HTTPNotFound() from None
    if entry is None or not 0 <= index < len(entry.attachments):
        raise HTTPNotFound()
    return file_response(entry.attachments[index])
