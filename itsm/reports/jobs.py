"""The reports' timers: keep day summaries current and send the weekly dashboard mails."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from itsm.i18n import _, localizer_for
from itsm.reports import exports
from itsm.reports.dashboards import DASHBOARD_TITLES, DASHBOARDS, Viewer
from itsm.reports.filters import Filters
from itsm.reports.formatting import Formatter
from itsm.reports.kpis import Source
from itsm.reports.recording import repair
from itsm.reports.store import ensure_store, get_store
from itsm.security.roles import has_staff_role

#: Days summarised per transaction (a catch-up after an import commits in slices).
DAYS_PER_TRANSACTION = 60
#: A month's stored summary is rewritten at most this often.
MONTH_REFRESH_SECONDS = 24 * 3600
#: Seconds the repair pass looks back before its last mark (clock skew between writers).
REPAIR_MARGIN = 120.0


def rollup_job(ctx: Any) -> str | None:
    """Repair facts of tickets changed without a transition, then refresh stale days."""
    settings = ctx.registry.itsm_reports
    now = ctx.now()

    def repair_pass(root: Any) -> int:
        store = get_store(root)
        since = getattr(store, "repaired_until", 0.0) if store is not None else 0.0
        changed, newest = repair(root, max(0.0, since - REPAIR_MARGIN), settings.timezone)
        store = get_store(root)
        if store is not None and newest > since:
            store.repaired_until = newest
        return changed

    repaired = ctx.transact(repair_pass)
    refreshed = 0
    while True:

        def refresh(root: Any) -> int:
            store = get_store(root)
            if store is None:
                return 0
            days = store.stale_days()[:DAYS_PER_TRANSACTION]
            for day in days:
                store.refresh(day, now)
            return len(days)

        done = ctx.transact(refresh)
        refreshed += done
        if done < DAYS_PER_TRANSACTION:
            break

    def refresh_months(root: Any) -> int:
        store = get_store(root)
        if store is None:
            return 0
        # A month's summary is large: rewritten at most once a day (until then a stale month
        # is read day by day, which is right, only slower).
        months = [
            m for m in store.stale_months() if store.month_age(m, now) >= MONTH_REFRESH_SECONDS
        ][:3]
        for month in months:
            store.refresh_month(month, now)
        return len(months)

    for _round in range(100):  # bounded: three months per transaction
        if not ctx.transact(refresh_months):
            break
    if not repaired and not refreshed:
        return None
    return f"{repaired} ticket(s) repaired, {refreshed} day(s) summarised"


def refresh_all(root: Any, now: datetime) -> int:
    """Summarise every stale day (the rebuild command, in one transaction)."""
    store = get_store(root)
    if store is None:
        return 0
    days = store.stale_days()
    for day in days:
        store.refresh(day, now)
    for month in store.stale_months():
        store.refresh_month(month, now)
    return len(days)


def week_of(now: datetime, settings: Any) -> tuple[datetime, int] | None:
    """The start of this week's mail time (weekday and hour in the zone) if it has passed."""
    local = now.astimezone(settings.zone)
    monday = local.date() - timedelta(days=local.weekday())
    due_day = monday + timedelta(days=settings.mail_weekday)
    due = datetime.combine(due_day, time(settings.mail_hour), settings.zone)
    if local < due:
        return None
    return due, monday.toordinal()


def viewer_from_person(root: Any, person: Any) -> Viewer:
    roles = set(person.roles)
    groups = root["settings"]["groups"]
    lead_of = tuple(sorted(n for n, g in groups.items() if g.lead == person.login))
    return Viewer(
        person.login,
        has_staff_role(roles - {"system"}),
        "admin" in roles,
        "manager" in roles,
        lead_of,
    )


def weekly_mail_job(ctx: Any) -> str | None:
    """Once a week (Monday 08:00 in the reports' zone): each subscriber's dashboard by mail,
    with its first table as CSV. Recorded in the same transaction as the queued mails."""
    settings = ctx.registry.itsm_reports
    now = ctx.now()
    due = week_of(now, settings)
    if due is None:
        return None
    _due_at, week = due

    def send(root: Any) -> int:
        store = get_store(root)
        if store is None or store.mailed_week >= week or not len(store.subscriptions):
            return 0
        store = ensure_store(root, settings.timezone)
        sent = 0
        for subscription in list(store.subscriptions.values()):
            person = root["people"].get(subscription.login)
            if person is None or not person.email:
                continue
            viewer = viewer_from_person(root, person)
            if subscription.dashboard not in viewer.dashboards:
                continue
            sent += _send_one(ctx, root, store, person, viewer, subscription.dashboard, now)
        store.mailed_week = week
        return sent

    sent = ctx.transact(send)
    return f"{sent} weekly report(s) queued" if sent else None


def _send_one(
    ctx: Any, root: Any, store: Any, person: Any, viewer: Viewer, name: str, now: datetime
) -> int:
    from itsm.notify.outbox import get_outbox
    from itsm.notify.render import mail_language

    settings = ctx.registry.itsm_reports
    language = mail_language(ctx.registry, person.language)
    localizer = localizer_for(ctx.registry, language)
    fmt = Formatter(language, localizer.translate, settings.zone)
    today = now.astimezone(settings.zone).date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    period = Filters(last_monday, last_monday + timedelta(days=6), preset="")
    source = Source(store, root, now, settings.max_age_minutes * 60.0)
    report = DASHBOARDS[name](source, viewer, period)
    title = localizer.translate(DASHBOARD_TITLES[name])
    lines = [
        f"{title}: {fmt(period.start, 'date')} – {fmt(period.end, 'date')}",
        "",
    ]
    for table in report.tables:
        lines.append(localizer.translate(table.title))
        lines.append("=" * len(lines[-1]))
        headers = [localizer.translate(c.title) for c in table.columns]
        for row in table.rows:
            cells = [
                fmt.key(row.get(c.key), report.by)
                if c.key == "key" and c.type == "text"
                else fmt(row.get(c.key), c.type)
                for c in table.columns
            ]
            lines.append("; ".join(f"{h}: {v}" for h, v in zip(headers, cells, strict=True)))
        if not table.rows:
            lines.append(localizer.translate(_("No tickets in this period.")))
        lines.append("")
    public_url = ctx.registry.itsm_settings.public_url.rstrip("/")
    lines.append(f"{public_url}/reports/{name}")
    attachment = exports.to_csv(report, report.tables[0], fmt)
    filename = f"{name}-{period.start.isoformat()}.csv"
    get_outbox(root).add(
        [person.email],
        localizer.translate(_("Weekly report: ${title}", mapping={"title": title})),
        "\n".join(lines),
        now=now.astimezone(UTC),
        kind="weekly_report",
        attachments=[(filename, "text/csv", attachment)],
    )
    return 1
