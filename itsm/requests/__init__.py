"""Service requests: the catalog, per-item forms, approvals and fulfilment tasks."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.containers import Requests, ServiceCatalog
    from itsm.requests.fulfilment import dated_tasks_job
    from itsm.requests.jobs import draft_reminder_job
    from itsm.requests.recurring import recurring_job
    from itsm.requests.summary import request_summary

    config.add_itsm_container("requests", Requests)
    config.add_itsm_container("catalog", ServiceCatalog)
    config.add_approval_summary("request", request_summary)

    config.include("itsm.requests.api")
    config.include("itsm.requests.api_recurring")
    config.add_itsm_job("requests_recurring", recurring_job, 300)
    config.add_itsm_job("requests_draft_reminders", draft_reminder_job, 3600)
    config.add_itsm_job("requests_dated_tasks", dated_tasks_job, 600)
    config.scan("itsm.requests.views")
    config.scan("itsm.requests.views_admin")
    config.scan("itsm.requests.views_tasks")
    config.scan("itsm.requests.export")
    config.include("itsm.requests.api_export")
    from itsm.requests.models import ServiceRequest
    from itsm.requests.views import request_view
    from itsm.tickets.worklog_web import include_worklog

    include_worklog(
        config,
        folder="requests",
        route="api.request.journal",
        noun="request",
        kind=ServiceRequest,
        page=request_view,
        template="itsm:requests/templates/request.pt",
    )
    config.add_subscriber(
        "itsm.requests.subscribers.on_transitioned", "itsm.events.TicketTransitioned"
    )
    config.add_subscriber("itsm.requests.subscribers.on_sla_alert", "itsm.events.SlaAlert")
    config.add_subscriber(
        "itsm.requests.subscribers.on_approval_finished",
        "itsm.approvals.events.ApprovalFinished",
    )
