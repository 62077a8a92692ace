"""The CMDB: configuration items, their classes, relations, impact, import and export."""

from typing import Any

from itsm.settings import ConfigError


def _find_person(request: Any) -> Any:
    """``request.find_person(login)``: the person record, fetched from the directory if
    needed; None for a login nobody has."""

    def find(login: str) -> Any:
        from itsm.people.records import find_or_fetch

        return find_or_fetch(
            request.itsm_root["people"],
            request.directory,
            login,
            request.registry.itsm_settings.roles,
        )

    return find


def _ci_impact(request: Any) -> Any:
    """``request.ci_impact(numbers)``: the Impact (``cis``, ``people``) of an incident's CIs,
    for the incident page."""

    def impact(numbers: Any) -> Any:
        from itsm.cmdb.impact import impact_of_numbers

        return impact_of_numbers(request.itsm_root, numbers)

    return impact


def includeme(config: Any) -> None:
    from itsm.containers import Cmdb

    config.add_itsm_container("cmdb", Cmdb)
    config.add_request_method(_find_person, "find_person", reify=True)
    config.add_request_method(_ci_impact, "ci_impact", reify=True)
    from itsm.cmdb.jobs import DEFAULT_GROUP, licence_expiry_job
    from itsm.cmdb.staged_import import DEFAULT_MAX_BYTES

    settings = config.registry.settings or {}
    config.registry.itsm_cmdb_licence_group = settings.get("itsm.cmdb.licence_group", DEFAULT_GROUP)
    config.add_itsm_job("cmdb_licence_expiry", licence_expiry_job, 6 * 3600)
    raw = str(settings.get("itsm.cmdb.import_max_bytes", DEFAULT_MAX_BYTES)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"itsm.cmdb.import_max_bytes: expected a number of bytes, got {raw!r}")
    config.registry.itsm_cmdb_import_max_bytes = int(raw)
    config.include("itsm.cmdb.api")
    config.scan("itsm.cmdb.views")
    config.scan("itsm.cmdb.import_views")
