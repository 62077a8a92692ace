"""Registering a CI and changing its fields: validation by the class schema, unique serials
per class, a history record for every field that changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import colander

from itsm.cmdb.classes import CiClass, cmdb_settings, ensure_cmdb_settings, normalise_serial
from itsm.cmdb.models import ConfigurationItem
from itsm.cmdb.schemas import BASE_FIELDS, ci_schema, flatten_errors, to_cstruct
from itsm.events import ObjectCreated
from itsm.i18n import _
from itsm.numbering import allocate_number
from itsm.search.catalog import mark_changed, new_docid, reindex
from itsm.tickets.context import ActionContext

#: Base fields a change may touch (the status moves only through the lifecycle workflow and
#: the owner through a handover, both of which also write the history).
EDITABLE = tuple(f for f in BASE_FIELDS if f not in ("status", "owner"))


class CmdbError(ValueError):
    """A refusal; ``status`` is the HTTP status the API answers with (400, 404, 409)."""

    def __init__(self, message: Any, fields: Mapping[str, Any] | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.status = status

    @property
    def code(self) -> str:
        return {400: "invalid", 403: "forbidden", 404: "not_found", 409: "conflict"}.get(
            self.status, "invalid"
        )

    def text(self, translate: Callable[[Any], str] = str) -> str:
        """One line: the message and each field's reason (for the import's rejects file)."""
        parts = [translate(self.message)]
        parts += [f"{key}: {translate(value)}" for key, value in self.fields.items()]
        return "; ".join(parts)


def changed(root: Any, ci: Any) -> None:
    """Reindex ``ci`` at commit; a root not in a connection yet (the demo, loaded in the
    transaction that creates the tree) has no transaction to hook, so index now."""
    if root._p_jar is None:
        reindex(root, ci)
    else:
        mark_changed(root, ci)


def find_class(root: Any, name: str) -> CiClass:
    ci_class = cmdb_settings(root).get(name or "")
    if ci_class is None:
        raise CmdbError(
            _("Unknown CI class “${name}”.", mapping={"name": name}),
            {"class": _("Choose one of the options.")},
        )
    return ci_class


def validate(
    ci_class: CiClass, raw: Mapping[str, Any], *, partial: bool = False, language: str = "en"
) -> dict[str, Any]:
    """Typed values of ``raw`` (JSON or CSV strings): base fields at the top level, class fields
    at the top level or under ``fields``. ``partial``: only the keys given (a PATCH)."""
    own = {f.name for f in ci_class.fields}
    fields_raw = dict(raw.get("fields") or {})
    for key in own:
        if key in raw and key not in fields_raw:
            fields_raw[key] = raw[key]
    schema = ci_schema(ci_class, language)
    cstruct: dict[str, Any] = {k: to_cstruct(raw.get(k)) for k in BASE_FIELDS if k in raw}
    cstruct["fields"] = {k: to_cstruct(v) for k, v in fields_raw.items()}
    if partial:
        for node in list(schema.children):
            if node.name != "fields" and node.name not in cstruct:
                schema.children.remove(node)
        for node in list(schema["fields"].children):
            if node.name not in cstruct["fields"]:
                schema["fields"].children.remove(node)
    try:
        return schema.deserialize(cstruct)
    except colander.Invalid as invalid:
        raise CmdbError(_("Some fields are not valid."), flatten_errors(invalid)) from None


def check_owner(ctx: ActionContext, login: str | None, resolve: Callable | None = None) -> None:
    """A known person (a record in /people, or one the directory knows), or a 400."""
    if not login:
        return
    if login in ctx.root["people"]:
        return
    person = resolve(login) if resolve is not None else None
    if person is None:
        raise CmdbError(_("Some fields are not valid."), {"owner": _("Unknown person.")})


def _claim_serial(root: Any, ci: ConfigurationItem, serial: str) -> None:
    """Point the class's serial index at ``ci``; refuse a serial another CI of the class has."""
    index = ensure_cmdb_settings(root).serial_index(ci.ci_class)
    new = normalise_serial(serial) if serial else ""
    old = normalise_serial(ci.serial) if ci.serial else ""
    if new:
        holder = index.get(new)
        if holder is not None and holder != ci.number:
            raise CmdbError(
                _(
                    "Serial number ${serial} is already registered as ${number} in class ${cls}.",
                    mapping={"serial": serial.strip(), "number": holder, "cls": ci.ci_class},
                ),
                {"serial": _("Already in use.")},
                status=409,
            )
    if old and old != new and index.get(old) == ci.number:
        del index[old]
    if new and index.get(new) != ci.number:
        index[new] = ci.number


