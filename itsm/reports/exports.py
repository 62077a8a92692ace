"""A report's tables as CSV (UTF-8 with BOM, ``;`` for Russian) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from itsm.i18n import _
from itsm.reports.formatting import Formatter
from itsm.reports.kpis import Report, Table
from itsm.ui.csvfile import safe_cell

BOM = "\ufeff"


def delimiter_for(locale: str) -> str:
    """Excel in a Russian locale splits on ";" (the comma is its decimal separator)."""
    return ";" if locale == "ru" else ","


def _cell_text(table: Table, row: dict[str, Any], column: Any, fmt: Formatter, by: str) -> str:
    value = row.get(column.key)
    if column.key == "key" and column.type == "text":
        return fmt.key(value, by)
    if column.type == "duration" and value is not None:
        # Spreadsheets add up minutes; text like "2 d 3 h" they cannot.
        return fmt(round(value / 60, 1), "number")
    return fmt(value, column.type)


def _guarded(column: Any, text: str) -> str:
    """Text cells as :func:`safe_cell` (formulas quoted); numbers as they are ("-1")."""
    return safe_cell(text) if column.type == "text" else text


def to_csv(report: Report, table: Table, fmt: Formatter) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter_for(fmt.locale), lineterminator="\r\n")
    writer.writerow([_header(c, fmt) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                # Comments and titles are typed by people: never let a spreadsheet run them.
                _guarded(c, _cell_text(table, row, c, fmt, report.by).replace("—", ""))
                for c in table.columns
            ]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")


def _header(column: Any, fmt: Formatter) -> str:
    title = fmt.translate(column.title)
    if column.type == "duration":
        title += ", " + fmt.translate(_("minutes"))
    return title


def _xlsx_value(row: dict[str, Any], column: Any, fmt: Formatter, by: str) -> Any:
    value = row.get(column.key)
    if value is None:
        return None
    if column.key == "key" and column.type == "text":
        return fmt.key(value, by)
    if column.type == "duration":
        return round(value / 60, 1)
    if column.type in ("count", "number", "share"):
        return value
    if isinstance(value, datetime):
        return value.astimezone(fmt.zone).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    if column.type == "bool":
        return bool(value)
    return fmt(value, "text")


def to_xlsx(report: Report, fmt: Formatter) -> bytes:
    """One sheet per table; numbers stay numbers (shares formatted as percentages)."""
    book = Workbook()
    book.remove(book.active)
    for table in report.tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([_header(c, fmt) for c in table.columns])
        for row in table.rows:
            sheet.append([_xlsx_value(row, c, fmt, report.by) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(_header(column, fmt)) + 2)
            number_format = {
                "share": "0.0%",
                "duration": "0.0",
                "number": "0.00",
                "date": "yyyy-mm-dd",
                "datetime": "yyyy-mm-dd hh:mm",
            }.get(column.type)
            if number_format:
                for cell in sheet[letter][1:]:
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
