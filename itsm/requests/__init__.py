"""Service requests: the catalog, per-item forms, approvals and fulfilment tasks."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.requests.recurring import recurring_job
    from itsm.requests.reminders import draft_reminder_job

    config.include("itsm.requests.api")
    config.include("itsm.requests.recurring_api")
    config.add_itsm_job("requests_recurring", recurring_job, 300)
    config.add_itsm_job("requests_draft_reminders", draft_reminder_job, 3600)
    config.scan("itsm.requests.views")
    config.add_subscriber(
        "itsm.requests.subscribers.on_approval_finished",
        "itsm.approvals.events.ApprovalFinished",
    )
