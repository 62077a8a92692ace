"""Problem management: problems behind repeated incidents, known errors, cluster proposals."""

from typing import Any

from itsm.settings import ConfigError


def _number(settings: Any, name: str, default: str, least: int) -> int:
    raw = settings.get(name, default)
    try:
        value = int(str(raw).strip() or default)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < least:
        raise ConfigError(f"{name}: at least {least}")
    return value


def includeme(config: Any) -> None:
    from itsm.containers import Problems
    from itsm.problems.jobs import cluster_job, digest_job

    config.add_itsm_container("problems", Problems)
    settings = config.registry.settings
    config.registry.itsm_problems_cluster_min = _number(
        settings, "itsm.problems.cluster_min", "5", 2
    )
    config.registry.itsm_problems_cluster_days = _number(
        settings, "itsm.problems.cluster_days", "7", 1
    )
    config.include("itsm.problems.api")
    config.scan("itsm.problems.views")
    config.scan("itsm.problems.views_incidents")
    config.add_itsm_job("problems_clusters", cluster_job, 900)
    config.add_itsm_job("problems_digest", digest_job, 900)
