"""The timers: job registration (``config.add_itsm_job``), the lease, the scheduler."""

from typing import Any

from itsm.worker.jobs import add_itsm_job
from itsm.worker.lease import Lease


def includeme(config: Any) -> None:
    if not hasattr(config.registry, "itsm_jobs"):
        config.registry.itsm_jobs = {}
    config.add_directive("add_itsm_job", add_itsm_job)
    config.add_itsm_root_attribute("worker_lease", Lease)
