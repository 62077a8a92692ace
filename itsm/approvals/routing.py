"""Who approves a step: the requester's manager from the directory, a group's members, or
named people. The requester never approves their own ticket."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

#: Where a manager step goes when the directory names no manager.
FALLBACK_GROUP = "Service Desk"


def manager_of(ctx: Any, login: str) -> str | None:
    """The directory's answer when there is a directory at hand, else the cached record's."""
    request = getattr(ctx, "request", None)
    directory = getattr(request, "directory", None) if request is not None else None
    if directory is not None:
        try:
            manager = directory.manager_of(login)
        except Exception:  # noqa: BLE001 - an unreachable directory falls back to the cache
            log.warning("approvals: the directory did not answer manager_of(%r)", login)
        else:
            if manager:
                return manager
    person = ctx.root["people"].get(login)
    return person.manager if person is not None else None


def group_members(root: Any, group: str) -> tuple[str, ...]:
    return tuple(sorted(p.login for p in root["people"].values() if group in p.groups))


def resolve(ctx: Any, spec: Mapping[str, Any], requester: str) -> dict[str, Any]:
    """The step's fields (``kind``, ``group``, ``approvers``, ``mode``, ``label``) for a spec
    such as ``{"kind": "manager"}``, ``{"kind": "group", "group": "Network"}`` or
    ``{"kind": "group", "group": "Change Board", "quorum": 2}`` (any two members)."""
    kind = spec.get("kind", "manager")
    mode = spec.get("mode", "any")
    label = spec.get("label", "")
    if kind == "manager":
        manager = manager_of(ctx, requester)
        if manager and manager != requester:
            return {"kind": kind, "approvers": (manager,), "mode": "any", "label": label}
        group = spec.get("fallback_group", FALLBACK_GROUP)
        return _group_step(ctx, group, requester, "any", label)
    if kind == "group":
        fields = _group_step(ctx, spec["group"], requester, mode, label)
    else:
        people = tuple(p for p in spec.get("people", ()) if p != requester)
        fields = {"kind": "people", "approvers": people, "mode": mode, "label": label}
    if spec.get("quorum") is not None:
        fields.update(quorum_mode(int(spec["quorum"]), len(fields["approvers"])))
    return fields


def quorum_mode(quorum: int, approvers: int) -> dict[str, Any]:
    """The step fields for "any ``quorum`` of ``approvers``": one is "any"; as many as there
    are approvers (or more: the requester is never one of them, and a step nobody can
    approve would wait for ever) is "all"; anything between is a "quorum" step."""
    if quorum <= 1:
        return {"mode": "any"}
    if quorum >= approvers:
        return {"mode": "all"}
    return {"mode": "quorum", "quorum": quorum}


def _group_step(ctx: Any, group: str, requester: str, mode: str, label: str) -> dict[str, Any]:
    members = tuple(m for m in group_members(ctx.root, group) if m != requester)
    return {"kind": "group", "group": group, "approvers": members, "mode": mode, "label": label}


def may_decide(root: Any, step: Any, login: str | None) -> bool:
    if not login or login == step.ticket.requester:
        return False
    if login in step.approvers:
        return True
    person = root["people"].get(login)
    return bool(step.group and person is not None and step.group in person.groups)


def with_deputies(ctx: Any, approvers: tuple[str, ...], requester: str) -> dict[str, Any]:
    """Add the deputy of each approver away today; ``{"approvers", "deputies"}``."""
    from itsm.approvals.delegation import deputy_of

    day = ctx.now.date()
    deputies = []
    for login in approvers:
        deputy = deputy_of(ctx.root, login, day)
        if deputy and deputy != requester and deputy not in approvers:
            deputies.append((deputy, login))
    added = tuple(d for d, _away in deputies)
    return {"approvers": tuple(dict.fromkeys((*approvers, *added))), "deputies": tuple(deputies)}
