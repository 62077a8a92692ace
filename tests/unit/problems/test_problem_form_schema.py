"""The "raise a problem" form's schema."""

from __future__ import annotations

from itsm.problems.schemas import form_data


def test_the_form_schema_cleans_numbers_and_refuses_a_missing_title() -> None:
    data, incidents, errors = form_data(
        {"title": " VPN ", "cis": "ci-1; CI-2", "incidents": "inc-1, INC-1 inc-2"}
    )
    assert errors == {}
    assert data["title"] == "VPN" and data["cis"] == ["CI-1", "CI-2"]
    assert incidents == ["INC-1", "INC-2"] and data["impact"] == "medium"
    _data, _incidents, errors = form_data({"title": ""})
    assert "title" in errors
