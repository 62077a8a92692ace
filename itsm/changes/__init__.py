"""Change management: requests for change, risk, approvals, conflicts and the calendar."""

from typing import Any

from itsm.settings import ConfigError


def _number(settings: Any, name: str, default: str, kind: type = int) -> Any:
    raw = settings.get(name, default)
    try:
        return kind(str(raw).strip() or default)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {raw!r}") from None


def includeme(config: Any) -> None:
    from itsm.changes.jobs import change_reminders_job
    from itsm.changes.summary import change_summary
    from itsm.containers import Changes

    config.add_itsm_container("changes", Changes)
    config.add_approval_summary("change", change_summary)

    settings = config.registry.settings
    quorum = _number(settings, "itsm.changes.board_quorum", "1")
    if quorum < 1:
        raise ConfigError("itsm.changes.board_quorum: at least 1")
    config.registry.itsm_change_board_quorum = quorum
    hours = _number(settings, "itsm.changes.reminder_hours", "24", float)
    if hours <= 0:
        raise ConfigError("itsm.changes.reminder_hours: more than 0")
    config.registry.itsm_change_reminder_hours = hours
    config.include("itsm.changes.api")
    config.scan("itsm.changes.views")
    config.scan("itsm.changes.views_form")
    config.scan("itsm.changes.views_blackout")
    config.include("itsm.changes.api_export")
    from itsm.changes.models import Change
    from itsm.changes.views import change_view
    from itsm.tickets.worklog_web import include_worklog

    include_worklog(
        config,
        folder="changes",
        route="api.change.journal",
        noun="change",
        kind=Change,
        page=change_view,
        template="itsm:changes/templates/change.pt",
    )
    config.scan("itsm.changes.views_export")
    config.include("itsm.changes.api_inform")
    config.scan("itsm.changes.views_inform")
    config.add_subscriber(
        "itsm.changes.informing.on_transitioned", "itsm.events.TicketTransitioned"
    )
    config.add_subscriber(
        "itsm.changes.subscribers.on_approval_finished",
        "itsm.approvals.events.ApprovalFinished",
    )
    config.add_itsm_job("changes_reminders", change_reminders_job, 300)
