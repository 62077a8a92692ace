from BTrees.OOBTree import OOBTree

from itsm.numbering import format_number, next_number, parse_number


def test_numbers_are_prefixed_and_padded():
    counters = OOBTree()
    assert next_number(counters, "incident") == "INC-000001"
    assert next_number(counters, "incident") == "INC-000002"
    assert next_number(counters, "request") == "REQ-000001"


def test_parse_round_trip():
    assert parse_number(format_number("change", 42)) == ("change", 42)
    assert parse_number("inc-000007") == ("incident", 7)
    assert parse_number("XYZ-1") is None and parse_number("INC-") is None
