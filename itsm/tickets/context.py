"""Who acts, when, and where: what every ticket operation needs, from a request or a timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass
class ActionContext:
    """The desk root, the registry, the time, and the actor (None for the desk itself)."""

    root: Any
    registry: Any
    now: datetime
    actor: str | None
    roles: frozenset[str]
    request: Any = None

    @classmethod
    def from_request(cls, request: Any) -> ActionContext:
        identity = request.identity
        roles = frozenset(identity.person.roles) if identity else frozenset()
        return cls(
            request.itsm_root,
            request.registry,
            datetime.now(UTC),
            identity.login if identity else None,
            roles,
            request,
        )

    @classmethod
    def system(cls, root: Any, registry: Any, now: datetime | None = None) -> ActionContext:
        return cls(root, registry, now or datetime.now(UTC), None, frozenset({"system"}))

    @property
    def person(self) -> Any:
        return self.root["people"].get(self.actor) if self.actor else None

    def roles_on(self, ticket: Any) -> frozenset[str]:
        """Directory roles plus relation roles (requester, assignee) on ``ticket``."""
        roles = set(self.roles)
        if self.actor is not None:
            if self.actor == ticket.requester:
                roles.add("requester")
            if self.actor == ticket.assignee:
                roles.add("assignee")
        return frozenset(roles)

    def notify(self, event: Any) -> None:
        self.registry.notify(event)

    @property
    def settings(self) -> Any:
        return self.registry.itsm_settings
