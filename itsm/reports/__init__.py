"""Reports and dashboards: ticket facts kept at commit, day summaries, charts and exports."""

from functools import partial
from typing import Any


def includeme(config: Any) -> None:
    from itsm.events import ObjectCreated, TicketTransitioned
    from itsm.reports.cache import SummaryCache
    from itsm.reports.jobs import rollup_job, weekly_mail_job
    from itsm.reports.recording import subscriber
    from itsm.reports.settings import parse
    from itsm.reports.store import ReportStore

    settings = parse(config.get_settings())
    config.registry.itsm_reports = settings
    config.registry.itsm_reports_cache = SummaryCache(max_bytes=int(settings.cache_mib * 2**20))
    config.add_itsm_root_attribute("reports", partial(ReportStore, settings.timezone))
    on_ticket_event = subscriber(settings.timezone)
    config.add_subscriber(on_ticket_event, ObjectCreated)
    config.add_subscriber(on_ticket_event, TicketTransitioned)
    config.add_itsm_job("reports_rollup", rollup_job, settings.rollup_seconds)
    config.add_itsm_job("reports_weekly_mail", weekly_mail_job, 300)
    config.include("itsm.reports.api")
    ctx = "itsm.reports.access.ReportsContext"
    config.add_route("reports", "/reports/", factory=ctx)
    config.add_route("reports.css", "/reports/charts.css")
    config.add_route("reports.subscribe", "/reports/subscriptions", factory=ctx)
    config.add_route("reports.export", "/reports/{name}.{format}", factory=ctx)
    config.add_route("reports.page", "/reports/{name}", factory=ctx)
    config.scan("itsm.reports.views")
