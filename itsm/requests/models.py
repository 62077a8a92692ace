"""Service requests and their fulfilment tasks, on the ticket core."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from BTrees.OOBTree import OOBTree

from itsm.requests.workflow import (
    TASK_WORKFLOW,
    WORKFLOW,
)
from itsm.security.permissions import P
from itsm.tickets.models import Ticket


class ServiceRequest(Ticket):
    """Someone asks for a standard service from the catalog (``/requests/REQ-000001``)."""

    kind = "request"
    workflow = WORKFLOW
    item = ""  # the catalog item's slug
    answers: dict[str, Any] = {}  # noqa: RUF012 - replaced whole, never mutated
    price: float | None = None
    due: datetime | None = None
    tasks: Any = None  # OOBTree task number -> FulfilmentTask
    draft_reminded_at: datetime | None = None
    # Fulfilment tasks of a request with no catalog item (recurring work), as item.tasks.
    checklist: tuple[dict[str, Any], ...] = ()
    sla: Any = None  # itsm.sla.state.TicketSla: the delivery target (itsm.requests.target)
    inherited: dict[str, Any] = {}  # noqa: RUF012 - a bundle's answers, copied on its children
    delivered: tuple[str, ...] = ()  # CIs handed over to the requester by this request
    licences: tuple[str, ...] = ()  # licence CIs taken for the requester

    survey: Any = None  # itsm.selfservice.satisfaction.Survey, made on resolve
    satisfaction: tuple[int, str, Any] | None = None  # (score 1-5, comment, at)

    # CONFIRM: the requester rates the delivered request (itsm.selfservice.satisfaction).
    requester_permissions = (P.VIEW, P.COMMENT, P.WITHDRAW, P.CONFIRM)

    def __init__(self, number: str, seq: int, docid: int, created: datetime) -> None:
        super().__init__(number, seq, docid, created)
        self.tasks = OOBTree()

    def task_list(self) -> list[FulfilmentTask]:
        return list(self.tasks.values()) if self.tasks is not None else []

    def is_late(self, now: datetime | None = None) -> bool:
        """Still open after its delivery target's due time (or the sweep recorded a breach)."""
        if not self.is_open or self.due is None:
            return False
        if self.sla is not None and self.sla.breached_resolution is not None:
            return True
        return (now or datetime.now(UTC)) >= self.due

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        sla = self.sla
        data.update(
            open=self.is_open,
            number=self.number,
            parent=self.parent or "",
            sla_next_check=sla.next_check_at() if sla is not None and self.is_open else None,
            resolution_due=self.due.timestamp() if self.due is not None else None,
            breached=bool(sla is not None and sla.breached_resolution),
            satisfaction=self.satisfaction[0] if self.satisfaction else None,
        )
        return data


class FulfilmentTask(Ticket):
    """One step of delivering a request, worked by a group; waits for its dependencies."""

    kind = "task"
    workflow = TASK_WORKFLOW
    key = ""  # the checklist entry it was made from
    depends_on: tuple[str, ...] = ()  # task numbers
    done_at: datetime | None = None
    delivers = ""  # a CI class: done hands a CI of it to the requester (itsm.requests.assets)
    ci = ""  # the CI handed over when this task was done
    licence_field = ""  # the answer naming software: a licence is taken at the start
    licence = ""  # the licence CI taken
    returns = ""  # offboarding: the leaver's CI that comes back when this task is done
    not_before: datetime | None = None  # the task waits until then (e.g. a leaver's last day)
    not_before_day = ""  # that day as answered (not_before is its 00:00 in the desk's zone)

    agent_permissions = (P.VIEW, P.WORK)
    requester_permissions = (P.VIEW,)
    watcher_permissions = ()

    @property
    def due(self) -> datetime | None:
        """The request's due time: tasks share their request's delivery target."""
        return self.__parent__.due if self.__parent__ is not None else None

    def notes(self) -> list[Any]:
        """The task's notes, oldest first."""
        return list(self.journal)

    @property
    def request(self) -> ServiceRequest:
        return self.__parent__

    @property
    def acl_requester(self) -> str:
        """The request's requester may view its tasks."""
        return self.__parent__.requester if self.__parent__ is not None else ""

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        data.update(
            open=self.is_open,
            number=self.number,
            parent=self.__parent__.number if self.__parent__ is not None else "",
        )
        return data
