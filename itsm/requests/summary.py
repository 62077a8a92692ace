"""A service request as its approvers see it (registered with :mod:`itsm.approvals.summary`):
the item, the price and every answer under its field's title."""

from __future__ import annotations

from typing import Any

from itsm.approvals.summary import Row
from itsm.i18n import _
from itsm.requests.forms import _choices, _title


def _value(field: dict[str, Any] | None, value: Any, locale: str, people: Any) -> Any:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is None:
        return str(value)
    if field.get("type") == "choice":
        return dict(_choices(field, locale)).get(value, str(value))
    if field.get("type") == "person":
        person = people.get(value) if value else None
        return f"{person.display_name} ({value})" if person is not None else str(value)
    return str(value)


def request_summary(request: Any, root: Any, locale: str) -> list[Row]:
    item = root["catalog"].get(request.item) if request.item else None
    fields = {f["name"]: f for f in item.fields} if item is not None else {}
    rows: list[Row] = []
    if item is not None:
        rows.append((_("Catalog item"), item.localized(locale)[0]))
    if request.price is not None:
        rows.append((_("Price"), f"{request.price:.2f}"))
    for key, value in request.answers.items():
        if value in ("", None):
            continue
        field = fields.get(key)
        label = _title(field, locale) if field is not None else key
        rows.append((label, _value(field, value, locale, root["people"])))
    return rows
