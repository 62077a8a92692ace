"""The risk questionnaire: five answers, a score, and the risk class.

The table (also in the README). Each answer adds points; an answer left out counts as its
riskiest choice, so skipping the questionnaire never lowers the risk.

========================  ==========================================  ======
Question                  Answers (points)                            Max
========================  ==========================================  ======
``impact``                none 0, few 1, many 2, all 3                3
(impact on users)
``complexity``            low 0, medium 1, high 2                     2
``backout_tested``        yes 0, no 2                                 2
``done_before``           yes 0, no 1                                 1
``business_hours``        no 0, yes 2 (the change runs while people   2
                          work)
========================  ==========================================  ======

Score 0-2: **low**; 3-5: **medium**; 6-10: **high**.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm.i18n import _

#: question -> (title, {answer: points}); yes/no questions take JSON true/false.
QUESTIONS: dict[str, tuple[Any, dict[Any, int]]] = {
    "impact": (_("Impact on users"), {"none": 0, "few": 1, "many": 2, "all": 3}),
    "complexity": (_("Complexity"), {"low": 0, "medium": 1, "high": 2}),
    "backout_tested": (_("Back-out plan tested"), {True: 0, False: 2}),
    "done_before": (_("Done before"), {True: 0, False: 1}),
    "business_hours": (_("During business hours"), {False: 0, True: 2}),
}
#: (highest score of the class, class), in order.
CLASSES = ((2, "low"), (5, "medium"), (10, "high"))
RISK_CLASSES = tuple(name for _limit, name in CLASSES)
RISK_TITLES = {"low": _("Low"), "medium": _("Medium"), "high": _("High")}


def invalid_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Field errors for unknown questions or answers (empty when all are fine)."""
    errors: dict[str, Any] = {}
    for key, value in answers.items():
        if key not in QUESTIONS:
            errors[key] = _("Unknown question.")
        elif value is not None and (
            not isinstance(value, bool | str) or value not in QUESTIONS[key][1]
        ):
            errors[key] = _("Choose one of the options.")
    return errors


def score(answers: Mapping[str, Any]) -> int:
    """The sum of the answers' points; a missing answer counts as its riskiest choice."""
    total = 0
    for key, (_title, points) in QUESTIONS.items():
        value = answers.get(key)
        total += points[value] if value in points else max(points.values())
    return total


def risk_class(points: int) -> str:
    for limit, name in CLASSES:
        if points <= limit:
            return name
    return CLASSES[-1][1]


def assess(answers: Mapping[str, Any]) -> tuple[int, str]:
    """``(score, class)`` for the answers."""
    points = score(answers)
    return points, risk_class(points)
