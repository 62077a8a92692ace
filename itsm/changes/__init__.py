"""Change management: requests for change, risk, approvals, conflicts and the calendar."""

from typing import Any

from itsm.settings import ConfigError


def includeme(config: Any) -> None:
    raw = config.registry.settings.get("itsm.changes.board_quorum", "1")
    try:
        quorum = int(str(raw).strip() or "1")
    except ValueError:
        raise ConfigError(f"itsm.changes.board_quorum: expected a number, got {raw!r}") from None
    if quorum < 1:
        raise ConfigError("itsm.changes.board_quorum: at least 1")
    config.registry.itsm_change_board_quorum = quorum
    config.include("itsm.changes.api")
    config.scan("itsm.changes.views")
    config.add_subscriber(
        "itsm.changes.subscribers.on_approval_finished",
        "itsm.approvals.events.ApprovalFinished",
    )
