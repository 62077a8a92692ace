"""SLA: business calendars, policies, per-ticket clocks, and the warning/breach sweep."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.sla.models import ensure_sla_settings
    from itsm.sla.sweep import sla_sweep_job

    config.add_itsm_setup("sla", ensure_sla_settings)
    config.add_itsm_job("sla_sweep", sla_sweep_job, 60)
