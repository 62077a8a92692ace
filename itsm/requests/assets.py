"""What fulfilment takes from the CMDB and gives back: licence seats and delivered hardware.

- **Licences** (a checklist task with ``"licence": "<answer field>"``, e.g. Software install):
  when fulfilment starts (after approval) a *Software licence* CI whose name holds the answered
  title and that has a free seat (its ``licensed_to`` relations < its ``seats``) is related
  ``licensed_to`` the requester's CI: the computer named in the ``computer`` answer if the
  requester owns it, else their *Account* CI, else their laptop or desktop. Taking it at the
  start lets the installer see which licence to use; cancelling the request gives it back.
  When none is free the task gets the note "No free licence for …" and work goes on.
- **Hardware** (a checklist task with ``"delivers": "<CI class>"``, e.g. New laptop): when the
  task is done with a CI number, that CI (in stock, of that class) is handed over to the
  requester through :func:`itsm.cmdb.lifecycle.hand_over` (owner, status deployed, history).
- **Returns** (offboarding: one task per CI of the leaver, ``"returns": "CI-…"``): when the task
  is done the CI comes back: equipment returns to stock, an *Account* is retired (disabled);
  a CI that changed hands meanwhile is left alone, with a note saying so.
"""

from __future__ import annotations

from typing import Any

from itsm.cmdb.lifecycle import hand_over, return_to_stock, transition
from itsm.cmdb.models import ConfigurationItem
from itsm.cmdb.queries import seats_of
from itsm.cmdb.register import CmdbError
from itsm.cmdb.relations import add_relation, remove_relation
from itsm.cmdb.workflow import ACTIVE_STATES, DEPLOYED, IN_REPAIR, IN_STOCK
from itsm.i18n import _
from itsm.requests.models import FulfilmentTask, ServiceRequest
from itsm.search.catalog import mark_changed, search
from itsm.tickets.context import ActionContext

LICENCE_CLASS = "Software licence"
LICENCE_RELATION = "licensed_to"
#: Classes a licence may be related to, most specific first (after the named computer).
HOLDER_CLASSES = ("Account", "Laptop", "Desktop")


