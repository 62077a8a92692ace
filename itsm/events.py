"""Plain event classes; subscribers are registered with ``config.add_subscriber``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ObjectCreated:
    """An object was added to the tree."""

    obj: Any
    request: Any = None


@dataclass
class ObjectModified:
    """Fields of an object changed; ``changes`` maps a field name to ``(before, after)``."""

    obj: Any
    changes: dict[str, tuple[Any, Any]]
    request: Any = None


@dataclass
class PersonLoggedIn:
    """Someone logged in; their person record was refreshed from the directory."""

    person: Any
    request: Any = None


@dataclass
class LoginFailed:
    """A login was refused: ``reason`` is ``password`` (wrong or unknown), ``inactive`` (the
    directory sync disabled the person) or ``throttled``; ``locked`` when this failure locked
    the login name."""

    login: str
    reason: str
    locked: bool = False
    request: Any = None


@dataclass
class RolesChanged:
    """A person's roles changed (at login, or by the directory sync)."""

    person: Any
    before: tuple[str, ...]
    after: tuple[str, ...]
    request: Any = None


@dataclass
class TicketTransitioned:
    """A workflow transition fired on a ticket."""

    ticket: Any
    transition: str
    before: str
    after: str
    actor: str | None
    request: Any = None


@dataclass
class SlaAlert:
    """The sweep found that a ticket's SLA target (``target``: response or resolution) reached
    its warning share (``level="warning"``) or its deadline (``level="breach"``). Published once
    per target and level; subscribers notify and escalate in the same transaction."""

    ticket: Any
    target: str
    level: str
    now: Any
    root: Any
    registry: Any
