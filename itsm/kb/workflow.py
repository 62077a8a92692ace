"""The article workflow: draft → in review → published → retired (on the shared FSM)."""

from __future__ import annotations

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

DRAFT = "draft"
IN_REVIEW = "in_review"
PUBLISHED = "published"
RETIRED = "retired"
STATES = (DRAFT, IN_REVIEW, PUBLISHED, RETIRED)
STAFF = frozenset({"agent", "admin"})

STATE_TITLES = {
    DRAFT: _("Draft"),
    IN_REVIEW: _("In review"),
    PUBLISHED: _("Published"),
    RETIRED: _("Retired"),
}


def _t(name: str, sources: set[str], target: str, title: object) -> Transition:
    return Transition(name, frozenset(sources), target, STAFF, title=title)


WORKFLOW = Workflow.build(
    "kb",
    STATES,
    DRAFT,
    [
        _t("submit", {DRAFT}, IN_REVIEW, _("Send for review")),
        _t("reject", {IN_REVIEW}, DRAFT, _("Back to draft")),
        _t("publish", {DRAFT, IN_REVIEW}, PUBLISHED, _("Publish")),
        _t("retire", {DRAFT, IN_REVIEW, PUBLISHED}, RETIRED, _("Retire")),
        _t("revive", {RETIRED}, DRAFT, _("Back to draft")),
    ],
    open_states=(DRAFT, IN_REVIEW, PUBLISHED),
    state_titles=STATE_TITLES,
)
