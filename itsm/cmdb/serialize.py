"""CIs as JSON and as CSV rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from itsm.cmdb.relations import neighbours


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def ci_json(ci: Any, root: Any = None) -> dict[str, Any]:
    data = {
        "number": ci.number,
        "class": ci.ci_class,
        "name": ci.name,
        "status": ci.status,
        "owner": ci.owner,
        "serial": ci.serial,
        "location": ci.location,
        "department": ci.department,
        "purchase_date": plain(ci.purchase_date),
        "warranty_end": plain(ci.warranty_end),
        "cost": plain(ci.cost),
        "notes": ci.notes,
        "fields": {k: plain(v) for k, v in ci.fields.items()},
        "created": plain(ci.created),
        "updated": plain(ci.updated),
    }
    if root is not None:
        data["relations"] = [
            {"type": n.type, "direction": n.direction, "number": n.number}
            for n in neighbours(root, ci)
        ]
    return data


def history_json(record: Any) -> dict[str, Any]:
    return {
        "at": plain(record.at),
        "actor": record.actor,
        "action": record.action,
        "field": record.field,
        "before": plain(record.before),
        "after": plain(record.after),
        "note": record.note,
    }


CSV_COLUMNS = (
    "number",
    "class",
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
)


def csv_row(ci: Any) -> list[str]:
    data = ci_json(ci)
    row = ["" if data[c] is None else str(data[c]) for c in CSV_COLUMNS]
    extra = "; ".join(f"{k}={v}" for k, v in sorted(data["fields"].items()))
    return [*row, extra]
