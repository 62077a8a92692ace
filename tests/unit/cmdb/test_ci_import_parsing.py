"""Reading an import file: encodings, delimiters, and files that are not CSV at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm.cmdb.classes import DEMO_CLASSES
from itsm.cmdb.importer import ImportFileError, parse_csv
from itsm.cmdb.staged_import import check_file

LAPTOP = DEMO_CLASSES[0]


def test_windows_1251_with_semicolons_and_utf8_with_commas_are_detected():
    headers, rows, encoding, delimiter = parse_csv(
        "Название;Модель\nНоутбук;T14\n".encode("cp1251")
    )
    assert (headers, encoding, delimiter) == (["Название", "Модель"], "windows-1251", ";")
    assert rows == [{"Название": "Ноутбук", "Модель": "T14"}]
    headers, rows, encoding, delimiter = parse_csv('\ufeffname,notes\nA,"x, y"\n'.encode())
    assert (headers, encoding, delimiter) == (["name", "notes"], "utf-8", ",")
    assert rows == [{"name": "A", "notes": "x, y"}]


@pytest.mark.parametrize(
    "data",
    [
        "name;serial\n".encode("utf-16"),  # NUL bytes
        b"\x98\x98\x98",  # neither UTF-8 nor Windows-1251
    ],
)
def test_bytes_that_are_not_text_are_refused(data):
    with pytest.raises(ImportFileError) as raised:
        parse_csv(data)
    assert "not a CSV text file" in raised.value.message


@pytest.mark.parametrize("data", [b"", b"\n\n", b" ; \n"])
def test_a_file_without_a_header_is_refused(data):
    with pytest.raises(ImportFileError) as raised:
        parse_csv(data)
    assert "no header row" in raised.value.message


def test_a_file_without_a_name_column_is_refused_for_the_class():
    with pytest.raises(ImportFileError) as raised:
        check_file(b"serial;model\nA;B\n", LAPTOP)
    assert "no name column" in raised.value.message
    checked = check_file("Наименование;ОЗУ, ГБ;colour\nX;8;red\n".encode(), LAPTOP)
    assert checked.mapping == {"Наименование": "name", "ОЗУ, ГБ": "fields.ram_gb"}
    assert checked.unknown == ["colour"]


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_are_refused_with_a_message(data):
    try:
        headers, rows, _encoding, delimiter = parse_csv(data)
    except ImportFileError as error:
        assert error.message
    else:
        assert delimiter in ";," and any(h.strip() for h in headers if h)
        assert all(isinstance(row, dict) for row in rows)
