"""Person records, profile pages and API tokens."""

from typing import Any


def person_from_directory(request: Any, entry: Any) -> Any:
    """``request.person_from_directory(entry)``: the person record of a directory entry,
    created or refreshed with its current roles (the login uses it)."""
    from itsm.events import RolesChanged
    from itsm.people.records import refresh_person

    people = request.itsm_root["people"]
    known = people.get(entry.login)
    before = known.roles if known is not None else None
    roles = request.registry.itsm_settings.roles
    person = refresh_person(people, request.directory, entry, roles)
    if before is not None and person.roles != before:
        request.registry.notify(RolesChanged(person, before, person.roles, request))
    return person


def includeme(config: Any) -> None:
    from itsm.folder import Folder
    from itsm.root import People

    config.add_itsm_container("people", People)
    config.add_itsm_container("settings/groups", Folder)
    config.add_request_method(person_from_directory, "person_from_directory")
    config.include("itsm.people.api")
    config.add_static_view("people-static", "itsm:people/static", cache_max_age=3600)
    config.scan("itsm.people.views")
