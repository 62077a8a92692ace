"""CI classes: what kinds of configuration items exist and which fields each one has.

The definitions are data kept in ``/settings/ci-classes`` (a :class:`CmdbSettings`), not code,
so an administrator can add a class or a field. The same object keeps, per class, the index
serial → CI number that makes serials unique within a class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

SETTINGS_NAME = "ci-classes"
FIELD_TYPES = ("string", "int", "date", "bool", "choice")


@dataclass(frozen=True)
class FieldDef:
    """One field of a class: ``name`` (the key in ``ci.fields``), titles, type, choices."""

    name: str
    title: str
    type: str = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    title_ru: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.name!r}: a choice needs choices")
        if not self.name.isidentifier():
            raise ValueError(f"field name {self.name!r} must be an identifier")

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "title_ru": self.title_ru,
            "type": self.type,
            "required": self.required,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class CiClass:
    """A class of CIs (``Laptop``): its name (the key), titles, and its own fields."""

    name: str
    title_ru: str
    fields: tuple[FieldDef, ...] = field(default_factory=tuple)
    serial_required: bool = False

    def field(self, name: str) -> FieldDef | None:
        for item in self.fields:
            if item.name == name:
                return item
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title_ru": self.title_ru,
            "serial_required": self.serial_required,
            "fields": [f.as_json() for f in self.fields],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CiClass:
        fields = tuple(
            FieldDef(
                name=f["name"],
                title=f.get("title") or f["name"],
                type=f.get("type", "string"),
                required=bool(f.get("required", False)),
                choices=tuple(f.get("choices") or ()),
                title_ru=f.get("title_ru", ""),
            )
            for f in data.get("fields") or ()
        )
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        return cls(
            data["name"],
            data.get("title_ru", ""),
            fields,
            bool(data.get("serial_required", False)),
        )


class CmdbSettings(Persistent):
    """``/settings/ci-classes``: class definitions and the per-class serial indexes."""

    __parent__: Any = None
    __name__: str | None = None
    #: Files uploaded on the import page: token -> itsm.cmdb.staged_import.StagedImport.
    staged_imports: Any = None

    def __init__(self) -> None:
        self.classes = OOBTree()  # name -> CiClass
        self.serials = OOBTree()  # class name -> OOBTree(normalised serial -> CI number)

    def get(self, name: str) -> CiClass | None:
        return self.classes.get(name)

    def names(self) -> list[str]:
        return list(self.classes.keys())

    def put(self, ci_class: CiClass) -> None:
        """Add or replace a class definition (existing CIs keep their stored values)."""
        self.classes[ci_class.name] = ci_class
        if ci_class.name not in self.serials:
            self.serials[ci_class.name] = OOBTree()

    def serial_index(self, class_name: str) -> Any:
        index = self.serials.get(class_name)
        if index is None:
            index = self.serials[class_name] = OOBTree()
        return index


def normalise_serial(serial: str) -> str:
    """Serials compare without case and surrounding spaces: ``" ab12 "`` is ``"AB12"``."""
    return serial.strip().upper()


def cmdb_settings(root: Any) -> CmdbSettings:
    """The stored settings, or empty unstored ones (reading never writes)."""
    stored = root["settings"].get(SETTINGS_NAME)
    return stored if stored is not None else CmdbSettings()


def ensure_cmdb_settings(root: Any) -> CmdbSettings:
    """The stored settings, created on first write."""
    settings = root["settings"]
    stored = settings.get(SETTINGS_NAME)
    if stored is None:
        stored = settings.add(SETTINGS_NAME, CmdbSettings())
    return stored


def _f(name: str, title: str, title_ru: str, type_: str = "string", **kw: Any) -> FieldDef:
    return FieldDef(name, title, type_, title_ru=title_ru, **kw)


_HW = (
    _f("model", "Model", "Модель"),
    _f("cpu", "CPU", "Процессор"),
    _f("ram_gb", "RAM, GB", "ОЗУ, ГБ", "int"),
)

#: The demo's classes (``load_demo`` stores them; a site defines its own).
DEMO_CLASSES = (
    CiClass("Laptop", "Ноутбук", _HW, serial_required=True),
    CiClass("Desktop", "Настольный компьютер", _HW, serial_required=True),
    CiClass(
        "Monitor",
        "Монитор",
        (_f("model", "Model", "Модель"), _f("diagonal", "Diagonal, inches", "Диагональ", "int")),
        serial_required=True,
    ),
    CiClass(
        "Phone",
        "Телефон",
        (
            _f("imei", "IMEI", "IMEI", required=True),
            _f("number", "Phone number", "Номер телефона"),
            _f("mdm_enrolled", "MDM enrolled", "Подключён к MDM", "bool"),
        ),
    ),
    CiClass(
        "Software licence",
        "Лицензия ПО",
        (
            _f("seats", "Seats", "Число мест", "int", required=True),
            _f("expiry", "Expiry", "Окончание", "date"),
            _f("vendor", "Vendor", "Производитель"),
        ),
    ),
    CiClass(
        "Account",
        "Учётная запись",
        (
            _f("system", "System", "Система", required=True),
            _f("login", "Login", "Логин", required=True),
        ),
    ),
    CiClass(
        "Server",
        "Сервер",
        (
            _f("hostname", "Host name", "Имя хоста"),
            _f("os", "Operating system", "Операционная система"),
            _f("environment", "Environment", "Среда", "choice", choices=("prod", "test", "dev")),
        ),
    ),
    CiClass(
        "Network device",
        "Сетевое устройство",
        (
            _f("kind", "Kind", "Вид", "choice", choices=("router", "switch", "firewall", "ap")),
            _f("ip", "IP address", "IP-адрес"),
        ),
    ),
    CiClass(
        "Application service",
        "Прикладной сервис",
        (
            _f("url", "URL", "Адрес"),
            _f("criticality", "Criticality", "Критичность", "choice", choices=("high", "low")),
        ),
    ),
)
