"""``/cmdb/@@import``: the CSV import for IT staff, with a preview before anything is written.

GET shows the upload form; POST of a file stages it and redirects to ``?token=``, whose GET is
the preview (a dry run whose transaction is doomed); POST of ``confirm`` with the token
imports for real and redirects back to the token's page, now the result with the rejects as
a CSV download (``@@import-rejects?token=``).
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from itsm.cmdb.classes import cmdb_settings
from itsm.cmdb.importer import ImportFileError
from itsm.cmdb.register import CmdbError, find_class
from itsm.cmdb.staged_import import (
    DEFAULT_MAX_BYTES,
    StagedImport,
    check_file,
    find_staged,
    finish,
    run,
    stage,
)
from itsm.containers import Cmdb
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.ui.downloads import file_response
from itsm.ui.forms import human_size

TEMPLATE = "itsm:cmdb/templates/import.pt"
#: The preview lists at most this many rows, rejected ones first (the counts cover them all).
PREVIEW_ROWS = 500


def max_bytes(request: Any) -> int:
    return getattr(request.registry, "itsm_cmdb_import_max_bytes", DEFAULT_MAX_BYTES)


def _translate(request: Any, term: Any) -> str:
    return request.localizer.translate(term)


def _form(request: Any, context: Cmdb, error: Any = None, **chosen: Any) -> dict[str, Any]:
    """The upload form (with an error, status 400 when there is one)."""
    if error is not None:
        request.response.status = 400
    return {
        "step": "upload",
        "error": _translate(request, error) if error is not None else None,
        "classes": cmdb_settings(request.itsm_root).names(),
        "chosen_class": chosen.get("class_name", ""),
        "update": chosen.get("update", False),
        "max_size": human_size(max_bytes(request)),
        "action": request.resource_url(context, "@@import"),
    }


def _staged(request: Any) -> StagedImport | None:
    ctx = ActionContext.from_request(request)
    return find_staged(request.itsm_root, request.params.get("token", ""), ctx.actor, ctx.now)


GONE = _("This upload has expired or is not yours. Upload the file again.")


@view_config(
    context=Cmdb, name="import", permission=P.CREATE, request_method="GET", renderer=TEMPLATE
)
def import_page(context: Cmdb, request: Any) -> dict[str, Any]:
    """The form; with ``token``: the preview of that upload, or the result once imported."""
    if "token" not in request.GET:
        return _form(request, context)
    staged = _staged(request)
    if staged is None:
        page = _form(request, context, GONE)
        request.response.status = 404
        return page
    if staged.result is not None:
        return _result(request, context, staged)
    return _preview(request, context, staged)


def _preview(request: Any, context: Cmdb, staged: StagedImport) -> dict[str, Any]:
    # The dry run creates and changes objects to see what would happen: never commit them.
    request.tm.doom()
    try:
        ci_class = find_class(request.itsm_root, staged.class_name)
        result = run(
            ActionContext.from_request(request),
            staged,
            ci_class,
            dry_run=True,
            resolve=request.find_person,
            translate=lambda term: _translate(request, term),
        )
    except (CmdbError, ImportFileError) as error:
        return _form(request, context, error.message, class_name=staged.class_name)
    rows = result.rows()
    # Every rejected row is worth seeing; the others fill the rest of the table.
    rejected = [r for r in rows if r["action"] == "rejected"][:PREVIEW_ROWS]
    others = [r for r in rows if r["action"] != "rejected"][: PREVIEW_ROWS - len(rejected)]
    shown = sorted(rejected + others, key=lambda r: r["line"])
    return {
        "step": "preview",
        "error": None,
        "staged": staged,
        "summary": result.summary,
        "rows": shown,
        "total_rows": len(rows),
        "file_encoding": result.checked.encoding,
        "delimiter": result.checked.delimiter,
        "unknown": result.checked.unknown,
        "confirm_action": request.resource_url(context, "@@import"),
        "restart_url": request.resource_url(context, "@@import"),
    }


def _result(request: Any, context: Cmdb, staged: StagedImport) -> dict[str, Any]:
    return {
        "step": "done",
        "error": None,
        "staged": staged,
        "result": staged.result,
        "rejects_url": request.resource_url(
            context, "@@import-rejects", query={"token": staged.token}
        )
        if staged.rejects is not None
        else None,
        "list_url": request.resource_url(context),
        "restart_url": request.resource_url(context, "@@import"),
    }


@view_config(
    context=Cmdb, name="import", permission=P.CREATE, request_method="POST", renderer=TEMPLATE
)
def import_post(context: Cmdb, request: Any) -> Any:
    """Stage an uploaded file (then its preview), or confirm a staged one."""
    if request.POST.get("confirm"):
        return _confirm(request, context)
    class_name = request.POST.get("class", "")
    update = bool(request.POST.get("update"))
    chosen = {"class_name": class_name, "update": update}
    try:
        ci_class = find_class(request.itsm_root, class_name)
    except CmdbError:
        return _form(request, context, _("Choose the class of the items in the file."), **chosen)
    upload = request.POST.get("file")
    if not getattr(upload, "filename", None) or not hasattr(upload, "file"):
        return _form(request, context, _("Choose a CSV file to import."), **chosen)
    limit = max_bytes(request)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        message = _(
            "The file is larger than ${size}. Split it, or give it to an administrator to import "
            "with the itsm-import command.",
            mapping={"size": human_size(limit)},
        )
        return _form(request, context, message, **chosen)
    try:
        check_file(data, ci_class)
    except ImportFileError as error:
        return _form(request, context, error.message, **chosen)
    ctx = ActionContext.from_request(request)
    staged = stage(request.itsm_root, ctx.actor, ctx.now, class_name, update, upload.filename, data)
    return HTTPSeeOther(
        location=request.resource_url(context, "@@import", query={"token": staged.token})
    )


def _confirm(request: Any, context: Cmdb) -> Any:
    staged = _staged(request)
    if staged is None:
        request.tm.doom()
        page = _form(request, context, GONE)
        request.response.status = 404
        return page
    location = request.resource_url(context, "@@import", query={"token": staged.token})
    if staged.result is not None:  # confirmed twice (a double click): it ran once
        return HTTPSeeOther(location=location)
    ctx = ActionContext.from_request(request)
    try:
        ci_class = find_class(request.itsm_root, staged.class_name)
        result = run(
            ctx,
            staged,
            ci_class,
            dry_run=False,
            resolve=request.find_person,
            translate=lambda term: _translate(request, term),
        )
    except (CmdbError, ImportFileError) as error:
        request.tm.doom()
        return _form(request, context, error.message, class_name=staged.class_name)
    finish(staged, result, ctx.now)
    summary = result.summary
    request.session.flash(
        _translate(
            request,
            _(
                "Imported: ${created} created, ${updated} updated, ${unchanged} unchanged, "
                "${rejected} rejected.",
                mapping={
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "rejected": summary.rejected,
                },
            ),
        ),
        "success" if not summary.rejected else "warning",
    )
    return HTTPSeeOther(location=location)


@view_config(context=Cmdb, name="import-rejects", permission=P.CREATE, request_method="GET")
def import_rejects(context: Cmdb, request: Any) -> Response:
    """The rejected rows of a finished import, with the reason, as CSV."""
    staged = _staged(request)
    if staged is None or staged.rejects is None:
        raise HTTPNotFound()
    return file_response(staged.rejects, content_type="text/csv")
