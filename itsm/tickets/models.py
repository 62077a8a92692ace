"""The ticket core shared by incidents, requests, changes and problems."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.security.permissions import P
from itsm.tickets.history import History
from itsm.tickets.journal import Journal

#: Fields whose changes :meth:`Ticket.update` records in the history.
TRACKED_FIELDS = (
    "title",
    "description",
    "impact",
    "urgency",
    "priority",
    "category",
    "group",
    "assignee",
    "requester",
    "cis",
    "watchers",
    "channel",
    "resolution_code",
    "resolution",
    "parent",
    "merged_into",
    "major",
    "tags",
)


class Ticket(Persistent):
    """One unit of work with a number, a requester, a status, a journal and a history.

    Attributes have class-level defaults so records made by older versions gain new fields
    without a migration. Containers of growing data (journal, history) are BTree-backed.

    Each ticket type names its ``workflow`` (states, titles, open states) and what each relation
    may do in its ACL; :attr:`__acl__`, :attr:`status_title` and :attr:`is_open` follow.
    """

    __parent__: Any = None
    __name__: str | None = None

    kind = "ticket"
    number = ""
    seq = 0
    docid = 0
    title = ""
    description = ""
    requester = ""
    channel = "portal"  # portal | api | email | phone | walk_in | chat
    chat = ""  # the key of the conversation it was made from (itsm.chat)
    status = ""
    impact = "medium"
    urgency = "medium"
    priority = 3
    category = ""
    group: str | None = None
    assignee: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_code = ""
    resolution = ""
    cis: tuple[str, ...] = ()
    watchers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # short labels, e.g. set by a macro
    parent: str | None = None  # the major incident this one belongs to
    children: tuple[str, ...] = ()
    merged_into: str | None = None
    major = False
    routing_note = ""  # why it went to this group and person
    reopen_count = 0
    attachments: tuple[Any, ...] = ()  # files attached when the ticket was reported
    approval: Any = None  # itsm.approvals.models.ApprovalProcess (requests and changes)

    workflow: Any = None  # itsm.tickets.workflow.Workflow of the ticket type
    #: What the ACL grants IT staff, the requester and each watcher (admins may do everything);
    #: the approvers of the ticket's approval process may view it.
    agent_permissions: tuple[P, ...] = (P.VIEW, P.COMMENT, P.WORK)
    requester_permissions: tuple[P, ...] = (P.VIEW, P.COMMENT)
    watcher_permissions: tuple[P, ...] = (P.VIEW,)

    def __init__(self, number: str, seq: int, docid: int, created: datetime) -> None:
        self.number = number
        self.seq = seq
        self.docid = docid
        self.created = created
        self.updated = created
        self.journal = Journal()
        self.history = History()

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        acl: list[tuple[str, str, Any]] = [
            (Allow, "role:admin", ALL_PERMISSIONS),
            (Allow, "role:agent", self.agent_permissions),
        ]
        requester = self.acl_requester
        if requester:
            acl.append((Allow, f"user:{requester}", self.requester_permissions))
        if self.watcher_permissions:
            acl += [(Allow, f"user:{login}", self.watcher_permissions) for login in self.watchers]
        if self.approval is not None:
            acl += [(Allow, f"user:{a}", P.VIEW) for a in sorted(self.approval.approver_logins())]
            acl += [(Allow, f"group:{g}", P.VIEW) for g in sorted(self.approval.approver_groups())]
        acl.append((Deny, Everyone, ALL_PERMISSIONS))
        return acl

    @property
    def acl_requester(self) -> str:
        """The login the ACL treats as the requester."""
        return self.requester

    @property
    def status_title(self) -> Any:
        titles = self.workflow.state_titles if self.workflow is not None else {}
        return titles.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.workflow is not None and self.status in self.workflow.open_states

    def update(self, changes: Mapping[str, Any], actor: str | None, now: datetime) -> dict:
        """Set fields, recording each real change in the history; returns what changed."""
        changed = {}
        for key, value in changes.items():
            if key not in TRACKED_FIELDS:
                raise KeyError(f"{key!r} is not a ticket field")
            before = getattr(self, key)
            if before == value:
                continue
            setattr(self, key, value)
            changed[key] = (before, value)
            self.history.record(now, actor, "field", field=key, before=before, after=value)
        if changed:
            self.updated = now
        return changed

    def involves(self, login: str) -> bool:
        """The requester and watchers may read the ticket."""
        return login == self.requester or login in self.watchers

    def index_data(self) -> dict[str, Any]:
        """What the catalog indexes (see itsm.search.catalog)."""
        created = self.created.timestamp() if self.created else 0.0
        return {
            "kind": self.kind,
            "status": self.status,
            "priority": self.priority,
            "group": self.group or "",
            "assignee": self.assignee or "",
            "requester": self.requester,
            "category": self.category,
            "created": created,
            "updated": self.updated.timestamp() if self.updated else created,
            # Priority first, then age: one sortable number for the queues.
            "queue_rank": self.priority * 10_000_000_000 + created,
            "cis": list(self.cis),
            "watchers": list(self.watchers),
            "text": self.search_text(),
        }

    def search_text(self) -> str:
        parts = [self.number, self.title, self.description]
        parts += [entry.body for entry in self.journal if entry.public]
        return "\n".join(p for p in parts if p)
