"""Knowledge base pages: search and list, read and vote, write, versions, and files.

Thin, like the incident views: read the form, call :mod:`itsm.kb.authoring` or
:mod:`itsm.kb.feedback`, redirect with a flash. No GET writes anything.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import colander
from pyramid.httpexceptions import HTTPNoContent, HTTPNotFound, HTTPSeeOther
from pyramid.response import FileIter, Response
from pyramid.view import view_config

from itsm.containers import KnowledgeBase
from itsm.i18n import _
from itsm.kb import authoring, feedback, readership
from itsm.kb.diff import line_diff
from itsm.kb.jobs import overdue_articles
from itsm.kb.models import Article
from itsm.kb.schemas import read_form
from itsm.kb.search import search_articles, snippet
from itsm.kb.workflow import STATE_TITLES, STATES, WORKFLOW
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentRefused, AttachmentTooLarge, make_attachment
from itsm.tickets.workflow import TransitionError
from itsm.ui.downloads import content_disposition
from itsm.ui.forms import flash, translate

PER_PAGE = 20
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
LANGUAGE_TITLES = {"en": _("English"), "ru": _("Russian")}
AUDIENCE_TITLES = {"everyone": _("Everyone"), "staff": _("IT staff only")}
DONE = {
    "submit": _("The article is sent for review."),
    "reject": _("The article is back in draft."),
    "publish": _("The article is published."),
    "retire": _("The article is retired."),
    "revive": _("The article is back in draft."),
}


def _common(request: Any) -> dict[str, Any]:
    return {
        "staff": is_staff(request),
        "state_titles": STATE_TITLES,
        "language_titles": LANGUAGE_TITLES,
        "audience_titles": AUDIENCE_TITLES,
    }


@view_config(
    context=KnowledgeBase,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:kb/templates/list.pt",
)
def list_view(context: KnowledgeBase, request: Any) -> dict[str, Any]:
    staff = is_staff(request)
    q = request.GET.get("q", "")[:500]
    language = request.GET.get("language", "")
    language = language if language in LANGUAGE_TITLES else ""
    status = request.GET.get("status", "") if staff else ""
    status = status if status in STATES else ""
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    total, articles = search_articles(
        request.itsm_root,
        text=q,
        staff=staff,
        status=status or None,
        language=language or None,
        page=page,
        per_page=PER_PAGE,
    )
    overdue = []
    if staff:
        today = datetime.now(UTC).date()
        overdue = overdue_articles(request.itsm_root, today, request.identity.login)
    return {
        **_common(request),
        "q": q,
        "language": language,
        "status": status,
        "states": [(s, STATE_TITLES[s]) for s in STATES],
        "results": [(a, snippet(a.text, q)) for a in articles],
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / PER_PAGE)),
        "overdue": overdue,
    }


# -- reading ------------------------------------------------------------------------------


@view_config(
    context=Article,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:kb/templates/article.pt",
)
def article_view(context: Article, request: Any) -> dict[str, Any]:
    login = request.identity.login if request.identity else None
    kb = request.itsm_root["kb"]
    translation = kb.get(context.translation) if context.translation else None
    if translation is not None and not request.has_permission(P.VIEW, translation):
        translation = None
    ctx = ActionContext.from_request(request)
    helpful, not_helpful = context.vote_counts()
    can_edit = bool(request.has_permission(P.EDIT, context))
    views_30d = 0
    if can_edit:
        today = date.fromordinal(
            readership.day_of(datetime.now(UTC), readership.zone(request.registry))
        )
        log = readership.get_readership(request.itsm_root)
        views = readership.views_between(log, today - timedelta(days=29), today)
        views_30d = views.get(context.number, 0)
    return {
        **_common(request),
        "article": context,
        "translation": translation,
        "my_vote": feedback.my_vote(context, login),
        "helpful": helpful,
        "not_helpful": not_helpful,
        "can_edit": can_edit,
        "views_30d": views_30d,
        "transitions": WORKFLOW.available(context.status, ctx.roles),
    }


def _read(request: Any, kind: str, what: str) -> HTTPNoContent:
    """The pages' beacon: count a view or a search (IT staff's reading is work, not a
    question: counted in views, left out of deflection)."""
    if what and request.identity is not None:
        readership.record(
            request.itsm_root,
            request.registry,
            request.identity.login,
            kind,
            what,
            datetime.now(UTC),
            deflection=not is_staff(request),
        )
    return HTTPNoContent()


@view_config(context=Article, name="viewed", request_method="POST", permission=P.VIEW)
def viewed_view(context: Article, request: Any) -> HTTPNoContent:
    """``POST /kb/KB-000001/@@viewed``: sent by kb.js once the article is shown."""
    return _read(request, readership.VIEW, context.number)


@view_config(context=KnowledgeBase, name="searched", request_method="POST", permission=P.VIEW)
def searched_view(context: KnowledgeBase, request: Any) -> HTTPNoContent:
    """``POST /kb/@@searched`` (``q``): sent by kb.js when search results are shown."""
    q = readership.normalise_query(request.POST.get("q", ""))
    return _read(request, readership.SEARCH, q)


@view_config(context=Article, name="vote", request_method="POST", permission=P.VOTE)
def vote_view(context: Article, request: Any) -> HTTPSeeOther:
    feedback.vote(context, request.identity.login, request.POST.get("helpful") == "yes")
    flash(request, _("Thank you for your feedback."))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=Article, name="files", request_method="GET", permission=P.VIEW)
def file_view(context: Article, request: Any) -> Response:
    """An image of the article: ``/kb/KB-000001/files/screen.png``."""
    if len(request.subpath) != 1:
        raise HTTPNotFound()
    file = context.attachments.get(request.subpath[0])
    if file is None:
        raise HTTPNotFound()
    inline = file.content_type in IMAGE_TYPES
    response = Response(content_type=file.content_type if inline else "application/octet-stream")
    response.app_iter = FileIter(file.blob.open("r"))
    response.content_length = file.size
    if not inline:
        response.headers["Content-Disposition"] = content_disposition(file.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# -- writing ------------------------------------------------------------------------------


def _form_values(article: Article | None, request: Any) -> dict[str, Any]:
    if article is None:
        return {
            "title": "",
            "body": "",
            "category": "",
            "tags": "",
            "language": request.locale_name if request.locale_name in LANGUAGE_TITLES else "en",
            "translation": "",
            "audience": "everyone",
            "owner": request.identity.login,
            "review_date": "",
            "note": "",
        }
    return {
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "tags": ", ".join(article.tags),
        "language": article.language,
        "translation": article.translation or "",
        "audience": article.audience,
        "owner": article.owner or "",
        "review_date": article.review_date.isoformat() if article.review_date else "",
        "note": "",
    }


def _edit_page(request: Any, article: Any, values: dict, errors: dict, error: Any = None) -> dict:
    return {
        **_common(request),
        "article": article,
        "values": values,
        "errors": {k: translate(request, v) for k, v in errors.items()},
        "error": error,
        "action": request.resource_url(article, "edit")
        if article is not None
        else request.resource_url(request.context, "new"),
    }


def _store_images(request: Any, article: Article) -> list[str]:
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    names = []
    for upload in request.POST.getall("images"):
        if not getattr(upload, "filename", None) or not hasattr(upload, "file"):
            continue
        file = make_attachment(upload.filename, upload.file, max_bytes, upload.type or "")
        if file.content_type not in IMAGE_TYPES:
            raise AttachmentTooLarge(file.filename)  # refused like an oversized file
        article.attachments[file.filename] = file
        names.append(file.filename)
    return names


def _save(request: Any, article: Article | None, values: dict) -> Any:
    """Validate and save the form; a dict to re-render on error, else the redirect."""
    try:
        appstruct = read_form(values)
    except colander.Invalid as invalid:
        request.response.status = 400
        return _edit_page(
            request, article, values, invalid.asdict(), _("Please correct the marked fields.")
        )
    fields = {k: v for k, v in appstruct.items() if k != "note"}
    fields["tags"] = authoring.clean_tags(fields["tags"])
    fields["owner"] = fields["owner"] or None
    fields["translation"] = fields["translation"].upper() or None
    ctx = ActionContext.from_request(request)
    try:
        if article is None:
            source = request.POST.get("source_incident", "")
            incident = request.itsm_root["incidents"].get(source) if source else None
            if incident is not None and request.has_permission(P.WORK, incident):
                fields["source_incident"] = incident.number
            article = authoring.create_article(ctx, fields)
            if incident is not None and fields.get("source_incident"):
                authoring.link_incident(ctx, article, incident)
            done = _("Article ${number} is saved as a draft.", mapping={"number": article.number})
        else:
            authoring.update_article(ctx, article, fields, note=appstruct["note"])
            done = _("The article is saved.")
        images = _store_images(request, article)
    except authoring.ArticleError as error:
        request.tm.doom()
        request.response.status = 400
        return _edit_page(request, article, values, error.fields, error.message)
    except AttachmentRefused as error:
        request.tm.doom()
        request.response.status = 400
        message = _(
            "Only images (PNG, JPEG, GIF, WebP) within the size limit: ${name}",
            mapping={"name": str(error)},
        )
        return _edit_page(request, article, values, {}, message)
    if images:
        done = _(
            "The article is saved with ${n} image(s): insert them as ![text](files/NAME).",
            mapping={"n": len(images)},
        )
    flash(request, done)
    return HTTPSeeOther(location=request.resource_url(article))


def _posted(request: Any) -> dict[str, str]:
    keys = ("title", "body", "category", "tags", "language", "translation", "audience", "owner")
    return {k: request.POST.get(k, "") for k in (*keys, "review_date", "note")}


@view_config(
    context=KnowledgeBase,
    name="new",
    permission=P.CREATE,
    renderer="itsm:kb/templates/edit.pt",
)
def new_view(context: KnowledgeBase, request: Any) -> Any:
    if request.method == "POST":
        return _save(request, None, _posted(request))
    values = _form_values(None, request)
    source = request.GET.get("incident", "").upper()
    incident = request.itsm_root["incidents"].get(source) if source else None
    error = None
    if incident is not None and request.has_permission(P.WORK, incident):
        try:
            draft = authoring.draft_from_incident(incident)
        except authoring.ArticleError as refusal:
            error = refusal.message
        else:
            values.update(title=draft["title"], body=draft["body"], category=draft["category"])
            values["source_incident"] = incident.number
    return _edit_page(request, None, values, {}, error)


@view_config(context=Article, name="edit", permission=P.EDIT, renderer="itsm:kb/templates/edit.pt")
def edit_view(context: Article, request: Any) -> Any:
    if request.method == "POST":
        return _save(request, context, _posted(request))
    return _edit_page(request, context, _form_values(context, request), {})


@view_config(context=Article, name="transition", request_method="POST", permission=P.EDIT)
def transition_view(context: Article, request: Any) -> HTTPSeeOther:
    name = request.POST.get("name", "")
    try:
        authoring.transition(ActionContext.from_request(request), context, name)
    except TransitionError as error:
        request.tm.doom()
        flash(request, error.message, "danger")
    else:
        flash(request, DONE.get(name, _("The changes are saved.")))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=Article, name="link", request_method="POST", permission=P.WORK)
def link_view(context: Article, request: Any) -> HTTPSeeOther:
    number = request.POST.get("incident", "").strip().upper()
    incident = request.itsm_root["incidents"].get(number) if number else None
    if incident is None or not request.has_permission(P.WORK, incident):
        flash(request, _("No such incident."), "danger")
    else:
        authoring.link_incident(ActionContext.from_request(request), context, incident)
        flash(request, _("The article is linked to ${number}.", mapping={"number": number}))
    return HTTPSeeOther(location=request.resource_url(context))


# -- versions -----------------------------------------------------------------------------


@view_config(
    context=Article,
    name="versions",
    request_method="GET",
    permission=P.EDIT,
    renderer="itsm:kb/templates/versions.pt",
)
def versions_view(context: Article, request: Any) -> dict[str, Any]:
    versions = list(context.version_list())
    rows = []
    previous = None
    for version in versions:
        before = previous.body if previous else ""
        title_changed = previous is not None and previous.title != version.title
        rows.append((version, line_diff(before, version.body), title_changed, previous))
        previous = version
    rows.reverse()
    return {**_common(request), "article": context, "rows": rows, "latest": len(versions)}


@view_config(context=Article, name="restore", request_method="POST", permission=P.EDIT)
def restore_view(context: Article, request: Any) -> HTTPSeeOther:
    try:
        number = int(request.POST.get("version", ""))
        authoring.restore_version(ActionContext.from_request(request), context, number)
    except (ValueError, authoring.ArticleError):
        request.tm.doom()
        flash(request, _("No such version."), "danger")
        return HTTPSeeOther(location=request.resource_url(context, "versions"))
    flash(request, _("Version ${n} is current again.", mapping={"n": number}))
    return HTTPSeeOther(location=request.resource_url(context))
