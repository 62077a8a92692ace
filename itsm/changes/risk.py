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


#: Other names people give the questions (API clients, imports), mapped to ours.
QUESTION_ALIASES = {
    "impact_on_users": "impact",
    "user_impact": "impact",
    "users_impact": "impact",
    "back_out_tested": "backout_tested",
    "rollback_tested": "backout_tested",
    "tested_backout": "backout_tested",
    "performed_before": "done_before",
    "done_previously": "done_before",
    "in_business_hours": "business_hours",
    "during_business_hours": "business_hours",
}
#: Other answers to the scale questions: the impact as low/medium/high or a number of points.
ANSWER_ALIASES = {
    "impact": {"low": "few", "medium": "many", "high": "all", "some": "few", "everyone": "all"},
    "complexity": {},
}
YES = frozenset({"yes", "true", "y", "1", "да"})
NO = frozenset({"no", "false", "n", "0", "нет"})


def normalize_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers under our names and values: question aliases, "yes"/"no" strings and 1/0 for
    yes/no questions, low/medium/high or 0-3 points for the impact. Anything else is kept as
    given, for :func:`invalid_answers` to refuse."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        name = QUESTION_ALIASES.get(str(key).strip().lower(), str(key).strip().lower())
        points = QUESTIONS[name][1] if name in QUESTIONS else None
        if points is not None and value is not None:
            yes_no = isinstance(next(iter(points)), bool)
            if yes_no and not isinstance(value, bool):
                text = str(value).strip().lower()
                value = True if text in YES else False if text in NO else value
            elif not yes_no and isinstance(value, int) and not isinstance(value, bool):
                by_points = {p: a for a, p in points.items()}
                value = by_points.get(value, value)
            elif not yes_no and isinstance(value, str):
                text = value.strip().lower()
                value = ANSWER_ALIASES.get(name, {}).get(text, text)
        out[name] = value
    return out


def describe_answers() -> str:
    """The questions and their answers, for a refusal: ``impact: none/few/many/all; ...``."""
    parts = []
    for key, (_title, points) in QUESTIONS.items():
        answers = "true/false" if isinstance(next(iter(points)), bool) else "/".join(points)
        parts.append(f"{key}: {answers}")
    return "; ".join(parts)


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
