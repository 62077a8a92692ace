"""Incidents, their container, and the incident settings kept under ``/settings``."""

from __future__ import annotations

from typing import Any

from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.folder import Folder
from itsm.incidents.workflow import WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.models import Ticket
from itsm.tickets.priority import DEFAULT_MATRIX


class Incident(Ticket):
    """Something is broken; the desk restores service."""

    kind = "incident"
    workflow = WORKFLOW
    sla: Any = None  # itsm.sla.state.TicketSla
    escalation_level = 0
    category_corrected_by: str | None = None
    kb_links: tuple = ()  # numbers of knowledge articles linked by IT staff (itsm.kb)
    caused_by_change = ""  # the change that caused it (itsm.tickets.links)
    raised_changes: tuple = ()  # numbers of changes raised from it (itsm.tickets.links)
    follows_up = ""  # the closed incident a mail reply reopened as this one (itsm.mailin)
    problem = ""  # the problem behind it (itsm.problems.links)
    survey: Any = None  # itsm.selfservice.satisfaction.Survey, made on resolve
    satisfaction: tuple[int, str, Any] | None = None  # (score 1-5, comment, at)

    agent_permissions = (P.VIEW, P.COMMENT, P.WORK, P.INTERNAL)
    requester_permissions = (P.VIEW, P.COMMENT, P.CONFIRM)
    watcher_permissions = (P.VIEW, P.COMMENT)

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        sla = self.sla
        data.update(
            open=self.is_open,
            number=self.number,
            major=bool(self.major),
            parent=self.parent or "",
            sla_next_check=sla.next_check_at() if sla is not None and self.is_open else None,
            response_due=_ts(sla.response_due) if sla is not None else None,
            resolution_due=_ts(sla.resolution_due) if sla is not None else None,
            breached=bool(sla is not None and (sla.breached_response or sla.breached_resolution)),
            satisfaction=self.satisfaction[0] if self.satisfaction else None,
        )
        return data


def _ts(value: Any) -> float | None:
    return value.timestamp() if value is not None else None


class Incidents(Folder):
    """``/incidents``: everyone who logs in may report; each incident has its own ACL."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", (P.VIEW, P.CREATE, P.WORK)),
        (Allow, Authenticated, (P.VIEW, P.CREATE)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class CannedReply(Persistent):
    """A reply template with placeholders: ${name}, ${number}, ${title}, ${agent}."""

    def __init__(
        self, key: str, title: str, body: str, title_ru: str = "", body_ru: str = ""
    ) -> None:
        self.key = key
        self.title = title
        self.body = body
        self.title_ru = title_ru
        self.body_ru = body_ru

    def localized(self, language: str) -> tuple[str, str]:
        if language == "ru" and self.body_ru:
            return self.title_ru or self.title, self.body_ru
        return self.title, self.body


class IncidentSettings(Persistent):
    """``/settings/incidents``: the matrix, routing rules and canned replies. The reopen window
    and auto-close delay are ini settings (``itsm.incidents.reopen_days``, ``auto_close_days``)."""

    __parent__: Any = None
    __name__: str | None = None
    default_group = "Service Desk"
    default_category = "general"
    categories: tuple[str, ...] = ("general", "network", "hardware", "software", "access", "email")

    def __init__(self) -> None:
        self.matrix = dict(DEFAULT_MATRIX)
        self.rules: tuple[Any, ...] = ()  # itsm.incidents.routing.RoutingRule, in order
        self.canned: dict[str, CannedReply] = {}

    macros: Any = None  # key -> Macro (itsm.incidents.macros), made on the first save

    def set_rules(self, rules: Any) -> None:
        self.rules = tuple(rules)


class Macro(Persistent):
    """A named set of actions applied to an incident in one click (itsm.incidents.macros):
    assign to ``group``, send the canned reply ``canned``, add ``tag``, fire ``transition``."""

    title = ""
    group = ""
    canned = ""
    tag = ""
    transition = ""
    resolution_code = "advice"
    created_by: str | None = None

    def __init__(self, key: str, title: str, **fields: Any) -> None:
        self.key = key
        self.title = title
        for name, value in fields.items():
            if not hasattr(type(self), name):
                raise TypeError(f"unknown macro field {name!r}")
            setattr(self, name, value)


class SavedView(Persistent):
    """A queue filter saved under a name by an agent (itsm.incidents.saved_views): for its
    owner alone, or shared with the members of ``group``."""

    group = ""  # "" = only the owner
    created = None

    def __init__(self, id: str, name: str, owner: str, query: dict[str, str]) -> None:  # noqa: A002
        self.id = id
        self.name = name
        self.owner = owner
        self.query = dict(query)


class SavedViews(Persistent):
    """``root.itsm_saved_views``: every saved view, by id (an OOBTree: one bucket per write)."""

    def __init__(self) -> None:
        from BTrees.OOBTree import OOBTree

        self.views = OOBTree()
