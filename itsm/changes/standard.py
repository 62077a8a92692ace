"""Standard (pre-approved) change templates: routine, low-risk work done the same way each time.

Choosing a template fills in what the person left empty (title, description, plans) and sets the
risk answers that made the work pre-approved, so a standard change always scores as its
template does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from itsm.i18n import _

LOW_RISK_ANSWERS: Mapping[str, Any] = {
    "impact": "few",
    "complexity": "low",
    "backout_tested": True,
    "done_before": True,
    "business_hours": False,
}


@dataclass(frozen=True)
class StandardChange:
    """One pre-approved template; ``title`` is a translation string."""

    key: str
    title: Any
    description: Any
    plans: Mapping[str, Any] = field(default_factory=dict)
    risk_answers: Mapping[str, Any] = field(default_factory=lambda: dict(LOW_RISK_ANSWERS))


TEMPLATES: dict[str, StandardChange] = {
    t.key: t
    for t in (
        StandardChange(
            "distribution_list",
            _("Add a user to a distribution list"),
            _("Add a person to a mail distribution list."),
            {
                "implementation": _("Add the person to the list in the directory."),
                "backout": _("Remove the person from the list."),
                "test": _("Send a test mail to the list and check that it arrives."),
            },
        ),
        StandardChange(
            "failed_disk",
            _("Replace a failed disk"),
            _("Replace a failed disk of a redundant (RAID) array and let it rebuild."),
            {
                "implementation": _("Swap the disk (hot-plug) and start the rebuild."),
                "backout": _("Put the old disk back and mark the array degraded."),
                "test": _("Check that the array reports healthy after the rebuild."),
            },
        ),
    )
}


def template_defaults(key: str, translate: Any = str) -> dict[str, Any]:
    """What template ``key`` fills in: title, description, plans and risk answers."""
    template = TEMPLATES[key]
    return {
        "title": translate(template.title),
        "description": translate(template.description),
        "plans": {kind: translate(text) for kind, text in template.plans.items()},
        "risk_answers": dict(template.risk_answers),
    }
