"""Report pages: dashboards by role, KPI pages, CSV and XLSX exports, weekly subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.i18n import _
from itsm.reports import charts, exports
from itsm.reports.access import load, may_open, viewer
from itsm.reports.dashboards import DASHBOARD_TITLES, DASHBOARDS
from itsm.reports.filters import FILTER_DIMS, PRESETS, FilterError
from itsm.reports.formatting import Formatter
from itsm.reports.kpis import BY_OPTIONS, REPORTS
from itsm.reports.subscriptions import set_subscription, subscription_of
from itsm.security.permissions import P

TEMPLATE = "itsm:reports/templates/report.pt"


def formatter(request: Any) -> Formatter:
    return Formatter(
        request.locale_name,
        request.localizer.translate,
        request.registry.itsm_reports.zone,
    )


def _load(request: Any, name: str) -> Any:
    try:
        return load(request, name, request.GET)
    except KeyError:
        raise HTTPNotFound() from None
    except FilterError as error:
        raise HTTPBadRequest(request.localizer.translate(error.message)) from None


def chart_of(table: Any, fmt: Formatter, by: str) -> str | None:
    if table.chart is None or not table.rows:
        return None
    kind, label_key, value_key = table.chart
    column = next(c for c in table.columns if c.key == value_key)
    labels = [
        fmt.key(r.get(label_key), by) if label_key == "key" else fmt(r.get(label_key), "text")
        for r in table.rows
    ]
    values = []
    for row in table.rows:
        value = row.get(value_key)
        if value is not None and column.type == "share":
            value = round(value * 100, 1)
        elif value is not None and column.type == "duration":
            value = round(value / 3600, 2)
        values.append(value)
    unit = {"share": " (%)", "duration": " (h)"}.get(column.type, "")
    return charts.render(kind, fmt.translate(table.title) + unit, labels, values)


def page_values(request: Any, name: str, report: Any) -> dict[str, Any]:
    fmt = formatter(request)
    who = viewer(request)
    query = report.filters.query()
    if report.by:
        query["by"] = report.by
    definition = REPORTS.get(name)
    links = [
        (n, DASHBOARD_TITLES[n], request.route_path("reports.page", name=n)) for n in who.dashboards
    ]
    kpi_links = [
        (n, d.title, request.route_path("reports.page", name=n))
        for n, d in REPORTS.items()
        if may_open(who, n)
    ]
    tables = []
    for index, table in enumerate(report.tables):
        cells = [
            [
                fmt.key(row.get(c.key), report.by)
                if c.key == "key" and c.type == "text"
                else fmt(row.get(c.key), c.type)
                for c in table.columns
            ]
            for row in table.rows
        ]
        tables.append(
            {
                "id": f"t-{table.name}",
                "title": table.title,
                "columns": table.columns,
                "cells": cells,
                "chart": chart_of(table, fmt, report.by),
                "csv": request.route_path("reports.export", name=name, format="csv")
                + "?"
                + urlencode({**query, "table": str(index)}),
            }
        )
    subscribed = None
    if name in ("lead", "head"):
        subscribed = subscription_of(request.itsm_root, who.login, name) is not None
    return {
        "name": name,
        "report": report,
        "title": report.title,
        "definition": report.definition,
        "tables": tables,
        "dashboards": links,
        "kpis": kpi_links,
        "presets": PRESETS,
        "filters": report.filters,
        "filter_dims": [(d, BY_OPTIONS[d]) for d in FILTER_DIMS],
        "by_options": [(b, BY_OPTIONS[b]) for b in (definition.by_options if definition else ())],
        "by": report.by,
        "xlsx": request.route_path("reports.export", name=name, format="xlsx")
        + "?"
        + urlencode(query),
        "api": "/api/v1/reports/" + name + "?" + urlencode(query),
        "subscribed": subscribed,
        "is_dashboard": name in DASHBOARDS,
        "all_kinds": bool(definition and definition.all_kinds),
        "page_url": request.route_path("reports.page", name=name),
        "live_note": _live_note(request, name),
    }


def _live_note(request: Any, name: str) -> Any:
    minutes = request.registry.itsm_reports.max_age_minutes
    if name in ("kb", "problems"):
        return _("Live figures.")
    return _(
        "Open work is live; period figures are at most ${n} minutes old.",
        mapping={"n": f"{minutes:g}"},
    )


@view_config(route_name="reports", request_method="GET", permission=P.VIEW)
def reports_home(context: Any, request: Any) -> Any:
    who = viewer(request)
    if not who.dashboards:
        raise HTTPForbidden()
    first = who.dashboards[0] if not who.admin else "head"
    return HTTPSeeOther(request.route_path("reports.page", name=first))


@view_config(route_name="reports.page", request_method="GET", permission=P.VIEW, renderer=TEMPLATE)
def report_page(context: Any, request: Any) -> dict[str, Any]:
    name = request.matchdict["name"]
    report = _load(request, name)
    return page_values(request, name, report)


@view_config(route_name="reports.export", request_method="GET", permission=P.VIEW)
def report_export(context: Any, request: Any) -> Response:
    name, kind = request.matchdict["name"], request.matchdict["format"]
    if kind not in ("csv", "xlsx"):
        raise HTTPNotFound()
    report = _load(request, name)
    fmt = formatter(request)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if kind == "csv":
        try:
            table = report.tables[int(request.GET.get("table", "0"))]
        except (ValueError, IndexError):
            raise HTTPNotFound() from None
        body = exports.to_csv(report, table, fmt)
        content_type, filename = "text/csv", f"{name}-{table.name}-{stamp}.csv"
    else:
        body = exports.to_xlsx(report, fmt)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{name}-{stamp}.xlsx"
    response = Response(body=body, content_type=content_type)
    if kind == "csv":
        response.charset = "utf-8"
    response.content_disposition = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@view_config(route_name="reports.css", request_method="GET", permission=NO_PERMISSION_REQUIRED)
def chart_css(request: Any) -> Response:
    response = Response(charts.stylesheet(), content_type="text/css", charset="utf-8")
    response.cache_control.max_age = 3600
    return response


@view_config(route_name="reports.subscribe", request_method="POST", permission=P.VIEW)
def subscribe(context: Any, request: Any) -> Any:
    name = request.POST.get("dashboard", "")
    who = viewer(request)
    if name not in ("lead", "head") or not may_open(who, name):
        raise HTTPForbidden()
    on = request.POST.get("subscribe") == "on"
    set_subscription(
        request.itsm_root,
        request.registry.itsm_reports.timezone,
        who.login,
        name,
        on,
        datetime.now(UTC),
    )
    message = (
        _("You will get this dashboard by mail every Monday.")
        if on
        else _("You will no longer get this dashboard by mail.")
    )
    request.session.flash(request.localizer.translate(message), "success")
    return HTTPSeeOther(request.route_path("reports.page", name=name))


__all__ = ["DASHBOARDS"]
