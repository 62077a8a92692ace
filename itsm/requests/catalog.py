"""Service catalog items (``/catalog/new-laptop``): what can be ordered, as data.

An item's form, approval and fulfilment checklist are plain data so an administrator can
change them without code:

- ``fields``: ``{"name", "type", "title", "title_ru", "description", "description_ru",
  "required", "choices", "min", "max", "max_length", "show_if"}``; ``type`` is one of
  :data:`FIELD_TYPES`; ``choices`` are ``(value, title, title_ru)``; ``show_if`` makes the
  field conditional (see :mod:`itsm.requests.forms`). :mod:`itsm.requests.definitions` checks
  what an administrator types.
- ``approval``: steps in order, e.g. ``{"kind": "manager"}``, ``{"kind": "group", "group":
  "Network"}``, ``{"kind": "people", "people": ("a", "b"), "mode": "any"}``, or a group chosen
  by a field's value: ``{"kind": "group", "by_field": "system", "groups": {"crm": "..."}}``.
- ``tasks``: the checklist, ``{"key", "group", "title", "title_ru", "depends_on": (keys)}``.
- ``bundle``: child orders made on approval, ``{"item": slug, "answers": {...}}``; each becomes
  a child request (no approval of its own) and the bundle resolves when all are done.
- ``offboarding``: add one return task per configuration item the leaver (field ``person``)
  owns in the CMDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.security.permissions import P

FIELD_TYPES = ("text", "textarea", "choice", "person", "date", "number", "checkbox", "file")


class CatalogItem(Persistent):
    """One orderable service."""

    __parent__: Any = None
    __name__: str | None = None

    name = ""
    name_ru = ""
    description = ""
    description_ru = ""
    category = "general"
    icon = "box"
    audience: Mapping[str, Any] = {"kind": "everyone"}  # noqa: RUF012 - replaced whole
    fields: tuple[Mapping[str, Any], ...] = ()
    approval: tuple[Mapping[str, Any], ...] = ()
    tasks: tuple[Mapping[str, Any], ...] = ()
    bundle: tuple[Mapping[str, Any], ...] = ()
    offboarding = False  # adds one return task per CI the leaver owns
    price: float | None = None
    delivery_days = 5
    active = True
    orders: Any = None  # BTrees.Length: concurrent orders merge instead of conflicting

    def __init__(self, slug: str, name: str, **values: Any) -> None:
        self.slug = slug
        self.name = name
        for key, value in values.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown catalog item field {key!r}")
            setattr(self, key, value)
        for field in self.fields:
            if field.get("type") not in FIELD_TYPES:
                raise ValueError(f"{slug}: unknown field type {field.get('type')!r}")

    __acl__ = [  # noqa: RUF012
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, Authenticated, (P.VIEW, P.ORDER)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]

    def localized(self, locale: str) -> tuple[str, str]:
        if locale == "ru":
            return self.name_ru or self.name, self.description_ru or self.description
        return self.name, self.description

    @property
    def order_count(self) -> int:
        return self.orders() if self.orders is not None else 0

    def count_order(self) -> None:
        """One more order (the portal's "popular services" come first by this count)."""
        if self.orders is None:
            from BTrees.Length import Length

            self.orders = Length()
        self.orders.change(1)

    def may_order(self, person: Any) -> bool:
        """Who may order it: everyone, a department, or members of a group."""
        kind = self.audience.get("kind", "everyone")
        if kind == "everyone":
            return True
        if person is None:
            return False
        if kind == "department":
            return person.department == self.audience.get("department")
        if kind == "group":
            return self.audience.get("group") in person.groups
        return False

    def search_text(self) -> str:
        parts = [self.slug, self.name, self.name_ru, self.description, self.description_ru]
        return " ".join(parts + [self.category]).lower()


def items(root: Any) -> list[CatalogItem]:
    """Active items, by category then name."""
    found = [i for i in root["catalog"].values() if isinstance(i, CatalogItem) and i.active]
    return sorted(found, key=lambda i: (i.category, i.name))


def find(root: Any, text: str = "", category: str = "") -> list[CatalogItem]:
    words = text.lower().split()
    return [
        item
        for item in items(root)
        if (not category or item.category == category)
        and all(w in item.search_text() for w in words)
    ]


def add_item(root: Any, item: CatalogItem) -> CatalogItem:
    return root["catalog"].add(item.slug, item)