def serial_holder(root: Any, class_name: str, serial: str) -> str | None:
    """The number of the CI of ``class_name`` with ``serial``, if any."""
    index = cmdb_settings(root).serials.get(class_name)
    if index is None or not serial:
        return None
    return index.get(normalise_serial(serial))


def create_ci(
    ctx: ActionContext,
    class_name: str,
    raw: Mapping[str, Any],
    *,
    number: str | None = None,
    resolve_owner: Callable | None = None,
    language: str = "en",
) -> ConfigurationItem:
    """Validate ``raw`` and register a new CI; ``number`` only for the demo (one transaction)."""
    root = ctx.root
    ci_class = find_class(root, class_name)
    values = validate(ci_class, raw, language=language)
    check_owner(ctx, values.get("owner"), resolve_owner)
    if values.get("serial"):
        holder = serial_holder(root, class_name, values["serial"])
        if holder is not None:
            raise CmdbError(
                _(
                    "Serial number ${serial} is already registered as ${number} in class ${cls}.",
                    mapping={"serial": values["serial"], "number": holder, "cls": class_name},
                ),
                {"serial": _("Already in use.")},
                status=409,
            )
    if number is None:
        number = allocate_number(root._p_jar.db(), "ci")
    ci = ConfigurationItem(number, new_docid(root), ctx.now)
    ci.ci_class = ci_class.name
    ci.name = values["name"].strip()
    ci.status = values["status"]
    for key in ("location", "department", "purchase_date", "warranty_end", "cost", "notes"):
        value = values.get(key)
        setattr(ci, key, value.strip() if isinstance(value, str) else value)
    ci.fields = _clean_fields(values.get("fields") or {})
    owner = values.get("owner") or None
    if owner and not ci.department:
        person = root["people"].get(owner)
        ci.department = getattr(person, "department", "") or ""
    root["cmdb"].add(number, ci)
    _claim_serial(root, ci, values.get("serial") or "")
    ci.serial = (values.get("serial") or "").strip()
    ci.history.record(ctx.now, ctx.actor, "created", note=ci.status)
    if owner:
        ci.owner = owner
        ci.history.record(ctx.now, ctx.actor, "owner", field="owner", before=None, after=owner)
    changed(root, ci)
    if ctx.registry is not None:
        ctx.notify(ObjectCreated(ci, ctx.request))
    return ci


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (v.strip() if isinstance(v, str) else v)
        for k, v in fields.items()
        if v is not None and v != ""
    }


def changes_of(ci: ConfigurationItem, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What ``values`` (typed, from :func:`validate`) would change: ``{field: (old, new)}``;
    class fields appear as ``fields.<name>``."""
    changes: dict[str, tuple[Any, Any]] = {}
    for key in EDITABLE:
        if key not in values:
            continue
        new = values[key]
        new = new.strip() if isinstance(new, str) else new
        old = getattr(ci, key)
        if key == "serial":
            if normalise_serial(old or "") == normalise_serial(new or "") and old == new:
                continue
        if (old or None) != (new or None) and not (old == 0 and new == 0):
            changes[key] = (old, new)
    for key, new in _clean_fields(values.get("fields") or {}).items():
        if ci.fields.get(key) != new:
            changes[f"fields.{key}"] = (ci.fields.get(key), new)
    for key, value in (values.get("fields") or {}).items():
        if (value is None or value == "") and ci.fields.get(key) not in (None, ""):
            changes[f"fields.{key}"] = (ci.fields.get(key), None)
    return changes


def update_ci(
    ctx: ActionContext, ci: ConfigurationItem, raw: Mapping[str, Any], *, language: str = "en"
) -> dict[str, tuple[Any, Any]]:
    """Change the given fields; returns what changed (nothing written when nothing did)."""
    root = ctx.root
    ci_class = find_class(root, ci.ci_class)
    values = validate(ci_class, raw, partial=True, language=language)
    values.pop("status", None)
    values.pop("owner", None)
    if "name" in values and not (values["name"] or "").strip():
        raise CmdbError(_("Some fields are not valid."), {"name": _("Required")})
    changes = changes_of(ci, values)
    if not changes:
        return changes
    if "serial" in changes:
        _claim_serial(root, ci, changes["serial"][1] or "")
    fields = dict(ci.fields)
    for key, (old, new) in changes.items():
        if key.startswith("fields."):
            name = key.removeprefix("fields.")
            if new is None:
                fields.pop(name, None)
            else:
                fields[name] = new
        else:
            setattr(ci, key, new if new is not None or key in ("purchase_date",) else None)
            if key in ("name", "serial", "location", "department", "notes") and new is None:
                setattr(ci, key, "")
        ci.history.record(ctx.now, ctx.actor, "field", field=key, before=old, after=new)
    ci.fields = fields
    ci.updated = ctx.now
    changed(root, ci)
    return changes
