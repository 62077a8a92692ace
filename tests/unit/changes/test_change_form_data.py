"""The raise-a-change form's values turned into the intake's (the API's) data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from itsm.changes.schemas import intake_data, parse_zone, split_list
from itsm.changes.standard import TEMPLATES, template_defaults

BASE = {
    "title": "Patch",
    "type": "normal",
    "planned_start": "2026-12-10T22:00",
    "planned_end": "2026-12-11T01:00",
    "timezone": "UTC",
}


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("", timedelta(0)),
        ("UTC", timedelta(0)),
        ("+03:00", timedelta(hours=3)),
        ("UTC+3", timedelta(hours=3)),
        ("-0530", timedelta(hours=-5, minutes=-30)),
        ("Europe/Moscow", timedelta(hours=3)),
    ],
)
def test_time_zones_people_type(text: str, offset: timedelta) -> None:
    zone = parse_zone(text)
    assert zone is not None
    assert datetime(2026, 12, 1, tzinfo=zone).utcoffset() == offset


@pytest.mark.parametrize("text", ["Mars/Olympus", "+25:00", "three", "../etc/passwd"])
def test_unknown_time_zones_are_refused(text: str) -> None:
    assert parse_zone(text) is None


def test_form_values_become_the_api_body() -> None:
    data, errors = intake_data(
        {
            **BASE,
            "timezone": "+03:00",
            "cis": "ci-000001, CI-000002;ci-000003",
            "plan_implementation": "do it",
            "plan_test": "",
            "risk_impact": "few",
            "risk_backout_tested": "yes",
            "risk_business_hours": "no",
            "affected": "anna, boris",
            "raised_from": "INC-000001",
        }
    )
    assert errors == {}
    assert data["cis"] == ["CI-000001", "CI-000002", "CI-000003"]
    start = datetime.fromisoformat(data["planned_start"])
    assert start == datetime(2026, 12, 10, 19, tzinfo=UTC)
    assert start.utcoffset() == timezone(timedelta(hours=3)).utcoffset(None)
    assert data["plans"] == {"implementation": "do it"}
    assert data["risk_answers"] == {
        "impact": "few",
        "backout_tested": True,
        "business_hours": False,
    }
    assert data["affected"] == ["anna", "boris"]
    assert data["raised_from"] == "INC-000001"
    assert "affected_cis" not in data  # left empty: from the CIs' impact


def test_form_errors_name_their_fields() -> None:
    _data, errors = intake_data(
        {**BASE, "planned_start": "", "planned_end": "soon", "timezone": "nowhere"}
    )
    assert set(errors) == {"planned_start", "planned_end", "timezone"}
    _data, errors = intake_data({**BASE, "type": "standard", "title": ""})
    assert set(errors) == {"template"}
    _data, errors = intake_data({**BASE, "title": ""})
    assert set(errors) == {"title"}


def test_split_list() -> None:
    assert split_list(" a,b ;c\nd  e ") == ["a", "b", "c", "d", "e"]
    assert split_list("ci-1", upper=True) == ["CI-1"]
    assert split_list("") == []


def test_every_standard_template_is_low_risk_with_all_plans() -> None:
    from itsm.changes.risk import assess

    for key in TEMPLATES:
        defaults = template_defaults(key)
        assert defaults["title"]
        assert set(defaults["plans"]) == {"implementation", "backout", "test"}
        assert assess(defaults["risk_answers"])[1] == "low"
