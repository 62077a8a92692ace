"""Who may open which report: IT staff the KPIs, leads their groups, managers their team's
dashboard and their team's KPI pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.i18n import _
from itsm.reports.dashboards import DASHBOARDS, Viewer, viewer_of
from itsm.reports.kpis import REPORTS, Source
from itsm.reports.store import get_store
from itsm.reports.team import TEAM_REPORTS, team_source
from itsm.security.permissions import P


class ReportsContext:
    """``/reports`` and ``/api/v1/reports``: IT staff and managers; employees get 403."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", P.VIEW),
        (Allow, "role:manager", P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]

    def __init__(self, request: Any) -> None:
        self.request = request


def may_open(viewer: Viewer, name: str) -> bool:
    """IT staff open every KPI page; a manager (not IT staff) those of :data:`TEAM_REPORTS`,
    narrowed to their team (:func:`load`)."""
    if name in DASHBOARDS:
        return name in viewer.dashboards
    if name not in REPORTS:
        return False
    return viewer.staff or (viewer.manager and name in TEAM_REPORTS)


def viewer(request: Any) -> Viewer:
    return viewer_of(request.itsm_root, request.identity)


def source(request: Any) -> Source:
    settings = request.registry.itsm_reports
    return Source(
        get_store(request.itsm_root),
        request.itsm_root,
        datetime.now(UTC),
        settings.max_age_minutes * 60.0,
        request.registry.itsm_reports_cache,
    )


def load(request: Any, name: str, params: Any) -> Any:
    """The report or dashboard ``name`` for this request's person; raises ``Forbidden``
    (not theirs), ``KeyError`` (unknown) or ``FilterError`` (bad parameters)."""
    from pyramid.httpexceptions import HTTPForbidden

    from itsm.reports import filters as filter_module
    from itsm.reports.dashboards import DASHBOARDS
    from itsm.reports.kpis import build

    if name not in DASHBOARDS and name not in REPORTS:
        raise KeyError(name)
    who = viewer(request)
    if not may_open(who, name):
        raise HTTPForbidden()
    src = source(request)
    zone = request.registry.itsm_reports.zone
    default = "week" if name == "agent" else "30d"
    kind = REPORTS[name].default_kind if name in REPORTS else "incident"
    chosen = filter_module.parse(params, src.now, zone, default, kind)
    if name in DASHBOARDS:
        return DASHBOARDS[name](src, who, chosen)
    if who.staff:
        return build(name, src, chosen, params.get("by", ""))
    src, team = team_source(src, who.login)
    report = build(name, src, chosen, params.get("by", ""))
    report.scope = _(
        "Only the tickets requested by the ${n} people who report to you: ${team}.",
        mapping={"n": len(team), "team": ", ".join(team) or "—"},
    )
    return report
