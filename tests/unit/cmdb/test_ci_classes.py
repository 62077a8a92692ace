"""Class definitions → colander schemas, the serial rule, and the JSON form of a class."""

from __future__ import annotations

import datetime
from decimal import Decimal

import colander
import pytest

from itsm.cmdb.classes import DEMO_CLASSES, CiClass, FieldDef, normalise_serial
from itsm.cmdb.register import CmdbError, validate
from itsm.cmdb.schemas import ci_schema

PHONE = next(c for c in DEMO_CLASSES if c.name == "Phone")
LICENCE = next(c for c in DEMO_CLASSES if c.name == "Software licence")
SERVER = next(c for c in DEMO_CLASSES if c.name == "Server")
LAPTOP = next(c for c in DEMO_CLASSES if c.name == "Laptop")


def test_demo_ships_the_classes_the_issue_names():
    names = [c.name for c in DEMO_CLASSES]
    assert names == [
        "Laptop",
        "Desktop",
        "Monitor",
        "Phone",
        "Software licence",
        "Account",
        "Server",
        "Network device",
        "Application service",
    ]
    assert all(c.title_ru for c in DEMO_CLASSES)
    assert [f.name for f in PHONE.fields] == ["imei", "number", "mdm_enrolled"]
    assert {f.name for f in LICENCE.fields} >= {"seats", "expiry"}


def test_schema_has_the_base_fields_then_the_class_fields():
    schema = ci_schema(PHONE)
    assert [n.name for n in schema.children] == [
        "name",
        "serial",
        "status",
        "owner",
        "location",
        "department",
        "purchase_date",
        "warranty_end",
        "cost",
        "notes",
        "fields",
    ]
    assert [n.name for n in schema["fields"].children] == ["imei", "number", "mdm_enrolled"]
    assert schema["fields"]["imei"].required
    assert ci_schema(PHONE, "ru")["fields"]["number"].title == "Номер телефона"


def test_typed_values_come_out_of_strings():
    values = validate(
        PHONE,
        {
            "name": "iPhone",
            "imei": "35",
            "mdm_enrolled": "да",
            "purchase_date": "31.01.2024",
            "cost": "999.5",
        },
    )
    assert values["fields"] == {"imei": "35", "number": None, "mdm_enrolled": True}
    assert values["purchase_date"] == datetime.date(2024, 1, 31)
    assert values["cost"] == Decimal("999.50")
    assert values["status"] == "ordered"
    assert validate(LICENCE, {"name": "x", "fields": {"seats": 5, "expiry": "2027-01-01"}})[
        "fields"
    ] == {"seats": 5, "expiry": datetime.date(2027, 1, 1), "vendor": None}


@pytest.mark.parametrize(
    ("cls", "raw", "field"),
    [
        (PHONE, {"name": "x"}, "imei"),
        (PHONE, {"name": "x", "imei": "1", "mdm_enrolled": "perhaps"}, "mdm_enrolled"),
        (LICENCE, {"name": "x", "seats": "ten"}, "seats"),
        (SERVER, {"name": "x", "environment": "staging"}, "environment"),
        (LAPTOP, {"name": "x"}, "serial"),
        (LAPTOP, {"name": "", "serial": "1"}, "name"),
        (LAPTOP, {"name": "x", "serial": "1", "status": "lost"}, "status"),
        (LAPTOP, {"name": "x", "serial": "1", "cost": "-1"}, "cost"),
        (LAPTOP, {"name": "x", "serial": "1", "fields": {"colour": "red"}}, "fields"),
    ],
)
def test_invalid_values_are_refused_per_field(cls, raw, field):
    with pytest.raises(CmdbError) as refused:
        validate(cls, raw)
    assert field in refused.value.fields


def test_partial_validation_checks_only_what_is_given():
    assert validate(PHONE, {"location": "Room 1"}, partial=True) == {
        "location": "Room 1",
        "fields": {},
    }


def test_a_class_round_trips_through_json_and_refuses_bad_definitions():
    assert CiClass.from_json(PHONE.as_json()) == PHONE
    with pytest.raises(ValueError):
        FieldDef("x", "X", "colour")
    with pytest.raises(ValueError):
        FieldDef("x", "X", "choice")
    with pytest.raises(ValueError):
        FieldDef("not an identifier", "X")
    with pytest.raises(ValueError):
        CiClass.from_json({"name": "A", "fields": [{"name": "a"}, {"name": "a"}]})


def test_serials_compare_without_case_and_spaces():
    assert normalise_serial(" pf-3a1b ") == "PF-3A1B"


def test_bool_fields_read_russian_and_english_words():
    node = ci_schema(PHONE)["fields"]["mdm_enrolled"]
    for word in ("да", "yes", "true", "1"):
        assert node.deserialize(word) is True
    for word in ("нет", "no", "false", "0"):
        assert node.deserialize(word) is False
    with pytest.raises(colander.Invalid):
        node.deserialize("maybe")
