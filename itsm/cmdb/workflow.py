"""The lifecycle of a CI: ordered → in stock → deployed → in repair → retired → disposed.

The allowed moves are a :class:`~itsm.tickets.workflow.Workflow`, fired by the same
:func:`~itsm.tickets.workflow.fire` as tickets' transitions. Handing a CI to a person and
taking it back (``deploy``/``return``) also change the owner: see :mod:`itsm.cmdb.handover`.
"""

from __future__ import annotations

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

ORDERED = "ordered"
IN_STOCK = "in_stock"
DEPLOYED = "deployed"
IN_REPAIR = "in_repair"
RETIRED = "retired"
DISPOSED = "disposed"
STATES = (ORDERED, IN_STOCK, DEPLOYED, IN_REPAIR, RETIRED, DISPOSED)
STATE_TITLES = {
    ORDERED: _("Ordered"),
    IN_STOCK: _("In stock"),
    DEPLOYED: _("Deployed"),
    IN_REPAIR: _("In repair"),
    RETIRED: _("Retired"),
    DISPOSED: _("Disposed"),
}
#: States in which a CI is in use (an active CI counts for impact and "my equipment").
ACTIVE_STATES = frozenset({IN_STOCK, DEPLOYED, IN_REPAIR})
STAFF = frozenset({"agent", "admin", "system"})


def _t(name: str, sources: set[str], target: str, title: object, *required: str) -> Transition:
    return Transition(name, frozenset(sources), target, STAFF, tuple(required), title)


WORKFLOW = Workflow.build(
    "ci",
    STATES,
    ORDERED,
    (
        _t("receive", {ORDERED}, IN_STOCK, _("Receive into stock")),
        _t("deploy", {IN_STOCK}, DEPLOYED, _("Hand over"), "owner"),
        _t("return", {DEPLOYED, IN_REPAIR}, IN_STOCK, _("Return to stock")),
        _t("repair", {IN_STOCK, DEPLOYED}, IN_REPAIR, _("Send to repair")),
        _t("repaired", {IN_REPAIR}, DEPLOYED, _("Back from repair")),
        _t("retire", {ORDERED, IN_STOCK, DEPLOYED, IN_REPAIR}, RETIRED, _("Retire")),
        _t("dispose", {RETIRED}, DISPOSED, _("Dispose")),
    ),
    ACTIVE_STATES,
    STATE_TITLES,
)
