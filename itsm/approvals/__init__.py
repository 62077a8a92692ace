"""Approvals shared by requests and changes: steps, decisions, signed mail links."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.approvals.api import step_factory
    from itsm.approvals.summary import add_approval_summary
    from itsm.approvals.timers import ApprovalTiming, approval_timers_job

    config.registry.itsm_approval_summaries = {}
    config.add_directive("add_approval_summary", add_approval_summary)
    config.registry.itsm_approval_timing = ApprovalTiming.from_settings(config.registry.settings)
    config.include("itsm.approvals.api")
    config.add_route("approvals.mine", "/approvals/")
    config.add_route("approvals.delegation", "/approvals/delegation")
    config.add_route("approvals.delegation.remove", "/approvals/delegation/remove")
    config.add_route("approvals.link", "/approvals/{id}/mail")
    config.add_route("approvals.decide", "/approvals/{id}/decide", factory=step_factory)
    config.scan("itsm.approvals.views")
    config.scan("itsm.approvals.delegation_views")
    config.add_itsm_job("approvals_timers", approval_timers_job, 900)
    # The portal (itsm.selfservice, included earlier) lists what waits for people.
    if hasattr(config, "add_portal_waiting"):
        from itsm.approvals.views import portal_waiting

        config.add_portal_waiting(portal_waiting)
