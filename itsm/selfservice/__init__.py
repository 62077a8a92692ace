"""See ARCHITECTURE.md (itsm/selfservice/)."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.selfservice.portal import (
        add_portal_waiting,
        incidents_waiting,
        portal_sections,
        requests_to_rate,
    )

    config.add_directive("add_portal_waiting", add_portal_waiting)
    config.add_portal_waiting(incidents_waiting)
    config.add_portal_waiting(requests_to_rate)
    config.add_itsm_home_section(portal_sections)
    config.add_subscriber(
        "itsm.selfservice.satisfaction.on_transitioned", "itsm.events.TicketTransitioned"
    )
    config.include("itsm.selfservice.api")
    config.scan("itsm.selfservice.views")
    config.include("itsm.selfservice.views_password")
