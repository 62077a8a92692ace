"""``/people/`` (list, for IT staff) and ``/people/LOGIN/`` (profile, preferences, tokens)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.chat.telegram import new_link_code, telegram_settings
from itsm.cmdb.queries import assets_of
from itsm.i18n import _
from itsm.people.models import Person
from itsm.root import People
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.security.tokens import create_token, expiry, revoke_token, token_note, tokens_of


@view_config(context=People, renderer="itsm:people/templates/list.pt", permission=P.VIEW)
def people_list(context: People, request: Any) -> dict[str, Any]:
    query = request.GET.get("q", "").strip().casefold()
    people = [
        p
        for p in context.values()
        if not query or query in f"{p.login} {p.name} {p.email} {p.department}".casefold()
    ]
    people.sort(key=lambda p: p.display_name.casefold())
    return {"people": people[:200], "total": len(people), "q": request.GET.get("q", "")}


def _profile(
    context: Person,
    request: Any,
    new_token: str | None = None,
    token_error: Any = None,
    link_code: str | None = None,
) -> dict[str, Any]:
    own = request.identity is not None and request.identity.login == context.login
    root = request.itsm_root
    staff = is_staff(request)
    assets_total, assets = assets_of(root, context.login) if own or staff else (0, [])
    return {
        "person": context,
        "own": own,
        "tokens": tokens_of(root.tokens, context.login) if own else [],
        "new_token": new_token,
        "token_error": token_error,
        "now": datetime.now(UTC),
        "manager": root["people"].get(context.manager) if context.manager else None,
        "show_assets": own or staff,
        "assets": assets,
        "assets_total": assets_total,
        # Transcripts: the person's chats the reader may see (their own; their groups' for agents).
        "chats": [
            c
            for c in (root["chats"].of_person(context.login) if "chats" in root else ())
            if request.has_permission(P.VIEW, c)
        ][:20],
        "telegram": own and telegram_settings(request.registry).enabled,
        "link_code": link_code,
    }


@view_config(context=Person, renderer="itsm:people/templates/profile.pt", permission=P.VIEW)
def profile(context: Person, request: Any) -> dict[str, Any]:
    return _profile(context, request)


@view_config(
    context=Person,
    name="preferences",
    request_method="POST",
    permission=P.EDIT,
)
def save_preferences(context: Person, request: Any) -> Any:
    language = request.POST.get("language", "")
    if language in request.registry.itsm_settings.locales or language == "":
        context.language = language or None
    mute = request.POST.get("mute_optional_mail") == "on"
    if context.mute_optional_mail != mute:
        context.mute_optional_mail = mute
    if context.has_role("agent"):
        away = request.POST.get("away") == "on"
        if context.away != away:
            context.away = away
    request.session.flash(_("Your preferences are saved."), "success")
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(
    context=Person,
    name="tokens",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:people/templates/profile.pt",
)
def tokens(context: Person, request: Any) -> Any:
    """Make a token (shown once, on this response only) or revoke one of one's own."""
    if request.identity.login != context.login:
        return HTTPSeeOther(location=request.resource_url(context))
    root = request.itsm_root
    revoke = request.POST.get("revoke")
    if revoke:
        owned = dict(tokens_of(root.tokens, context.login))
        if revoke in owned:
            revoke_token(root.tokens, revoke)
            request.session.flash(_("The token is revoked."), "success")
        return HTTPSeeOther(location=request.resource_url(context))
    label = request.POST.get("label", "").strip()[:100]
    now = datetime.now(UTC)
    try:
        day = request.POST.get("expires", "").strip()
        expires = expiry(now, date.fromisoformat(day) if day else None)
    except ValueError:
        request.response.status = 400
        message = _("Choose an expiry date in the future, or none.")
        return _profile(context, request, token_error=message)
    token = create_token(root.tokens, context.login, label, now, expires)
    request.audit_event("token", context.login, "made", token_note(label, expires))
    return _profile(context, request, new_token=token)


@view_config(
    context=Person,
    name="telegram",
    request_method="POST",
    permission=P.EDIT,
    renderer="itsm:people/templates/profile.pt",
)
def telegram(context: Person, request: Any) -> Any:
    """A one-time link code (shown on this response only), unlinking, or where ticket
    notifications go (Telegram or mail); one's own profile only."""
    from datetime import UTC, datetime

    if request.identity.login != context.login:
        return HTTPSeeOther(location=request.resource_url(context))
    root = request.itsm_root
    action = request.POST.get("action", "")
    if action == "code":
        code = new_link_code(root, context.login, datetime.now(UTC))
        return _profile(context, request, link_code=code)
    if action == "unlink" and context.telegram_id:
        root["chats"].telegram_links.pop(str(context.telegram_id), None)
        context.telegram_id = None
        context.notify_telegram = False
        request.session.flash(_("Your Telegram account is unlinked."), "success")
    elif action == "notify":
        wanted = request.POST.get("notify_telegram") == "on" and bool(context.telegram_id)
        if context.notify_telegram != wanted:
            context.notify_telegram = wanted
        request.session.flash(_("Your preferences are saved."), "success")
    return HTTPSeeOther(location=request.resource_url(context))
