"""The delegation page: name a deputy for a date range, see and remove one's delegations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.approvals.delegation import (
    add_delegation,
    delegation_errors,
    delegations_of,
    remove_delegation,
)
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.ui.forms import flash, translate

DELEGATION_PT = "itsm:approvals/templates/delegation.pt"
#: The person picker lists at most this many people; others are typed in by login.
PICKER_LIMIT = 500


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _values(request: Any, **extra: Any) -> dict[str, Any]:
    root, login = request.itsm_root, request.identity.login
    people = root["people"]
    today = datetime.now(UTC).date()
    values: dict[str, Any] = {
        "delegations": [
            {
                "delegation": d,
                "deputy_name": people[d.deputy].display_name if d.deputy in people else d.deputy,
                "state": "active" if d.active(today) else ("past" if d.end < today else "later"),
            }
            for d in delegations_of(root, login)
        ],
        "people": [
            (p.login, p.display_name)
            for p in sorted(people.values(), key=lambda p: p.display_name.casefold())
            if p.login != login
        ][:PICKER_LIMIT],
        "form": {"deputy": "", "start": today.isoformat(), "end": ""},
        "errors": {},
        "message": None,
    }
    values.update(extra)
    return values


@view_config(
    route_name="approvals.delegation",
    request_method="GET",
    permission=P.VIEW,
    renderer=DELEGATION_PT,
)
def delegation_page(context: Any, request: Any) -> dict[str, Any]:
    return _values(request)


@view_config(
    route_name="approvals.delegation",
    request_method="POST",
    permission=P.VIEW,
    renderer=DELEGATION_PT,
)
def delegation_add(context: Any, request: Any) -> Any:
    root, login = request.itsm_root, request.identity.login
    form = {name: request.POST.get(name, "").strip() for name in ("deputy", "start", "end")}
    start, end = _date(form["start"]), _date(form["end"])
    errors = delegation_errors(
        root, login, form["deputy"], start, end, today=datetime.now(UTC).date()
    )
    if errors:
        request.response.status = 400
        return _values(
            request,
            form=form,
            errors={k: translate(request, v) for k, v in errors.items()},
            message=translate(request, _("Some fields are not valid.")),
        )
    add_delegation(root, login, form["deputy"], start, end)  # type: ignore[arg-type]
    flash(request, _("Your deputy is named."))
    return HTTPSeeOther(location=request.route_url("approvals.delegation"))


@view_config(route_name="approvals.delegation.remove", request_method="POST", permission=P.VIEW)
def delegation_remove(context: Any, request: Any) -> HTTPSeeOther:
    start = _date(request.POST.get("start", ""))
    removed = start is not None and remove_delegation(
        request.itsm_root, request.identity.login, start
    )
    if removed:
        flash(request, _("The delegation is removed."))
    else:
        request.tm.doom()
        flash(request, _("You have no delegation starting on that day."), "danger")
    return HTTPSeeOther(location=request.route_url("approvals.delegation"))
