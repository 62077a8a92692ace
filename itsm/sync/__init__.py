"""The directory sync: ``itsm-sync`` and the ``directory_sync`` timer keep the person records
in step with LDAP / Active Directory; ``/admin/inactive`` lists whom it disabled."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.sync.jobs import directory_sync

    settings = config.registry.itsm_settings
    minutes = settings.ldap.sync_interval_minutes
    if settings.directory == "ldap" and minutes > 0:
        config.add_itsm_job("directory_sync", directory_sync, minutes * 60)
    config.scan("itsm.sync.views")
