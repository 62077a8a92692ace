"""The audit: an append-only log of security events, and the administrators' audit page,
CSV and API over it and over what the desk already kept (password attempts, settings)."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.audit.jobs import prune_audit
    from itsm.audit.models import AuditLog
    from itsm.audit.record import Budget, audit_event

    config.add_itsm_root_attribute("audit_log", AuditLog)
    config.add_request_method(audit_event, "audit_event")
    config.registry.itsm_audit_budget = Budget()
    config.add_itsm_job("audit_prune", prune_audit, 24 * 3600)
    config.include("itsm.audit.subscribers")
    config.include("itsm.audit.api")
    config.scan("itsm.audit.views")
