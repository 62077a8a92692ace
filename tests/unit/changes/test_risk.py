"""The risk questionnaire as a table: answers → score → class."""

from __future__ import annotations

import pytest

from itsm.changes.risk import QUESTIONS, assess, invalid_answers, normalize_answers, risk_class

SAFE = {
    "impact": "none",
    "complexity": "low",
    "backout_tested": True,
    "done_before": True,
    "business_hours": False,
}


@pytest.mark.parametrize(
    ("changes", "score", "klass"),
    [
        ({}, 0, "low"),
        ({"impact": "few"}, 1, "low"),
        ({"impact": "few", "done_before": False}, 2, "low"),
        ({"impact": "many", "done_before": False}, 3, "medium"),
        ({"business_hours": True, "backout_tested": False}, 4, "medium"),
        ({"impact": "all", "complexity": "high"}, 5, "medium"),
        ({"impact": "all", "complexity": "high", "done_before": False}, 6, "high"),
        (
            {
                "impact": "all",
                "complexity": "high",
                "backout_tested": False,
                "done_before": False,
                "business_hours": True,
            },
            10,
            "high",
        ),
    ],
)
def test_risk_table(changes: dict, score: int, klass: str) -> None:
    assert assess({**SAFE, **changes}) == (score, klass)


def test_missing_answers_count_as_the_riskiest() -> None:
    assert assess({}) == (10, "high")
    assert assess({k: v for k, v in SAFE.items() if k != "impact"}) == (3, "medium")


@pytest.mark.parametrize(
    ("points", "klass"),
    [(0, "low"), (2, "low"), (3, "medium"), (5, "medium"), (6, "high"), (10, "high")],
)
def test_class_boundaries(points: int, klass: str) -> None:
    assert risk_class(points) == klass


def test_unknown_questions_and_answers_are_reported() -> None:
    errors = invalid_answers({"impact": "some", "backout_tested": "yes", "colour": "red"})
    assert set(errors) == {"impact", "backout_tested", "colour"}
    assert invalid_answers(SAFE) == {}
    assert set(QUESTIONS) == set(SAFE)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"impact": "high"}, {"impact": "all"}),
        ({"impact": "Medium"}, {"impact": "many"}),
        ({"impact": 1}, {"impact": "few"}),
        ({"complexity": 2}, {"complexity": "high"}),
        (
            {"backout_tested": "yes", "done_before": "no"},
            {"backout_tested": True, "done_before": False},
        ),
        ({"in_business_hours": 1}, {"business_hours": True}),
        (
            {"impact_on_users": "none", "rollback_tested": "true"},
            {"impact": "none", "backout_tested": True},
        ),
        ({"impact": "galactic"}, {"impact": "galactic"}),  # left for invalid_answers to refuse
        ({"colour": "red"}, {"colour": "red"}),
    ],
)
def test_answers_under_other_names_and_values_are_normalized(given: dict, expected: dict) -> None:
    assert normalize_answers(given) == expected


def test_normalized_aliases_score_like_the_answers_they_stand_for() -> None:
    aliases = {
        "impact": "high",
        "complexity": "high",
        "back_out_tested": "no",
        "done_before": 0,
        "during_business_hours": "yes",
    }
    answers = normalize_answers(aliases)
    assert invalid_answers(answers) == {}
    assert assess(answers) == (10, "high")
    assert invalid_answers(normalize_answers({"impact": "galactic"})) != {}
