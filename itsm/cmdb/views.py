"""CMDB pages: the list (``/cmdb/``, "My equipment" for employees), CSV export, a CI's page,
and the IT staff's forms (register, edit, lifecycle, handover, relations)."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Any

import colander
import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from itsm.cmdb import lifecycle, relations
from itsm.cmdb.attachments import (
    add_attachment,
    attachment_key,
    attachments_of,
    remove_attachment,
)
from itsm.cmdb.classes import CiClass, CmdbSettings, cmdb_settings
from itsm.cmdb.impact import impact_of
from itsm.cmdb.models import RELATION_TITLES, RELATION_TYPES, ConfigurationItem
from itsm.cmdb.queries import FILTERS, list_cis, seats_of
from itsm.cmdb.register import EDITABLE, CmdbError, create_ci, find_class, update_ci
from itsm.cmdb.schemas import ci_schema
from itsm.cmdb.serialize import CSV_COLUMNS, csv_row, plain
from itsm.cmdb.workflow import STATE_TITLES, STATES, WORKFLOW
from itsm.containers import Cmdb
from itsm.i18n import _
from itsm.incidents.models import Incident
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentRefused
from itsm.tickets.workflow import TransitionError
from itsm.ui.csvfile import safe_cell
from itsm.ui.downloads import file_response
from itsm.ui.forms import human_size, refused_message, uploads

PER_PAGE = 50
EXPORT_BATCH = 500


def _translate(request: Any, term: Any) -> str:
    return request.localizer.translate(term)


def _flash(request: Any, term: Any, queue: str = "success") -> None:
    request.session.flash(_translate(request, term), queue)


def _filters(request: Any) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in FILTERS}


@view_config(
    context=Cmdb, permission=P.VIEW, request_method="GET", renderer="itsm:cmdb/templates/list.pt"
)
def ci_list(context: Cmdb, request: Any) -> dict[str, Any]:
    """IT staff: every CI, filtered. Employees: "My equipment" (their own, always)."""
    filters = _filters(request)
    raw_page = request.GET.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isdigit() else 1
    error = None
    try:
        total, items = list_cis(request, filters, page=page, per_page=PER_PAGE)
    except CmdbError as exc:
        total, items, error = 0, [], exc.message
    query = {k: v for k, v in filters.items() if v}
    settings = cmdb_settings(request.itsm_root)
    return {
        "staff": is_staff(request),
        "can_import": bool(request.has_permission(P.CREATE, context)),
        "filters": filters,
        "items": items,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / PER_PAGE)),
        "page_links": page_window(page, max(1, math.ceil(total / PER_PAGE))),
        "error": error,
        "classes": settings.names(),
        "states": [(s, STATE_TITLES[s]) for s in STATES],
        "export_url": request.resource_url(context, "export.csv", query=query),
        "page_url": lambda n: request.resource_url(context, query={**query, "page": n}),
    }


def page_window(page: int, pages: int, around: int = 3) -> list[int | None]:
    """Page numbers to link: the first, the last and a few around ``page``; None for a gap.
    (A thousand links on 50,000 CIs made the page slow to render and to read.)"""
    shown = {1, pages, *range(max(1, page - around), min(pages, page + around) + 1)}
    links: list[int | None] = []
    for number in sorted(shown):
        if links and links[-1] is not None and number > links[-1] + 1:
            links.append(None)
        links.append(number)
    return links


@view_config(context=Cmdb, name="export.csv", permission=P.VIEW, request_method="GET")
def export_csv(context: Cmdb, request: Any) -> Response:
    """The whole filtered list (not just one page) as CSV, UTF-8 with a BOM for Excel."""
    filters = _filters(request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([*CSV_COLUMNS, "fields"])
    try:
        total, items = list_cis(request, filters, page=1, per_page=EXPORT_BATCH)
        if total > len(items):
            # The rest in one query and one sort: a query per batch would sort again each time.
            total, items = list_cis(request, filters, page=1, per_page=total)
    except CmdbError:
        total, items = 0, []
    for ci in items:
        writer.writerow([safe_cell(cell) for cell in csv_row(ci)])
    response = Response(out.getvalue(), charset="utf-8", content_type="text/csv")
    response.content_disposition = 'attachment; filename="cmdb.csv"'
    return response


def _csrf_node() -> colander.SchemaNode:
    @colander.deferred
    def token(node: Any, kw: Any) -> str:
        return kw["csrf_token"]

    return colander.SchemaNode(
        colander.String(),
        name="csrf_token",
        widget=deform.widget.HiddenWidget(),
        default=token,
        missing="",
        title="",
    )


def _form(request: Any, ci_class: Any, action: str, *, with_status: bool) -> deform.Form:
    schema = ci_schema(ci_class, request.locale_name, with_status=with_status)
    if not with_status:
        del schema["owner"]
    schema.add(_csrf_node())
    schema = schema.bind(csrf_token=get_csrf_token(request))
    return deform.Form(
        schema, action=action, formid="ci-form", buttons=(deform.Button("submit", _("Save")),)
    )


def _raw(appstruct: dict[str, Any]) -> dict[str, Any]:
    raw = {k: v for k, v in appstruct.items() if k != "csrf_token"}
    raw["fields"] = {k: plain(v) for k, v in (raw.get("fields") or {}).items()}
    for key, value in list(raw.items()):
        if key != "fields":
            raw[key] = plain(value)
    return raw


def _form_page(request: Any, title: Any, form_html: str, error: Any = None, **extra: Any) -> dict:
    return {"title": title, "form": form_html, "error": error, **extra}


@view_config(context=Cmdb, name="new", permission=P.CREATE, renderer="itsm:cmdb/templates/form.pt")
def new_ci(context: Cmdb, request: Any) -> Any:
    """Register a CI: first the class, then its generated form."""
    settings = cmdb_settings(request.itsm_root)
    class_name = request.params.get("class", "")
    if class_name not in settings.classes:
        return _form_page(request, _("Register a configuration item"), "", classes=settings.names())
    ci_class = settings.get(class_name)
    action = request.resource_url(context, "new", query={"class": class_name})
    form = _form(request, ci_class, action, with_status=True)
    title = _("New ${cls}", mapping={"cls": class_name})
    if request.method != "POST":
        return _form_page(request, title, form.render())
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _form_page(request, title, failure.render())
    ctx = ActionContext.from_request(request)
    try:
        ci = create_ci(
            ctx,
            class_name,
            _raw(appstruct),
            resolve_owner=request.find_person,
            language=request.locale_name,
        )
    except CmdbError as error:
        request.tm.doom()
        request.response.status = error.status
        return _form_page(request, title, form.render(appstruct), _errors(request, error))
    _flash(request, _("${number} is registered.", mapping={"number": ci.number}))
    return HTTPSeeOther(location=request.resource_url(ci))


def _errors(request: Any, error: CmdbError) -> str:
    return error.text(lambda term: _translate(request, term))


def ci_values(context: ConfigurationItem, request: Any, error: Any = None) -> dict[str, Any]:
    root = request.itsm_root
    staff = bool(request.has_permission(P.WORK, context))
    try:
        ci_class = find_class(root, context.ci_class)
        field_defs = {f.name: f for f in ci_class.fields}
    except CmdbError:
        field_defs = {}
    language = request.locale_name
    field_rows = []
    for key, value in context.fields.items():
        definition = field_defs.get(key)
        title = key
        if definition is not None:
            title = (
                definition.title_ru
                if language == "ru" and definition.title_ru
                else definition.title
            )
        field_rows.append((title, plain(value)))
    roles = ActionContext.from_request(request).roles
    return {
        "ci": context,
        "staff": staff,
        "error": error,
        "field_rows": field_rows,
        "state_titles": STATE_TITLES,
        "neighbours": relations.neighbours(root, context),
        "impact": impact_of(root, context) if staff else None,
        "history": list(context.history) if staff else [],
        "owners": context.owners(),
        "transitions": [t for t in WORKFLOW.available(context.status, roles) if t.name != "deploy"]
        if staff
        else [],
        "can_hand_over": staff and context.status in ("in_stock", "deployed", "in_repair"),
        "relation_types": [(t, RELATION_TITLES[t][0]) for t in RELATION_TYPES],
        "plain": plain,
        "seats": seats_of(context),
        "today": date.today().isoformat(),
        "attachments": attachments_of(context),
        "max_size": human_size(request.registry.itsm_settings.attachment_max_bytes),
        "human_size": human_size,
    }


@view_config(
    context=ConfigurationItem,
    permission=P.VIEW,
    request_method="GET",
    renderer="itsm:cmdb/templates/ci.pt",
)
def ci_page(context: ConfigurationItem, request: Any) -> dict[str, Any]:
    return ci_values(context, request)


@view_config(
    context=ConfigurationItem,
    name="edit",
    permission=P.EDIT,
    renderer="itsm:cmdb/templates/form.pt",
)
def edit_ci(context: ConfigurationItem, request: Any) -> Any:
    try:
        ci_class = find_class(request.itsm_root, context.ci_class)
    except CmdbError as error:
        return _form_page(request, context.title, "", _errors(request, error))
    form = _form(request, ci_class, request.resource_url(context, "edit"), with_status=False)
    title = _("Edit ${number}", mapping={"number": context.number})
    if request.method != "POST":
        current = {key: getattr(context, key) for key in EDITABLE}
        current = {k: (colander.null if v is None else v) for k, v in current.items()}
        current["fields"] = dict(context.fields)
        return _form_page(request, title, form.render(current))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _form_page(request, title, failure.render())
    ctx = ActionContext.from_request(request)
    raw = _raw(appstruct)
    raw["fields"] = {d.name: raw["fields"].get(d.name) for d in ci_class.fields}
    try:
        changes = update_ci(ctx, context, raw, language=request.locale_name)
    except CmdbError as error:
        request.tm.doom()
        request.response.status = error.status
        return _form_page(request, title, form.render(appstruct), _errors(request, error))
    _flash(
        request,
        _("Saved.") if changes else _("Nothing changed."),
        "success" if changes else "info",
    )
    return HTTPSeeOther(location=request.resource_url(context))


def _refused(context: Any, request: Any, error: Any) -> dict[str, Any]:
    request.tm.doom()
    request.response.status = error.status
    message = _translate(request, error.message)
    if error.fields:
        message += " " + "; ".join(
            f"{k}: {_translate(request, v)}" for k, v in error.fields.items()
        )
    return ci_values(context, request, message)


@view_config(
    context=ConfigurationItem,
    name="transition",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:cmdb/templates/ci.pt",
)
def transition(context: ConfigurationItem, request: Any) -> Any:
    """A lifecycle move, or a handover (``name=handover`` with ``owner`` and ``date``)."""
    name = request.POST.get("name", "")
    on = None
    if request.POST.get("date"):
        try:
            on = date.fromisoformat(request.POST["date"])
        except ValueError:
            on = None
    ctx = ActionContext.from_request(request)
    try:
        if name == "handover":
            lifecycle.hand_over(
                ctx, context, request.POST.get("owner", "").strip(), on, request.find_person
            )
        else:
            lifecycle.transition(ctx, context, name, {"date": on})
    except (CmdbError, TransitionError) as error:
        return _refused(context, request, error)
    _flash(request, _("Done."))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(
    context=ConfigurationItem,
    name="relate",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:cmdb/templates/ci.pt",
)
def relate(context: ConfigurationItem, request: Any) -> Any:
    ctx = ActionContext.from_request(request)
    post = request.POST
    try:
        if post.get("remove"):
            relations.remove_relation(ctx, context, post.get("type", ""), post.get("target", ""))
        else:
            relations.add_relation(ctx, context, post.get("type", ""), post.get("target", ""))
    except CmdbError as error:
        return _refused(context, request, error)
    _flash(request, _("Relations updated."))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(
    context=ConfigurationItem,
    name="attach",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:cmdb/templates/ci.pt",
)
def attach(context: ConfigurationItem, request: Any) -> Any:
    """IT staff add files (the size limit of attachments applies to each)."""
    files = uploads(request, "file")
    if not files:
        return _refused(context, request, CmdbError(_("Choose a file to attach.")))
    ctx = ActionContext.from_request(request)
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    try:
        for upload in files:
            add_attachment(ctx, context, upload.filename, upload.file, max_bytes, upload.type or "")
    except AttachmentRefused as exc:
        return _refused(context, request, CmdbError(refused_message(request, exc)))
    _flash(request, _("Attached."))
    return HTTPSeeOther(location=request.resource_url(context, anchor="attachments"))


@view_config(
    context=ConfigurationItem,
    name="detach",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:cmdb/templates/ci.pt",
)
def detach(context: ConfigurationItem, request: Any) -> Any:
    key = attachment_key(request.POST.get("n"))
    removed = remove_attachment(ActionContext.from_request(request), context, key) if key else None
    if removed is None:
        return _refused(context, request, CmdbError(_("No such file."), status=404))
    _flash(request, _("${name} is deleted.", mapping={"name": removed.filename}))
    return HTTPSeeOther(location=request.resource_url(context, anchor="attachments"))


@view_config(context=ConfigurationItem, name="attachment", request_method="GET", permission=P.VIEW)
def attachment(context: ConfigurationItem, request: Any) -> Response:
    """Stream one file: IT staff, and the owner of the CI (its ACL)."""
    key = attachment_key(request.GET.get("n"))
    files = context.attachments
    file = files.get(key) if files is not None and key is not None else None
    if file is None:
        raise HTTPNotFound()
    return file_response(file)


@view_config(context=ConfigurationItem, name="graph.svg", permission=P.WORK, request_method="GET")
def graph_svg(context: ConfigurationItem, request: Any) -> Response:
    """Two levels of relations around the CI (IT staff: it shows other people's CIs)."""
    from itsm.cmdb.graph import render_svg

    svg = render_svg(
        request.itsm_root, context, request.resource_url, lambda t: _translate(request, t)
    )
    response = Response(svg, charset="utf-8", content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@view_config(context=Incident, name="notify-affected", request_method="POST", permission=P.WORK)
def notify_affected_view(context: Incident, request: Any) -> Any:
    """One action on an incident: mail everyone its CIs' failure affects."""
    from itsm.cmdb.notices import notify_affected

    impact = notify_affected(
        ActionContext.from_request(request), context, request.POST.get("message", "")
    )
    _flash(
        request,
        _("${n} affected people notified.", mapping={"n": len(impact.people)}),
        "success" if impact.people else "info",
    )
    return HTTPSeeOther(location=request.resource_url(context))


def parse_field_lines(text: str) -> list[dict[str, Any]]:
    """Lines ``name | title | type | required | choice, choice | Русское название`` → field
    definitions (missing parts take their defaults)."""
    fields = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 6
        fields.append(
            {
                "name": parts[0],
                "title": parts[1] or parts[0],
                "type": parts[2] or "string",
                "required": parts[3].lower() in ("required", "yes", "true", "1", "да"),
                "choices": [c.strip() for c in parts[4].split(",") if c.strip()],
                "title_ru": parts[5],
            }
        )
    return fields


@view_config(
    context=CmdbSettings,
    permission=P.VIEW,
    renderer="itsm:cmdb/templates/classes.pt",
)
def classes_page(context: CmdbSettings, request: Any) -> Any:
    """``/settings/ci-classes``: the classes; administrators add or change one."""
    error = None
    if request.method == "POST":
        if not request.has_permission(P.EDIT, context):
            raise HTTPForbidden()
        post = request.POST
        try:
            ci_class = CiClass.from_json(
                {
                    "name": post.get("name", "").strip(),
                    "title_ru": post.get("title_ru", "").strip(),
                    "serial_required": bool(post.get("serial_required")),
                    "fields": parse_field_lines(post.get("fields", "")),
                }
            )
            if not ci_class.name:
                raise ValueError("name")
        except (ValueError, KeyError) as exc:
            request.tm.doom()
            request.response.status = 400
            error = _("The class is not valid: ${detail}", mapping={"detail": str(exc)})
        else:
            context.put(ci_class)
            _flash(request, _("Class ${name} is saved.", mapping={"name": ci_class.name}))
            return HTTPSeeOther(location=request.resource_url(context))
    return {
        "classes": [context.get(name) for name in context.names()],
        "admin": bool(request.has_permission(P.EDIT, context)),
        "error": error,
    }
