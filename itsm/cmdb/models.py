"""Configuration items and their relations.

A relation is stored on both ends (``outgoing`` on the source, ``incoming`` on the target,
each an OOBTree keyed by ``(type, other number)``), so a CI's neighbours and an impact walk
read only the CIs they visit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.cmdb.workflow import ACTIVE_STATES, STATE_TITLES, WORKFLOW
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.history import History

RELATION_TYPES = (
    "runs_on",
    "depends_on",
    "connected_to",
    "installed_on",
    "licensed_to",
    "part_of",
)
#: Titles of each type read from the source (``outgoing``) and from the target (``incoming``).
RELATION_TITLES = {
    "runs_on": (_("runs on"), _("runs")),
    "depends_on": (_("depends on"), _("is needed by")),
    "connected_to": (_("connected to"), _("connected to")),
    "installed_on": (_("installed on"), _("has installed")),
    "licensed_to": (_("licensed to"), _("holds licence")),
    "part_of": (_("part of"), _("consists of")),
}


class ConfigurationItem(Persistent):
    """A thing IT manages: a laptop, a licence, an account, a service."""

    kind = "ci"
    workflow = WORKFLOW
    __parent__: Any = None
    __name__: str | None = None
    name = ""
    ci_class = ""
    status = "ordered"
    owner: str | None = None
    location = ""
    department = ""
    serial = ""
    purchase_date: date | None = None
    warranty_end: date | None = None
    cost: Decimal | None = None
    notes = ""
    # Files (itsm.cmdb.attachments): an IOBTree key -> Attachment, made on the first upload.
    attachments: Any = None
    attachment_next = 1
    # Tickets' workflow code reads these two.
    requester: str | None = None
    assignee: str | None = None

    def __init__(self, number: str, docid: int, now: datetime) -> None:
        self.number = number
        self.docid = docid
        self.created = self.updated = now
        self.fields: dict[str, Any] = {}
        self.history = History()
        self.outgoing = OOBTree()  # (type, target number) -> datetime linked
        self.incoming = OOBTree()  # (type, source number) -> datetime linked

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        acl: list[tuple[str, str, Any]] = [
            (Allow, "role:admin", ALL_PERMISSIONS),
            (Allow, "role:agent", (P.VIEW, P.EDIT, P.WORK)),
        ]
        if self.owner:
            acl.append((Allow, f"user:{self.owner}", P.VIEW))
        acl.append((Deny, Everyone, ALL_PERMISSIONS))
        return acl

    @property
    def title(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def status_title(self) -> Any:
        return STATE_TITLES.get(self.status, self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    def owners(self) -> list[dict[str, Any]]:
        """Every owner in order: ``{"login", "since", "until"}`` from the history."""
        spans: list[dict[str, Any]] = []
        for record in self.history:
            if record.action != "owner":
                continue
            if spans and spans[-1]["until"] is None:
                spans[-1]["until"] = record.at
            if record.after:
                spans.append({"login": record.after, "since": record.at, "until": None})
        return spans

    def index_data(self) -> dict[str, Any]:
        text = " ".join(
            str(v)
            for v in (
                self.number,
                self.name,
                self.serial,
                self.notes,
                self.location,
                self.ci_class,
                *(v for v in self.fields.values() if isinstance(v, str)),
            )
            if v
        )
        return {
            "kind": self.kind,
            "number": self.number,
            "status": self.status,
            "ci_class": self.ci_class,
            "owner": self.owner or "",
            "location": self.location or "",
            "department": self.department or "",
            "serial": self.serial.upper() if self.serial else None,
            "warranty_end": self.warranty_end.toordinal() if self.warranty_end else None,
            "created": self.created.timestamp(),
            "updated": self.updated.timestamp(),
            "text": text,
        }
