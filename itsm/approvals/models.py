"""Approval processes on tickets: ordered steps, each decided by any one (or all) of its
approvers, every decision kept with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

#: Step states: ``waiting`` (an earlier step is open), ``pending`` (approvers are asked),
#: ``approved``, ``rejected``, ``cancelled``.
WAITING, PENDING, APPROVED, REJECTED, CANCELLED = (
    "waiting",
    "pending",
    "approved",
    "rejected",
    "cancelled",
)
#: A step is decided by ``any`` one approver, or needs ``all`` of them.
MODES = ("any", "all")
#: Who approves a step: the requester's ``manager`` (from the directory), the members of a
#: named ``group``, or named ``people``.
KINDS = ("manager", "group", "people")


@dataclass(frozen=True)
class Decision:
    """One approver's answer. Plain: kept in the step's tuple of decisions."""

    login: str
    decision: str  # approve | reject
    at: datetime
    reason: str = ""
    via: str = "portal"  # portal | api | mail
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class LinkToken:
    """A signed mail link: only the SHA-256 of the token is stored."""

    login: str
    expires: datetime
    used_at: datetime | None = None


class ApprovalStep(Persistent):
    """One step of a ticket's approval; indexed in the catalog (kind ``approval``) so that
    "waiting for me" is a query, not a scan."""

    __parent__: Any = None  # the ticket
    kind = "manager"
    index = 0
    group: str | None = None
    approvers: tuple[str, ...] = ()
    mode = "any"
    status = WAITING
    label = ""
    docid = 0
    opened_at: datetime | None = None
    decided_at: datetime | None = None
    reminded_at: datetime | None = None
    # (deputy, approver away) pairs: deputies asked in place of approvers who are away.
    deputies: tuple[tuple[str, str], ...] = ()
    escalated_at: datetime | None = None
    decisions: tuple[Decision, ...] = ()
    tokens: Any = None  # OOBTree sha256 hex -> LinkToken

    def __init__(self, ticket: Any, index: int, kind: str, docid: int, **fields: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown approval kind {kind!r}")
        self.__parent__ = ticket
        self.index = index
        self.kind = kind
        self.docid = docid
        self.tokens = OOBTree()
        for key, value in fields.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown step field {key!r}")
            setattr(self, key, value)
        if self.mode not in MODES:
            raise ValueError(f"unknown approval mode {self.mode!r}")

    @property
    def id(self) -> str:
        """``REQ-000001-1``: the ticket's number and the step's position."""
        return f"{self.__parent__.number}-{self.index}"

    @property
    def ticket(self) -> Any:
        return self.__parent__

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        """Approvers (named or through the step's group) see and decide; IT staff see."""
        acl: list[tuple[str, str, Any]] = [(Allow, "role:admin", "view")]
        acl += [(Allow, f"user:{login}", ("view", "decide")) for login in self.approvers]
        if self.group:
            acl.append((Allow, f"group:{self.group}", ("view", "decide")))
        acl += [(Allow, "role:agent", "view"), (Deny, Everyone, ALL_PERMISSIONS)]
        return acl

    def decided_by(self, login: str) -> Decision | None:
        for decision in self.decisions:
            if decision.login == login:
                return decision
        return None

    def stands_in_for(self, login: str) -> str | None:
        return next((away for deputy, away in self.deputies if deputy == login), None)

    def index_data(self) -> dict[str, Any]:
        ticket = self.__parent__
        return {
            "kind": "approval",
            "status": self.status,
            "number": self.id,
            "group": self.group or "",
            "requester": ticket.requester,
            "watchers": list(self.approvers),
            "created": self.opened_at.timestamp() if self.opened_at else 0.0,
        }


class ApprovalProcess(Persistent):
    """The steps of one ticket's approval, in order; the outcome once decided."""

    status = PENDING  # pending | approved | rejected | cancelled
    steps: tuple[ApprovalStep, ...] = ()

    def __init__(self, steps: tuple[ApprovalStep, ...]) -> None:
        self.steps = tuple(steps)

    def current(self) -> ApprovalStep | None:
        for step in self.steps:
            if step.status == PENDING:
                return step
        return None

    def step(self, index: int) -> ApprovalStep | None:
        if 1 <= index <= len(self.steps):
            return self.steps[index - 1]
        return None

    def approver_logins(self) -> set[str]:
        return {login for step in self.steps for login in step.approvers}

    def approver_groups(self) -> set[str]:
        return {step.group for step in self.steps if step.group}
