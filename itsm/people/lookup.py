"""Finding people: the caller an agent reports for, the colleague a watcher list names.

IT staff search the directory (login, name, mail) and the desk's person records (which also
know the department); everybody else may only find themselves and their manager, so the
look-up never becomes a way for an employee to list the company.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsm.directory.base import DirectoryPerson, DirectoryUnavailable
from itsm.i18n import _
from itsm.people.records import find_or_fetch
from itsm.security.roles import has_staff_role

#: Fewer characters than this find nobody (a two-letter search would list half the company).
MIN_QUERY = 3
MAX_RESULTS = 20


@dataclass(frozen=True)
class Found:
    """One person as the look-up shows them."""

    login: str
    name: str
    mail: str
    department: str
    manager: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "mail": self.mail,
            "department": self.department,
            "manager": self.manager,
        }


class UnknownCaller(ValueError):
    """The login an agent typed as the requester is nobody the directory knows, or the
    directory could not be asked; ``message`` says which."""

    def __init__(self, login: str, message: Any = None) -> None:
        super().__init__(login)
        self.login = login
        self.message = message or _("Unknown person: ${login}.", mapping={"login": login})


def _found(person: Any) -> Found:
    return Found(
        person.login,
        person.name or person.login,
        getattr(person, "email", "") or "",
        person.department or "",
        person.manager,
    )


def _matches(person: Any, needle: str) -> bool:
    mail = getattr(person, "email", None) or getattr(person, "mail", "")
    haystack = f"{person.login} {person.name} {mail} {person.department}"
    return needle in haystack.casefold()


def find_people(
    root: Any, directory: Any, login: str, roles: Any, text: str, limit: int = MAX_RESULTS
) -> list[Found]:
    """People matching ``text`` that ``login`` (holding ``roles``) may find, by name.

    Raises :class:`~itsm.directory.base.DirectoryUnavailable` when the directory is down and
    the caller is IT staff (employees never need it)."""
    needle = text.strip().casefold()
    limit = max(1, min(limit, MAX_RESULTS))
    people = root["people"]
    if not has_staff_role(roles):
        me = people.get(login)
        found = [_found(me)] if me is not None else []
        if me is not None and me.manager:
            manager = people.get(me.manager)
            if manager is not None:
                found.append(_found(manager))
            else:
                # Never logged in: read the directory (a look-up must not write a record).
                try:
                    entry = directory.get(me.manager)
                except DirectoryUnavailable:
                    entry = None
                if entry is not None:
                    found.append(
                        Found(
                            entry.login,
                            entry.display_name,
                            entry.email,
                            entry.department,
                            entry.manager,
                        )
                    )
        return [f for f in found if not needle or _matches(f, needle)][:limit]
    if len(needle) < MIN_QUERY:
        return []
    found: dict[str, Found] = {}
    entry: DirectoryPerson
    for entry in directory.search(text.strip(), limit=limit):
        record = people.get(entry.login)
        if record is not None and not getattr(record, "active", True):
            continue  # made inactive by the directory sync: not someone to pick any more
        found[entry.login] = Found(
            entry.login, entry.display_name, entry.email, entry.department, entry.manager
        )
    # The directory's search does not look at departments; the desk's records do.
    for person in people.values():
        if len(found) >= limit:
            break
        if (
            person.login not in found
            and not person.guest
            and getattr(person, "active", True)
            and _matches(person, needle)
        ):
            found[person.login] = _found(person)
    return sorted(found.values(), key=lambda f: (f.name.casefold(), f.login))[:limit]


def resolve_caller(root: Any, directory: Any, login: str, role_mapping: Any) -> Any:
    """The person record of the caller ``login`` (fetched from the directory when they never
    logged in); raises :class:`UnknownCaller`."""
    login = (login or "").strip()
    try:
        person = find_or_fetch(root["people"], directory, login, role_mapping) if login else None
    except DirectoryUnavailable:
        raise UnknownCaller(login, _("The directory is unavailable, try again shortly.")) from None
    if person is None or person.guest:
        raise UnknownCaller(login)
    return person


def caller_login(request: Any, login: str) -> str:
    """The requester an agent named on a form (empty: the agent), checked against the
    directory; raises :class:`UnknownCaller`."""
    login = (login or "").strip()
    if not login:
        return request.identity.login
    person = resolve_caller(
        request.itsm_root, request.directory, login, request.registry.itsm_settings.roles
    )
    return person.login
