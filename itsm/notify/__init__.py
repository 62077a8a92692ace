"""Notifications: the transactional outbox and its delivery job."""

from typing import Any

from itsm.notify.delivery import deliver_outbox


def includeme(config: Any) -> None:
    from itsm.notify.outbox import Outbox

    config.add_itsm_root_attribute("outbox", Outbox)
    config.add_itsm_job("deliver_outbox", deliver_outbox, 15)
