"""Approval processes on tickets: ordered steps, each decided by any one, all, or a quorum
(any N) of its approvers, every decision kept with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.security.permissions import P

#: Step states: ``waiting`` (an earlier step is open), ``pending`` (approvers are asked),
#: ``approved``, ``rejected``, ``cancelled``.
WAITING, PENDING, APPROVED, REJECTED, CANCELLED = (
    "waiting",
    "pending",
    "approved",
    "rejected",
    "cancelled",
)
#: A step is decided by ``any`` one approver, needs ``all`` of them, or a ``quorum``: any N
#: approvals. In "any" and "all" steps one rejection ends the step; a quorum step is rejected
#: only once the approvers who have not answered can no longer make up N.
MODES = ("any", "all", "quorum")
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
    quorum: int | None = None  # approvals needed in a "quorum" step (None: from the mode)
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
        if self.mode == "quorum" and not (isinstance(self.quorum, int) and self.quorum >= 1):
            raise ValueError(f"a quorum step needs a quorum of at least 1, not {self.quorum!r}")

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
        acl: list[tuple[str, str, Any]] = [(Allow, "role:admin", P.VIEW)]
        acl += [(Allow, f"user:{login}", (P.VIEW, P.DECIDE)) for login in self.approvers]
        if self.group:
            acl.append((Allow, f"group:{self.group}", (P.VIEW, P.DECIDE)))
        acl += [(Allow, "role:agent", P.VIEW), (Deny, Everyone, ALL_PERMISSIONS)]
        return acl

    def decided_by(self, login: str) -> Decision | None:
        for decision in self.decisions:
            if decision.login == login:
                return decision
        return None

    def stands_in_for(self, login: str) -> str | None:
        return next((away for deputy, away in self.deputies if deputy == login), None)

    def principals(self) -> tuple[str, ...]:
        """The approvers who count, each once: a deputy counts for the person away, and
        anyone who decided through the step's group counts too."""
        deputies = {deputy for deputy, _away in self.deputies}
        counted = [a for a in self.approvers if a not in deputies]
        for decision in self.decisions:
            counted.append(decision.on_behalf_of or decision.login)
        return tuple(dict.fromkeys(counted))

    def answers(self, decision: str) -> set[str]:
        """The principals who answered ``decision`` ("approve" or "reject")."""
        return {d.on_behalf_of or d.login for d in self.decisions if d.decision == decision}

    @property
    def needed(self) -> int:
        """How many approvals the step needs: 1 ("any"), every approver ("all"), or N."""
        if self.mode == "quorum" and self.quorum:
            return self.quorum
        if self.mode == "all":
            return max(1, len(self.principals()))
        return 1

    def progress(self) -> tuple[int, int]:
        """(approvals so far, approvals needed): "2 of 3 approvals"."""
        return len(self.answers("approve")), self.needed

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
