"""The dashboards by role: live work from the catalog, period figures from the day summaries.

Live (counted at each view from the catalog and the tickets it finds): open work, SLA states,
breaching soon, backlog by age band, open work per agent, waiting too long, a team's requests
and approvals. Period figures (resolved this week, compliance, reassignments) come from
:func:`itsm.reports.kpis.figures`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypatia.query import And, Eq, InRange
from hypatia.query import Any as AnyOf

from itsm.i18n import _
from itsm.reports.filters import Filters
from itsm.reports.kpis import Column, Report, Source, Table, figures
from itsm.security.roles import has_staff_role

#: Age bands of the open backlog: (key, title, lower bound in days, upper bound in days).
AGE_BANDS = (
    ("lt1", _("< 1 day"), 0, 1),
    ("d1_3", _("1–3 days"), 1, 3),
    ("d3_7", _("3–7 days"), 3, 7),
    ("d7_30", _("7–30 days"), 7, 30),
    ("gt30", _("> 30 days"), 30, None),
)
STATES = ("running", "soon", "breached", "paused")
STATE_TITLES = {
    "running": _("On track"),
    "soon": _("Due within 4 hours"),
    "breached": _("Breached"),
    "paused": _("Paused"),
}
SOON = timedelta(hours=4)
#: A ticket waiting for its requester this long is listed on the lead dashboard.
WAITING_TOO_LONG = timedelta(days=3)
LIVE_LIMIT = 2000


@dataclass(frozen=True)
class Viewer:
    """Who looks, and what they may see."""

    login: str
    staff: bool
    admin: bool
    manager: bool
    lead_of: tuple[str, ...]  # groups whose lead this person is

    @property
    def dashboards(self) -> tuple[str, ...]:
        names = []
        if self.staff:
            names.append("agent")
        if self.lead_of or self.admin:
            names.append("lead")
        if self.admin:
            names.append("head")
        if self.manager:
            names.append("manager")
        return tuple(names)


DASHBOARD_TITLES = {
    "agent": _("My work"),
    "lead": _("My team's queues"),
    "head": _("Service desk KPIs"),
    "manager": _("My team's requests"),
}


def viewer_of(root: Any, identity: Any) -> Viewer:
    groups = root["settings"]["groups"]
    login = identity.login
    lead_of = tuple(sorted(name for name, group in groups.items() if group.lead == login))
    return Viewer(
        login,
        has_staff_role(identity.person.roles),
        identity.has_role("admin"),
        identity.has_role("manager"),
        lead_of,
    )


def _docids(root: Any, *queries: Any) -> Any:
    query = queries[0] if len(queries) == 1 else And(*queries)
    return query.execute(resolver=root.catalog_objects.get).ids


def _open_tickets(root: Any, **eq: Any) -> list[Any]:
    catalog = root.catalog
    queries = [Eq(catalog["open"], True)]
    for name, value in eq.items():
        if isinstance(value, list | tuple):
            queries.append(AnyOf(catalog[name], list(value)))
        else:
            queries.append(Eq(catalog[name], value))
    docids = _docids(root, *queries)
    objects = root.catalog_objects
    found = []
    for docid in docids:
        obj = objects.get(docid)
        if obj is not None:
            found.append(obj)
        if len(found) >= LIVE_LIMIT:
            break
    return found


def _classify(catalog: Any, docids: Any, now_ts: float) -> list[tuple[int, int, str, Any]]:
    """(docid, priority, state, resolution due) from the catalog's stored values alone, so a
    queue of hundreds costs no SLA clock computation: "breached" (recorded by the SLA sweep,
    or past its resolution deadline), "paused" (waiting), "soon" (due within 4 hours), "running".
    """
    priority = catalog["priority"]._rev_index
    status = catalog["status"]._rev_index
    breached = catalog["breached"]._rev_index
    resolution_due = catalog["resolution_due"]._rev_index
    soon = SOON.total_seconds()
    out = []
    for docid in docids:
        due = resolution_due.get(docid)
        if breached.get(docid) or (due is not None and due <= now_ts):
            state = "breached"
        elif status.get(docid) == "waiting":
            state = "paused"
        elif due is not None and due - now_ts <= soon:
            state = "soon"
        else:
            state = "running"
        out.append((docid, priority.get(docid, 3), state, due))
    return out


def agent_dashboard(source: Source, viewer: Viewer, filters: Filters) -> Report:
    root, now = source.root, source.now
    catalog = root.catalog
    docids = _docids(
        root,
        Eq(catalog["open"], True),
        Eq(catalog["assignee"], viewer.login),
        Eq(catalog["kind"], "incident"),
    )
    by_priority: dict[int, Counter] = {}
    urgent = []
    for docid, priority, state, due in _classify(catalog, docids, now.timestamp()):
        by_priority.setdefault(priority, Counter())[state] += 1
        if state in ("breached", "soon"):
            urgent.append((due if due is not None else 0.0, docid, state))
    urgent.sort()
    soon = []
    objects = root.catalog_objects
    for due, docid, state in urgent[:50]:
        ticket = objects.get(docid)
        if ticket is not None:
            soon.append(
                {
                    "number": ticket.number,
                    "title": ticket.title,
                    "due": datetime.fromtimestamp(due, UTC) if due else None,
                    "state": state,
                }
            )
    work_rows = [
        {"key": p, "total": sum(c.values()), **{s: c.get(s, 0) for s in STATES}}
        for p, c in sorted(by_priority.items())
    ]
    week = filters.with_(preset="week", start=_week_start(source), end=_today(source))
    resolved = figures(source, week.with_(agent=viewer.login, kind="incident"), "priority")
    resolved_rows = [
        {
            "key": p,
            "resolved": s.get("resolved"),
            "median_business": s.median("resolution_business"),
            "fcr": s.share("fcr", "resolved"),
        }
        for p, s in sorted(resolved.items())
    ]
    tables = [
        Table(
            "my_work",
            _("My open incidents by priority and SLA state"),
            (
                Column("key", _("Priority"), "text"),
                Column("total", _("Open")),
                *(Column(s, STATE_TITLES[s]) for s in STATES),
            ),
            work_rows,
            ("bar", "key", "total"),
        ),
        Table(
            "breaching_soon",
            _("Breaching soon (within 4 hours) or breached"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("due", _("Due"), "datetime"),
                Column("state", _("SLA state"), "state"),
            ),
            soon[:50],
        ),
        Table(
            "resolved_week",
            _("What I resolved this week"),
            (
                Column("key", _("Priority"), "text"),
                Column("resolved", _("Resolved")),
                Column("median_business", _("Median, business time"), "duration"),
                Column("fcr", _("First-contact resolution"), "share"),
            ),
            resolved_rows,
            ("bar", "key", "resolved"),
        ),
    ]
    return Report("agent", DASHBOARD_TITLES["agent"], "", week, "priority", tables)


def _today(source: Source) -> Any:
    zone = source.store.zone if source.store is not None else None
    return source.now.astimezone(zone).date() if zone else source.now.date()


def _week_start(source: Source) -> Any:
    today = _today(source)
    return today - timedelta(days=today.weekday())


def lead_groups(root: Any, viewer: Viewer, wanted: str | None) -> tuple[str, ...]:
    groups = tuple(root["settings"]["groups"].keys()) if viewer.admin else viewer.lead_of
    if wanted:
        return (wanted,) if wanted in groups else ()
    return groups


def lead_dashboard(source: Source, viewer: Viewer, filters: Filters) -> Report:
    root, now = source.root, source.now
    groups = lead_groups(root, viewer, filters.group)
    catalog = root.catalog
    created_rev = catalog["created"]._rev_index
    assignee_rev = catalog["assignee"]._rev_index
    backlog_rows, agent_counts = [], Counter()
    now_ts = now.timestamp()
    for group in groups:
        docids = _docids(root, Eq(catalog["open"], True), Eq(catalog["group"], group))
        bands = Counter()
        for docid in docids:
            created = created_rev.get(docid)
            age_days = (now_ts - created) / 86400 if created else 0
            for key, _title, low, high in AGE_BANDS:
                if age_days >= low and (high is None or age_days < high):
                    bands[key] += 1
                    break
            agent_counts[(group, assignee_rev.get(docid) or "")] += 1
        backlog_rows.append(
            {"key": group, "total": len(docids), **{k: bands.get(k, 0) for k, *_ in AGE_BANDS}}
        )
    agent_rows = [{"group": g, "agent": a, "open": n} for (g, a), n in sorted(agent_counts.items())]
    period = filters.with_(group=None)
    compliance_rows = []
    for group in groups:
        s = figures(source, period.with_(group=group), "").get("")
        if s is None:
            compliance_rows.append({"key": group})
            continue
        compliance_rows.append(
            {
                "key": group,
                "resolved": s.get("resolved"),
                "response_met": s.share("response_met", "response_target"),
                "resolution_met": s.share("resolution_met", "resolution_target"),
                "reassign_mean": s.reassign_mean,
                "reassigned": s.share("reassigned", "resolved"),
            }
        )
    waiting_rows = []
    limit = WAITING_TOO_LONG
    if groups:
        waiting = _open_tickets(root, status="waiting", group=list(groups))
        for ticket in waiting:
            sla = getattr(ticket, "sla", None)
            since = sla.pauses[-1].start if sla is not None and sla.paused else ticket.updated
            if since is not None and now - since >= limit:
                waiting_rows.append(
                    {
                        "number": ticket.number,
                        "title": ticket.title,
                        "group": ticket.group,
                        "assignee": ticket.assignee or "",
                        "since": since,
                    }
                )
    waiting_rows.sort(key=lambda r: r["since"])
    tables = [
        Table(
            "backlog_age",
            _("Open backlog by group and age"),
            (
                Column("key", _("Group"), "text"),
                Column("total", _("Open")),
                *(Column(k, t) for k, t, *_ in AGE_BANDS),
            ),
            backlog_rows,
            ("bar", "key", "total"),
        ),
        Table(
            "open_per_agent",
            _("Open work per agent"),
            (
                Column("group", _("Group"), "text"),
                Column("agent", _("Agent"), "text"),
                Column("open", _("Open")),
            ),
            agent_rows,
        ),
        Table(
            "group_sla",
            _("SLA compliance and reassignments of the group"),
            (
                Column("key", _("Group"), "text"),
                Column("resolved", _("Resolved")),
                Column("response_met", _("Response target met"), "share"),
                Column("resolution_met", _("Resolution target met"), "share"),
                Column("reassign_mean", _("Reassignments, mean"), "number"),
                Column("reassigned", _("Reassigned at least once"), "share"),
            ),
            compliance_rows,
            ("bar", "key", "resolution_met"),
        ),
        Table(
            "waiting_too_long",
            _("Waiting for the customer too long"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("group", _("Group"), "text"),
                Column("assignee", _("Assignee"), "text"),
                Column("since", _("Waiting since"), "datetime"),
            ),
            waiting_rows[:100],
        ),
    ]
    return Report("lead", DASHBOARD_TITLES["lead"], "", filters, "group", tables)


def head_dashboard(source: Source, viewer: Viewer, filters: Filters) -> Report:
    root = source.root
    rows = []
    for kind, title in (
        ("incident", _("Incidents")),
        ("request", _("Requests")),
        ("change", _("Changes")),
    ):
        s = figures(source, filters.with_(kind=kind), "").get("")
        open_now = len(
            _docids(root, Eq(root.catalog["open"], True), Eq(root.catalog["kind"], kind))
        )
        row: dict[str, Any] = {"key": title, "open": open_now}
        if s is not None:
            row.update(
                created=s.get("created"),
                resolved=s.get("resolved"),
                response_mean=s.mean("response_business"),
                resolution_median=s.median("resolution_business"),
                response_met=s.share("response_met", "response_target"),
                resolution_met=s.share("resolution_met", "resolution_target"),
                fcr=s.share("fcr", "resolved"),
                reopen_rate=s.share("reopened", "resolved"),
                csat=s.csat,
            )
        rows.append(row)
    months = figures(source, filters, "month")
    month_rows = [
        {
            "key": m,
            "created": s.get("created"),
            "resolved": s.get("resolved"),
            "resolution_met": s.share("resolution_met", "resolution_target"),
            "median_business": s.median("resolution_business"),
        }
        for m, s in sorted(months.items())
    ]
    tables = [
        Table(
            "kpis",
            _("KPIs by ticket type"),
            (
                Column("key", _("Type"), "text"),
                Column("open", _("Open now")),
                Column("created", _("Created")),
                Column("resolved", _("Resolved")),
                Column("response_mean", _("First response, mean business time"), "duration"),
                Column("resolution_median", _("Resolution, median business time"), "duration"),
                Column("response_met", _("Response target met"), "share"),
                Column("resolution_met", _("Resolution target met"), "share"),
                Column("fcr", _("First-contact resolution"), "share"),
                Column("reopen_rate", _("Reopened"), "share"),
                Column("csat", _("CSAT"), "share"),
            ),
            rows,
            ("bar", "key", "resolved"),
        ),
        Table(
            "by_month",
            _("By month"),
            (
                Column("key", _("Month"), "text"),
                Column("created", _("Created")),
                Column("resolved", _("Resolved")),
                Column("resolution_met", _("Resolution target met"), "share"),
                Column("median_business", _("Resolution, median business time"), "duration"),
            ),
            month_rows,
            ("line", "key", "resolved"),
        ),
    ]
    return Report("head", DASHBOARD_TITLES["head"], "", filters, "", tables)


def manager_dashboard(source: Source, viewer: Viewer, filters: Filters) -> Report:
    root, now = source.root, source.now
    team = sorted(login for login, p in root["people"].items() if p.manager == viewer.login)
    catalog = root.catalog
    objects = root.catalog_objects
    request_rows, approval_rows = [], []
    turnaround, steps = 0.0, 0
    if team:
        for ticket in _open_tickets(root, kind="request", requester=team):
            request_rows.append(
                {
                    "number": ticket.number,
                    "title": ticket.title,
                    "requester": ticket.requester,
                    "status": ticket.status,
                    "created": ticket.created,
                }
            )
        waiting = _docids(
            root,
            Eq(catalog["kind"], "approval"),
            Eq(catalog["status"], "pending"),
            AnyOf(catalog["requester"], team),
        )
        for docid in waiting:
            step = objects.get(docid)
            if step is None:
                continue
            approval_rows.append(
                {
                    "number": step.ticket.number,
                    "requester": step.ticket.requester,
                    "approvers": ", ".join(step.approvers),
                    "opened": step.opened_at,
                    "waiting": (now - step.opened_at).total_seconds() if step.opened_at else None,
                }
            )
        start = filters.start.toordinal()
        created = _docids(
            root,
            Eq(catalog["kind"], "request"),
            AnyOf(catalog["requester"], team),
            InRange(catalog["created"], _ordinal_ts(start, source), now.timestamp()),
        )
        for docid in created:
            ticket = objects.get(docid)
            process = getattr(ticket, "approval", None)
            for step in getattr(process, "steps", ()) or ():
                if step.opened_at is not None and step.decided_at is not None:
                    steps += 1
                    turnaround += (step.decided_at - step.opened_at).total_seconds()
    request_rows.sort(key=lambda r: r["created"])
    approval_rows.sort(key=lambda r: r["opened"] or now)
    tables = [
        Table(
            "team_requests",
            _("My team's open requests"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("requester", _("Requester"), "text"),
                Column("status", _("Status"), "text"),
                Column("created", _("Created"), "datetime"),
            ),
            request_rows[:200],
        ),
        Table(
            "approvals_waiting",
            _("Approvals waiting"),
            (
                Column("number", _("Number"), "text"),
                Column("requester", _("Requester"), "text"),
                Column("approvers", _("Approvers"), "text"),
                Column("opened", _("Asked"), "datetime"),
                Column("waiting", _("Waiting for"), "duration"),
            ),
            approval_rows[:200],
        ),
        Table(
            "approval_turnaround",
            _("Approval turnaround of my team's requests"),
            (
                Column("steps", _("Approval steps decided")),
                Column("mean", _("Mean time to a decision"), "duration"),
            ),
            [{"steps": steps, "mean": turnaround / steps if steps else None}],
        ),
    ]
    return Report("manager", DASHBOARD_TITLES["manager"], "", filters, "", tables)


def _ordinal_ts(ordinal: int, source: Source) -> float:
    from datetime import date, datetime, time

    zone = source.store.zone if source.store is not None else source.now.tzinfo
    return datetime.combine(date.fromordinal(ordinal), time(0), zone).timestamp()


DASHBOARDS = {
    "agent": agent_dashboard,
    "lead": lead_dashboard,
    "head": head_dashboard,
    "manager": manager_dashboard,
}
