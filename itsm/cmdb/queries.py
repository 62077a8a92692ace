"""Filtered lists of CIs from the catalog; employees see only their own ("My equipment")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from itsm.cmdb.register import CmdbError
from itsm.i18n import _
from itsm.search.catalog import search
from itsm.security.roles import is_staff

#: Query parameters of the list page, the API and the CSV export.
FILTERS = ("class", "status", "owner", "department", "location", "warranty_before", "q", "mine")


def list_cis(
    request: Any, params: Mapping[str, str], *, page: int = 1, per_page: int = 50
) -> tuple[int, list[Any]]:
    """What the caller may see, filtered by ``params`` (see :data:`FILTERS`), by number."""
    query: dict[str, Any] = {"kind": "ci"}
    for param, key in (
        ("class", "ci_class"),
        ("owner", "owner"),
        ("department", "department"),
        ("location", "location"),
    ):
        if params.get(param):
            query[key] = params[param]
    if params.get("status"):
        query["status"] = [s for s in params["status"].split(",") if s]
    if params.get("q"):
        query["text"] = params["q"]
    if params.get("warranty_before"):
        try:
            query["warranty_before"] = date.fromisoformat(params["warranty_before"]).toordinal()
        except ValueError:
            raise CmdbError(
                _("Some fields are not valid."), {"warranty_before": _("A date: YYYY-MM-DD.")}
            ) from None
    if not is_staff(request) or params.get("mine"):
        login = request.identity.login
        if query.get("owner", login) != login:
            return 0, []  # an employee asking for someone else's equipment
        query["owner"] = login
    return search(request.itsm_root, sort="number", page=max(1, page), per_page=per_page, **query)


#: At most this many assets are listed on a person's page (the count shows them all).
ASSETS_SHOWN = 200


def assets_of(root: Any, login: str, limit: int = ASSETS_SHOWN) -> tuple[int, list[Any]]:
    """The CIs ``login`` owns, by number: ``(count, the first `limit`)``, for their page.
    The caller decides who may see them (the person themself and IT staff)."""
    if not login:
        return 0, []
    return search(root, kind="ci", owner=login, sort="number", per_page=limit)


def seats_of(ci: Any) -> tuple[int, int] | None:
    """A licence's ``(used, total)``: used = its ``licensed_to`` relations; None if no seats."""
    total = ci.fields.get("seats")
    if not isinstance(total, int):
        return None
    used = sum(1 for type_, _number in ci.outgoing if type_ == "licensed_to")
    return used, total
