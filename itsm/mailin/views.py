"""``/mail/quarantine``: the mails the desk held back, for IT staff to decide on.

The list shows why each mail is held, from whom, its subject and when it came; a held mail's
page shows its text only (the intake's plain-text preview, escaped; never its HTML, images or
remote content) and the original as a download the browser saves, not renders. Agents and
administrators release a mail as a new ticket or as a reply to a ticket they name, or delete
it (``work``); employees get 403 from the ``/mail`` ACL.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.i18n import _
from itsm.mailin import decisions
from itsm.mailin.intake import ReleaseError
from itsm.mailin.models import REASONS, HeldMail, Quarantine
from itsm.mailin.serialize import held_mails
from itsm.security.permissions import P
from itsm.ui.downloads import file_response
from itsm.ui.forms import display_time, flash, iso_time

LIST_PT = "itsm:mailin/templates/quarantine.pt"
HELD_PT = "itsm:mailin/templates/held.pt"
PER_PAGE = 50


def _reason_titles(request: Any) -> dict[str, str]:
    """Short names of the reasons, for the filter (the full sentences are on each mail)."""
    titles = {
        "unknown_sender": _("Unknown sender"),
        "loop": _("Mail loop"),
        "rate_limit": _("Rate limit"),
        "unparseable": _("Cannot be read"),
        "not_allowed": _("Not allowed on that ticket"),
        "no_sender": _("No sender"),
        "invalid": _("Cannot become a ticket"),
        "spam": _("Spam"),
    }
    return {code: request.localizer.translate(titles.get(code, code)) for code in REASONS}


@view_config(context=Quarantine, request_method="GET", permission=P.VIEW, renderer=LIST_PT)
def quarantine_page(context: Quarantine, request: Any) -> dict[str, Any]:
    reasons = _reason_titles(request)
    reason = request.GET.get("reason", "")
    if reason not in reasons:
        reason = ""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    found = held_mails(context, reason)
    pages = max(1, math.ceil(len(found) / PER_PAGE))
    page = min(page, pages)

    def page_url(number: int) -> str:
        query = {"page": str(number)}
        if reason:
            query["reason"] = reason
        return request.resource_url(context, query=query)

    return {
        "held": found[(page - 1) * PER_PAGE : page * PER_PAGE],
        "total": len(found),
        "page": page,
        "pages": pages,
        "page_url": page_url,
        "reason": reason,
        "reasons": reasons,
        "display_time": display_time,
        "iso_time": iso_time,
    }


def _held_values(request: Any, held: HeldMail, **extra: Any) -> dict[str, Any]:
    number = held.number or ""
    values = {
        "held": held,
        "reason_text": request.localizer.translate(held.reason_text),
        "may_decide": bool(request.has_permission(P.WORK, held)),
        "number": number,
        "error": "",
        "display_time": display_time,
        "iso_time": iso_time,
        "number_help": request.localizer.translate(decisions.NUMBER_HELP),
    }
    values.update(extra)
    return values


@view_config(context=HeldMail, request_method="GET", permission=P.VIEW, renderer=HELD_PT)
def held_page(context: HeldMail, request: Any) -> dict[str, Any]:
    return _held_values(request, context)


@view_config(context=HeldMail, name="original", request_method="GET", permission=P.VIEW)
def held_original(context: HeldMail, request: Any) -> Any:
    """The mail as it came, as an ``.eml`` download (never shown in the page)."""
    return file_response(
        SimpleNamespace(
            blob=context.blob,
            size=context.size,
            filename=f"held-{context.id}.eml",
            content_type="message/rfc822",
        )
    )


@view_config(
    context=HeldMail, name="release", request_method="POST", permission=P.WORK, renderer=HELD_PT
)
def held_release(context: HeldMail, request: Any) -> Any:
    how = str(request.POST.get("as", ""))
    number = str(request.POST.get("number", "")).strip()
    quarantine = context.__parent__
    try:
        outcome = decisions.release(
            request.itsm_root,
            context.id,
            how,
            number,
            registry=request.registry,
            actor=request.identity.login,
        )
    except ReleaseError as error:
        request.response.status = 400
        request.tm.doom()
        return _held_values(
            request, context, number=number, error=request.localizer.translate(error.message)
        )
    if outcome.kind == "reply":
        message = _("Released as a reply to ${number}.", mapping={"number": outcome.number})
    elif outcome.number:
        message = _("Released as ${number}.", mapping={"number": outcome.number})
    else:
        message = _("Released.")
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(quarantine))


@view_config(context=HeldMail, name="delete", request_method="POST", permission=P.WORK)
def held_delete(context: HeldMail, request: Any) -> Any:
    quarantine = context.__parent__
    try:
        decisions.delete(request.itsm_root, context.id, actor=request.identity.login)
    except ReleaseError as error:
        flash(request, error.message, "warning")
    else:
        flash(request, _("Deleted the mail from ${sender}.", mapping={"sender": context.sender}))
    return HTTPSeeOther(location=request.resource_url(quarantine))
