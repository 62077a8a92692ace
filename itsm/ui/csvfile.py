"""CSV downloads of lists (incidents, requests, changes, CIs, time logged): one set of rules.

UTF-8 with a byte order mark (Excel reads it as UTF-8 then), ``;`` between cells (Excel in a
Russian locale splits on ";", and our ";" files open the same in LibreOffice everywhere), CRLF
line ends, a header row of field names, and cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) quoted with ``'`` (CSV
injection, OWASP). The answer is an attachment, never sniffed, never cached.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pyramid.response import Response

BOM = "\ufeff"
DELIMITER = ";"
#: A cell starting with one of these is a formula to a spreadsheet: quote it (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """``value`` as a CSV cell: times in ISO 8601, None empty, formulas defused."""
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "yes" if value else ""
    elif isinstance(value, list | tuple | set | frozenset):
        text = " ".join(str(v) for v in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = DELIMITER
) -> str:
    """The whole file as text, BOM first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = DELIMITER,
) -> Response:
    """A CSV attachment named ``filename``."""
    body = csv_text(header, rows, delimiter).encode("utf-8")
    response = Response(body=body, content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control = "private, no-store"
    return response


def read_all(find: Any, batch: int = 500) -> list[Any]:
    """Every item ``find(page=, per_page=)`` → ``(total, items)`` matches: one small query
    first, then the rest in one query and one sort (a query per batch would sort each time)."""
    total, items = find(page=1, per_page=batch)
    if total > len(items):
        total, items = find(page=1, per_page=total)
    return list(items)