class DeliveryError(ValueError):
    """The delivered CI cannot be handed over; ``fields`` names the wrong input."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {"ci": message}


def _cis(root: Any, **query: Any) -> list[ConfigurationItem]:
    _total, found = search(root, kind="ci", sort="created", per_page=1000, **query)
    return list(found)


def free_licence(root: Any, title: str) -> ConfigurationItem | None:
    """The first active licence whose name (or vendor) holds every word of ``title`` and that
    has a seat left."""
    words = title.lower().split()
    if not words:
        return None
    for ci in _cis(root, ci_class=LICENCE_CLASS):
        if ci.status not in ACTIVE_STATES:
            continue
        text = f"{ci.name} {ci.fields.get('vendor') or ''}".lower()
        if not all(word in text for word in words):
            continue
        seats = seats_of(ci)
        if seats is not None and seats[0] < seats[1]:
            return ci
    return None


def licence_holder(root: Any, request: ServiceRequest) -> ConfigurationItem | None:
    """The requester's CI a licence is related to (see the module's docstring)."""
    owned = [ci for ci in _cis(root, owner=request.requester) if ci.status in ACTIVE_STATES]
    named = str(request.answers.get("computer") or "").strip().lower()
    if named:
        for ci in owned:
            names = {ci.number.lower(), ci.name.lower(), str(ci.fields.get("hostname", "")).lower()}
            if named in names:
                return ci
    for ci_class in HOLDER_CLASSES:
        for ci in owned:
            if ci.ci_class == ci_class:
                return ci
    return None


def _note(ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask, text: str) -> None:
    task.journal.add("system", ctx.actor, ctx.now, text)
    request.history.record(ctx.now, ctx.actor, "task_note", field=task.number, note=text[:500])


def take_licence(ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask) -> None:
    """Relate a free licence for the answered software to the requester, or note why not."""
    title = str(request.answers.get(task.licence_field) or "").strip()
    if not title:
        return
    licence = free_licence(ctx.root, title)
    if licence is None:
        _note(ctx, request, task, _translate(ctx, _no_licence(title)))
        return
    holder = licence_holder(ctx.root, request)
    if holder is None:
        text = _(
            "No CI of ${person} to license ${software} to: register their computer or account "
            "in the CMDB, then link licence ${licence}.",
            mapping={"person": request.requester, "software": title, "licence": licence.number},
        )
        _note(ctx, request, task, _translate(ctx, text))
        return
    add_relation(_system(ctx), licence, LICENCE_RELATION, holder.number)
    licence.history.record(ctx.now, ctx.actor, "request", field="request", after=request.number)
    task.licence = licence.number
    request.licences = (*request.licences, licence.number)
    if licence.number not in request.cis:
        request.cis = (*request.cis, licence.number)
    text = _(
        "Licence ${licence} (${name}) taken for ${software}: licensed to ${holder}.",
        mapping={
            "licence": licence.number,
            "name": licence.name,
            "software": title,
            "holder": holder.number,
        },
    )
    _note(ctx, request, task, _translate(ctx, text))


def _no_licence(title: str) -> Any:
    return _("No free licence for ${software}.", mapping={"software": title})


def release_licences(ctx: ActionContext, request: ServiceRequest) -> None:
    """A cancelled request gives back the seats it took."""
    cmdb = ctx.root["cmdb"]
    for task in request.task_list():
        licence = cmdb.get(task.licence) if task.licence else None
        if licence is None:
            continue
        for type_, number in list(licence.outgoing):
            holder = cmdb.get(number)
            if type_ == LICENCE_RELATION and holder is not None:
                if holder.owner == request.requester:
                    remove_relation(_system(ctx), licence, type_, number)
                    break
        request.history.record(
            ctx.now, ctx.actor, "licence_released", field=task.number, before=licence.number
        )
        task.licence = ""


def stock(root: Any, ci_class: str) -> list[ConfigurationItem]:
    """CIs of ``ci_class`` in stock, to choose the delivered one from."""
    return _cis(root, ci_class=ci_class, status=IN_STOCK)


def check_delivery(root: Any, request: ServiceRequest, task: FulfilmentTask, number: str) -> Any:
    """The CI ``number`` if it can be delivered by ``task``, else DeliveryError."""
    ci = root["cmdb"].get((number or "").strip().upper())
    if ci is None:
        raise DeliveryError(_("No configuration item ${number}.", mapping={"number": number}))
    if task.delivers and ci.ci_class != task.delivers:
        raise DeliveryError(
            _(
                "${number} is a ${found}, not a ${expected}.",
                mapping={"number": ci.number, "found": ci.ci_class, "expected": task.delivers},
            )
        )
    already_theirs = ci.owner == request.requester and ci.status in (DEPLOYED, IN_REPAIR)
    if ci.status != IN_STOCK and not already_theirs:
        raise DeliveryError(
            _("${number} is not in stock.", mapping={"number": ci.number}),
        )
    return ci


def deliver(
    ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask, ci: ConfigurationItem
) -> None:
    """Hand ``ci`` over to the requester and link it to the request and the task."""
    try:
        hand_over(ctx, ci, request.requester)
    except CmdbError as error:
        raise DeliveryError(error.message) from None
    ci.history.record(ctx.now, ctx.actor, "request", field="request", after=request.number)
    task.ci = ci.number
    request.delivered = (*request.delivered, ci.number)
    if ci.number not in request.cis:
        request.cis = (*request.cis, ci.number)
    request.history.record(
        ctx.now,
        ctx.actor,
        "delivered",
        field=task.number,
        after=ci.number,
        note=f"{ci.number} {ci.name} → {request.requester}",
    )
    mark_changed(ctx.root, ci)


#: Classes that are disabled (retired) rather than returned to stock when their owner leaves.
RETIRE_ON_RETURN = ("Account",)


def take_back(
    ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask, leaver: str
) -> None:
    """Offboarding: the CI of a done return task comes back from ``leaver``."""
    ci = ctx.root["cmdb"].get(task.returns)
    if ci is None or ci.owner != leaver or ci.status not in (DEPLOYED, IN_REPAIR):
        text = _(
            "${number} is no longer ${person}'s: nothing changed in the CMDB.",
            mapping={"number": task.returns, "person": leaver},
        )
        _note(ctx, request, task, _translate(ctx, text))
        return
    try:
        if ci.ci_class in RETIRE_ON_RETURN:
            transition(_system(ctx), ci, "retire")
        else:
            return_to_stock(_system(ctx), ci)
    except CmdbError as error:
        _note(ctx, request, task, _translate(ctx, error.message))
        return
    ci.history.record(ctx.now, ctx.actor, "request", field="request", after=request.number)
    task.ci = ci.number
    request.history.record(
        ctx.now,
        ctx.actor,
        "returned",
        field=task.number,
        after=ci.number,
        note=f"{ci.number} {ci.name} ← {leaver}",
    )
    mark_changed(ctx.root, ci)


def _system(ctx: ActionContext) -> ActionContext:
    """The desk acts on the CMDB for fulfilment, whoever works the task."""
    return ActionContext(ctx.root, ctx.registry, ctx.now, ctx.actor, ctx.roles | {"system"})


def _translate(ctx: ActionContext, term: Any) -> str:
    """Notes are stored as text, in the desk's default language."""
    from itsm.incidents.intake import ctx_translate

    if ctx.registry is None:  # the demo loader: no localizer yet
        return term.interpolate() if hasattr(term, "interpolate") else str(term)
    return ctx_translate(ctx, term)
