"""A change as its approvers see it (registered with :mod:`itsm.approvals.summary`)."""

from __future__ import annotations

from typing import Any

from itsm.approvals.summary import Row
from itsm.changes.conflicts import conflict_line, current_conflicts
from itsm.changes.risk import QUESTIONS, RISK_TITLES
from itsm.changes.views_form import ANSWER_TITLES as FORM_ANSWER_TITLES
from itsm.changes.views_form import PLAN_TITLES
from itsm.changes.workflow import TYPE_TITLES
from itsm.i18n import _

#: Yes/no answers are stored as booleans.
ANSWER_TITLES = {
    **FORM_ANSWER_TITLES,
    True: FORM_ANSWER_TITLES["yes"],
    False: FORM_ANSWER_TITLES["no"],
}
#: How many affected people are named before "and N more".
MAX_PEOPLE = 15


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z") if value is not None else ""


def _cis(root: Any, numbers: Any) -> str:
    cmdb = root.get("cmdb") if hasattr(root, "get") else None
    names = []
    for number in numbers:
        ci = cmdb.get(number) if cmdb is not None else None
        names.append(f"{number} {ci.name}" if ci is not None else number)
    return "; ".join(names)


def _people(root: Any, logins: Any) -> Any:
    people = root["people"]
    logins = list(logins)
    names = []
    for login in logins[:MAX_PEOPLE]:
        person = people.get(login)
        names.append(person.display_name if person is not None else login)
    text = ", ".join(names)
    if len(logins) > MAX_PEOPLE:
        return _(
            "${names} and ${count} more",
            mapping={"names": text, "count": len(logins) - MAX_PEOPLE},
        )
    return text


def _answer(key: str, change: Any) -> Any:
    if key not in change.risk_answers:
        return _("Not answered")
    value = change.risk_answers[key]
    return ANSWER_TITLES.get(value, str(value))


def change_summary(change: Any, root: Any, locale: str) -> list[Row]:
    """Type, risk, when, CIs, who and what is affected, conflicts, plans, risk answers."""
    start, end = _when(change.planned_start), _when(change.planned_end)
    rows: list[Row] = [
        (_("Type"), TYPE_TITLES.get(change.type, change.type)),
        (
            _("Risk"),
            _(
                "${risk} (score ${score})",
                mapping={
                    "risk": RISK_TITLES.get(change.risk, change.risk),
                    "score": change.risk_score,
                },
            ),
        ),
        (_("Planned"), f"{start} – {end}" if start or end else ""),
        (_("Reason"), change.reason),
        (_("Configuration items"), _cis(root, change.cis)),
        (_("Affected services and CIs"), _cis(root, change.affected_cis)),
        (_("Affected people"), _people(root, change.affected)),
    ]
    conflicts = current_conflicts(root, change)
    for conflict in conflicts:
        rows.append((_("Conflict"), conflict_line(conflict)))
    if conflicts:
        rows.append((_("Reason to override conflicts"), change.override_reason))
    for kind, title in PLAN_TITLES.items():
        rows.append((title, change.plans.get(kind, "")))
    for key, (title, _points) in QUESTIONS.items():
        rows.append((title, _answer(key, change)))
    return rows
