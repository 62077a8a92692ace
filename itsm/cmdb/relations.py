"""Typed, directed relations between CIs, stored on both ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsm.cmdb.models import RELATION_TITLES, RELATION_TYPES, ConfigurationItem
from itsm.cmdb.register import CmdbError, changed
from itsm.i18n import _
from itsm.tickets.context import ActionContext


@dataclass(frozen=True)
class Neighbour:
    """One relation seen from a CI: ``outgoing`` means this CI is the relation's source."""

    type: str
    direction: str  # "outgoing" | "incoming"
    ci: Any  # the ConfigurationItem at the other end (None if it was removed)
    number: str

    @property
    def title(self) -> Any:
        outgoing, incoming = RELATION_TITLES[self.type]
        return outgoing if self.direction == "outgoing" else incoming


def _target(ctx: ActionContext, number: str) -> ConfigurationItem:
    target = ctx.root["cmdb"].get((number or "").strip().upper())
    if target is None:
        raise CmdbError(
            _("No configuration item ${number}.", mapping={"number": number}),
            {"target": _("Unknown CI.")},
            status=404,
        )
    return target


def add_relation(
    ctx: ActionContext, source: ConfigurationItem, type_: str, target_number: str
) -> ConfigurationItem:
    """``source`` —type→ target; idempotent; a CI cannot relate to itself."""
    if type_ not in RELATION_TYPES:
        raise CmdbError(_("Some fields are not valid."), {"type": _("Choose one of the options.")})
    target = _target(ctx, target_number)
    if target is source:
        raise CmdbError(_("A CI cannot be related to itself."), {"target": _("Choose another CI.")})
    key = (type_, target.number)
    if key in source.outgoing:
        return target
    source.outgoing[key] = ctx.now
    target.incoming[(type_, source.number)] = ctx.now
    source.history.record(ctx.now, ctx.actor, "link", field=type_, after=target.number)
    target.history.record(
        ctx.now, ctx.actor, "link", field=f"{type_} (incoming)", after=source.number
    )
    source.updated = target.updated = ctx.now
    changed(ctx.root, source)
    changed(ctx.root, target)
    return target


def remove_relation(
    ctx: ActionContext, source: ConfigurationItem, type_: str, target_number: str
) -> None:
    key = (type_, (target_number or "").upper())
    if key not in source.outgoing:
        raise CmdbError(_("There is no such relation."), status=404)
    del source.outgoing[key]
    target = ctx.root["cmdb"].get(key[1])
    if target is not None:
        target.incoming.pop((type_, source.number), None)
        target.history.record(
            ctx.now, ctx.actor, "unlink", field=f"{type_} (incoming)", before=source.number
        )
        changed(ctx.root, target)
    source.history.record(ctx.now, ctx.actor, "unlink", field=type_, before=key[1])
    changed(ctx.root, source)


def neighbours(root: Any, ci: ConfigurationItem) -> list[Neighbour]:
    """Every relation of ``ci``, outgoing first, each by type then number."""
    cmdb = root["cmdb"]
    result = [
        Neighbour(type_, "outgoing", cmdb.get(number), number) for type_, number in ci.outgoing
    ]
    result += [
        Neighbour(type_, "incoming", cmdb.get(number), number) for type_, number in ci.incoming
    ]
    return result
