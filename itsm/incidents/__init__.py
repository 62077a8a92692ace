"""Incident management: states, intake, routing, views and API."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.incidents.jobs import auto_close_job
    from itsm.incidents.models import Incidents, IncidentSettings, SavedViews
    from itsm.incidents.views import home_section
    from itsm.tickets.presence import Presence

    config.add_itsm_container("incidents", Incidents)
    config.add_itsm_container("settings/incidents", IncidentSettings)
    # Before the incidents' API: its /api/v1/incidents/bulk must win over …/{number}.
    config.include("itsm.incidents.api_workday")
    config.include("itsm.incidents.api")
    config.add_static_view("incidents-static", "itsm:incidents/static", cache_max_age=3600)
    config.scan("itsm.incidents.views")
    config.add_request_method(
        "itsm.incidents.expected.form_table", "itsm_expected_wait", reify=True
    )
    config.add_request_method("itsm.incidents.expected.ticket_words", "itsm_ticket_wait")
    config.include("itsm.incidents.api_expected")
    config.include("itsm.incidents.api_export")
    config.scan("itsm.incidents.views_export")
    for module in ("views_bulk", "views_saved", "views_watchers", "views_macros"):
        config.scan(f"itsm.incidents.{module}")
    config.add_itsm_root_attribute("itsm_saved_views", SavedViews)
    # Who has an incident open (itsm.incidents.collisions): this process's memory only.
    config.registry.itsm_presence = Presence()
    config.add_itsm_home_section(home_section)
    config.add_itsm_job("incidents_auto_close", auto_close_job, 3600)
    config.add_subscriber("itsm.incidents.subscribers.on_sla_alert", "itsm.events.SlaAlert")
