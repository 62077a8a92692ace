"""``/changes/blackouts``: the blackout windows as a page. IT staff and the change board read
them; administrators add and remove windows (the same store as ``PUT
/api/v1/changes/blackouts``). Times are typed in a time zone and kept as aware datetimes."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from itsm.changes.feeds import reads_all_changes
from itsm.changes.models import change_settings, set_blackouts
from itsm.changes.schemas import _local_time, parse_zone
from itsm.containers import Changes
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.ui.forms import flash

BLACKOUTS_PT = "itsm:changes/templates/blackouts.pt"
NAME_MAX = 200


def _values(request: Any, **extra: Any) -> dict[str, Any]:
    if not reads_all_changes(request.identity.person.roles):
        raise HTTPForbidden()
    values = {
        "windows": list(enumerate(change_settings(request.itsm_root).blackouts)),
        "may_edit": bool(request.has_permission(P.CONFIGURE, request.context)),
        "form": {"name": "", "start": "", "end": "", "timezone": "UTC"},
        "errors": {},
    }
    values.update(extra)
    return values


@view_config(
    context=Changes,
    name="blackouts",
    request_method="GET",
    permission=P.VIEW,
    renderer=BLACKOUTS_PT,
)
def blackouts_page(context: Changes, request: Any) -> dict[str, Any]:
    return _values(request)


def check_window(form: dict[str, str]) -> tuple[tuple[str, Any, Any] | None, dict[str, Any]]:
    """``((name, start, end), {})`` for a valid form, else ``(None, {field: message})``."""
    errors: dict[str, Any] = {}
    name = form["name"].strip()
    if not name:
        errors["name"] = _("Required")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most ${n} characters.", mapping={"n": NAME_MAX})
    zone = parse_zone(form["timezone"])
    if zone is None:
        errors["timezone"] = _("Not a time zone (e.g. UTC, +03:00, Europe/Moscow).")
        zone = UTC
    times = {}
    for field in ("start", "end"):
        parsed = _local_time(form[field], zone) if form[field] else None
        if not form[field]:
            errors[field] = _("Required")
        elif parsed is None:
            errors[field] = _("Not a date and time.")
        else:
            times[field] = parsed
    if len(times) == 2 and not times["start"] < times["end"]:
        errors["end"] = _("The end must be after the start.")
    if errors:
        return None, errors
    return (name, times["start"], times["end"]), {}


@view_config(
    context=Changes,
    name="blackouts",
    request_method="POST",
    permission=P.CONFIGURE,
    renderer=BLACKOUTS_PT,
)
def blackouts_change(context: Changes, request: Any) -> Any:
    """Add a window (``add``) or remove one (``remove`` = its index in the sorted list)."""
    current = list(change_settings(request.itsm_root).blackouts)
    if "remove" in request.POST:
        try:
            index = int(request.POST["remove"])
            removed = current.pop(index)
        except (ValueError, IndexError):
            request.response.status = 400
            request.tm.doom()
            return _values(request, errors={"remove": _("That window is gone already.")})
        set_blackouts(request.itsm_root, current)
        flash(request, _("Removed “${name}”.", mapping={"name": removed[0]}))
        return HTTPSeeOther(location=request.resource_url(context, "blackouts"))
    form = {k: str(request.POST.get(k, "")).strip() for k in ("name", "start", "end", "timezone")}
    window, errors = check_window(form)
    if window is None:
        request.response.status = 400
        request.tm.doom()
        return _values(request, form=form, errors=errors)
    set_blackouts(request.itsm_root, [*current, window])
    flash(request, _("Added “${name}”.", mapping={"name": window[0]}))
    return HTTPSeeOther(location=request.resource_url(context, "blackouts"))
