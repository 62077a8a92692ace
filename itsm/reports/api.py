"""``GET /api/v1/reports/{name}``: the figures of a report or dashboard, as on its page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pyramid.httpexceptions import HTTPForbidden

from itsm.api.errors import ApiError
from itsm.api.openapi import response as _ok
from itsm.api.scaffold import Endpoints
from itsm.i18n import _
from itsm.reports.access import ReportsContext, load
from itsm.reports.dashboards import DASHBOARDS
from itsm.reports.filters import FILTER_DIMS, KINDS, PRESETS, FilterError
from itsm.reports.kpis import BY_OPTIONS, REPORTS
from itsm.security.permissions import P

NAMES = sorted({*REPORTS, *DASHBOARDS})
REPORT_SCHEMA = {
    "type": "object",
    "required": ["name", "title", "filters", "tables"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "definition": {"type": "string"},
        "scope": {
            "type": ["string", "null"],
            "description": "Whom the figures are narrowed to (a manager's team), else null",
        },
        "by": {"type": "string"},
        "filters": {"type": "object"},
        "tables": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "columns": {"type": "array", "items": {"type": "object"}},
                    "rows": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}


def _json_value(value: Any, translate: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "; ".join(str(_json_value(v, translate)) for v in value)
    if hasattr(value, "interpolate"):
        return translate(value)
    return value


def report_json(report: Any, translate: Any) -> dict[str, Any]:
    """A report as JSON: durations in seconds, shares between 0 and 1, times ISO 8601."""
    f = report.filters
    return {
        "name": report.name,
        "title": translate(report.title),
        "definition": translate(report.definition) if report.definition else "",
        "scope": translate(report.scope) if report.scope else None,
        "by": report.by,
        "filters": {
            "start": f.start.isoformat(),
            "end": f.end.isoformat(),
            "period": f.preset,
            "kind": f.kind,
            **{d: getattr(f, d) for d in FILTER_DIMS},
        },
        "tables": [
            {
                "name": t.name,
                "title": translate(t.title),
                "columns": [
                    {"key": c.key, "title": translate(c.title), "type": c.type} for c in t.columns
                ],
                "rows": [{k: _json_value(v, translate) for k, v in row.items()} for row in t.rows],
            }
            for t in report.tables
        ],
    }


api = Endpoints("itsm.reports.api", ["reports"])
api.route("api.reports", "/api/v1/reports/{name}", ReportsContext)
REPORT_REF = api.schema("Report", REPORT_SCHEMA)


@api.view(
    "api.reports",
    "GET",
    P.VIEW,
    "A report's or dashboard's figures (IT staff; managers their team's)",
    _ok("200", "The report", REPORT_REF),
    description="Reports and dashboards: " + ", ".join(NAMES) + ".",
    parameters=[
        {"name": "period", "in": "query", "schema": {"type": "string", "enum": list(PRESETS)}},
        {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}},
        {
            "name": "kind",
            "in": "query",
            "schema": {"type": "string", "enum": list(KINDS)},
            "description": "all: every kind together (csat, satisfaction, time)",
        },
        {"name": "by", "in": "query", "schema": {"type": "string", "enum": list(BY_OPTIONS)}},
        *({"name": d, "in": "query", "schema": {"type": "string"}} for d in FILTER_DIMS),
    ],
)
def report_view(context: Any, request: Any) -> dict[str, Any]:
    name = request.matchdict["name"]
    try:
        report = load(request, name, request.GET)
    except KeyError:
        raise ApiError(404, "not_found", _("There is no such report.")) from None
    except HTTPForbidden:
        raise ApiError(403, "forbidden", _("You may not see this report.")) from None
    except FilterError as error:
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {error.field: error.message}
        ) from None
    return report_json(report, request.localizer.translate)


def includeme(config: Any) -> None:
    api.include(config)
