"""The demo service catalog (``itsm-init --demo``): loaded once, as data."""

from __future__ import annotations

from typing import Any

from itsm.requests.catalog import CatalogItem, add_item

MANAGER = ({"kind": "manager"},)
REASON = {"name": "reason", "type": "textarea", "title": "Why do you need it?",
          "title_ru": "Зачем это нужно?"}  # fmt: skip


def _task(key: str, group: str, title: str, *depends_on: str) -> dict[str, Any]:
    return {"key": key, "group": group, "title": title, "depends_on": depends_on}


DEMO_ITEMS: tuple[dict[str, Any], ...] = (
    {
        "slug": "new-laptop",
        "name": "New laptop",
        "name_ru": "Новый ноутбук",
        "description": "A company laptop, imaged and ready to use.",
        "description_ru": "Служебный ноутбук, настроенный и готовый к работе.",
        "category": "hardware",
        "icon": "laptop",
        "price": 1200.0,
        "delivery_days": 10,
        "fields": (
            {
                "name": "model",
                "type": "choice",
                "title": "Model",
                "title_ru": "Модель",
                "required": True,
                "choices": (
                    ("standard", "Standard 14″", "Стандартный 14″"),
                    ("performance", "Performance 16″", "Производительный 16″"),
                    ("ultralight", "Ultralight 13″", "Лёгкий 13″"),
                    ("other", "Other", "Другая"),
                ),
            },
            {
                "name": "other_model",
                "type": "text",
                "title": "Which model and why",
                "title_ru": "Какая модель и почему",
                "required": True,
                "show_if": {"field": "model", "equals": ["other"]},
            },
            {"name": "needed_by", "type": "date", "title": "Needed by", "title_ru": "Нужен к"},
            REASON,
        ),
        "approval": MANAGER,
        "tasks": (
            _task("prepare", "Workplace", "Prepare and image the laptop"),
            {
                **_task("deliver", "Workplace", "Hand the laptop over", "prepare"),
                "delivers": "Laptop",
            },
        ),
    },
    {
        "slug": "software-install",
        "name": "Software install",
        "name_ru": "Установка программы",
        "description": "Install licensed software on your computer.",
        "description_ru": "Установка лицензионной программы на ваш компьютер.",
        "category": "software",
        "icon": "download",
        "price": 0.0,
        "delivery_days": 3,
        "fields": (
            {
                "name": "software",
                "type": "text",
                "title": "Software",
                "title_ru": "Программа",
                "required": True,
            },  # fmt: skip
            {
                "name": "computer",
                "type": "text",
                "title": "Computer name",
                "title_ru": "Имя компьютера",
            },  # fmt: skip
            REASON,
        ),
        "tasks": (
            {**_task("install", "Workplace", "Install the software"), "licence": "software"},
        ),
    },
    {
        "slug": "vpn-access",
        "name": "VPN access",
        "name_ru": "Доступ к VPN",
        "description": "Work from outside the office through the company VPN.",
        "description_ru": "Работа вне офиса через корпоративный VPN.",
        "category": "access",
        "icon": "shield-lock",
        "price": 0.0,
        "delivery_days": 2,
        "fields": (
            REASON,
            {"name": "until", "type": "date", "title": "Until", "title_ru": "До"},
        ),  # fmt: skip
        "approval": MANAGER,
        "tasks": (
            _task("profile", "Network", "Create the VPN profile"),
            _task("instructions", "Service Desk", "Send the set-up instructions", "profile"),
        ),
    },
    {
        "slug": "shared-access",
        "name": "Access to a shared folder or system",
        "name_ru": "Доступ к общей папке или системе",
        "description": "Read or write access, approved by the system's owner.",
        "description_ru": "Доступ на чтение или запись с согласия владельца системы.",
        "category": "access",
        "icon": "folder-symlink",
        "price": 0.0,
        "delivery_days": 2,
        "fields": (
            {
                "name": "system",
                "type": "choice",
                "title": "System",
                "title_ru": "Система",
                "required": True,
                "choices": (
                    ("fileshare", "Shared folder", "Общая папка"),
                    ("crm", "CRM", "CRM"),
                    ("accounting", "Accounting", "Бухгалтерия"),
                ),
            },
            {
                "name": "path",
                "type": "text",
                "title": "Folder or role",
                "title_ru": "Папка или роль",
            },  # fmt: skip
            {
                "name": "level",
                "type": "choice",
                "title": "Access",
                "title_ru": "Доступ",
                "required": True,
                "choices": (("read", "Read", "Чтение"), ("write", "Write", "Запись")),
            },
            {
                "name": "signed_form",
                "type": "file",
                "title": "Signed form",
                "title_ru": "Подписанная заявка",
                "description": "The access form signed by your manager, if your team uses one.",
                "description_ru": "Заявка на доступ, подписанная руководителем, если она нужна.",
            },
        ),
        "approval": (
            {
                "kind": "group",
                "by_field": "system",
                "groups": {
                    "fileshare": "Administrators",
                    "crm": "Change Board",
                    "accounting": "Change Board",
                },
            },
        ),
        "tasks": (_task("grant", "Service Desk", "Grant the access"),),
    },
    {
        "slug": "new-phone",
        "name": "New phone",
        "name_ru": "Новый телефон",
        "description": "A company smartphone, enrolled in device management.",
        "description_ru": "Служебный смартфон, подключённый к системе управления устройствами.",
        "category": "hardware",
        "icon": "phone",
        "price": 500.0,
        "delivery_days": 7,
        "fields": (
            {
                "name": "model",
                "type": "choice",
                "title": "Model",
                "title_ru": "Модель",
                "required": True,
                "choices": (("android", "Android", "Android"), ("iphone", "iPhone", "iPhone")),
            },
            {
                "name": "port_number",
                "type": "checkbox",
                "title": "Keep my current number",
                "title_ru": "Сохранить мой номер",
            },  # fmt: skip
        ),
        "approval": MANAGER,
        "tasks": (
            _task("order", "Workplace", "Order the phone"),
            _task("mdm", "Workplace", "Enrol the phone in MDM", "order"),
            {**_task("handover", "Workplace", "Hand the phone over", "mdm"), "delivers": "Phone"},
        ),
    },
    {
        "slug": "password-reset-desk",
        "name": "Password reset by the desk",
        "name_ru": "Сброс пароля службой поддержки",
        "description": "For people who cannot use the self-service password reset.",
        "description_ru": "Для тех, кто не может сбросить пароль самостоятельно.",
        "category": "access",
        "icon": "key",
        "price": 0.0,
        "delivery_days": 1,
        "fields": (
            {
                "name": "account",
                "type": "person",
                "title": "Whose account",
                "title_ru": "Чья учётная запись",
                "required": True,
            },  # fmt: skip
            {
                "name": "phone",
                "type": "text",
                "title": "Phone to call back",
                "title_ru": "Телефон для связи",
                "required": True,
            },  # fmt: skip
        ),
        "tasks": (_task("reset", "Service Desk", "Verify the caller and reset the password"),),
    },
    {
        "slug": "onboarding",
        "name": "New employee onboarding",
        "name_ru": "Выход нового сотрудника",
        "description": "Account, mail, laptop, phone and VPN for a new colleague.",
        "description_ru": "Учётная запись, почта, ноутбук, телефон и VPN для нового сотрудника.",
        "category": "people",
        "icon": "person-plus",
        "price": 1700.0,
        "delivery_days": 10,
        "fields": (
            {
                "name": "new_hire",
                "type": "text",
                "title": "Full name",
                "title_ru": "ФИО",
                "required": True,
            },  # fmt: skip
            {
                "name": "start_date",
                "type": "date",
                "title": "First day",
                "title_ru": "Первый рабочий день",
                "required": True,
            },  # fmt: skip
            {"name": "department", "type": "text", "title": "Department", "title_ru": "Отдел"},
        ),
        "approval": MANAGER,
        "tasks": (
            _task("account", "Service Desk", "Create the directory account"),
            _task("mail", "Service Desk", "Create the mailbox", "account"),
        ),
        "bundle": (
            {
                "item": "new-laptop",
                "answers": {"model": "standard"},
                "map": {"needed_by": "start_date"},
            },
            {"item": "new-phone", "answers": {"model": "android"}},
            {"item": "vpn-access", "answers": {"reason": "New employee"}},
        ),
    },
    {
        "slug": "offboarding",
        "name": "Employee leaving",
        "name_ru": "Увольнение сотрудника",
        "description": "Disable accounts on the last day and collect everything the person has.",
        "description_ru": "Отключение учётных записей и возврат всего выданного оборудования.",
        "category": "people",
        "icon": "person-dash",
        "price": 0.0,
        "delivery_days": 5,
        "fields": (
            {
                "name": "person",
                "type": "person",
                "title": "Who is leaving",
                "title_ru": "Кто уходит",
                "required": True,
            },  # fmt: skip
            {
                "name": "last_day",
                "type": "date",
                "title": "Last day",
                "title_ru": "Последний день",
                "required": True,
            },  # fmt: skip
        ),
        "approval": MANAGER,
        "offboarding": True,
        "tasks": (
            {
                **_task("disable", "Service Desk", "Disable the accounts on the last day"),
                "not_before": "last_day",
            },
        ),
    },
)


def load_demo_catalog(root: Any) -> list[str]:
    """Add the demo items that are missing; return a line for each."""
    created = []
    for values in DEMO_ITEMS:
        values = dict(values)
        slug = values.pop("slug")
        if slug not in root["catalog"]:
            add_item(root, CatalogItem(slug, **values))
            created.append(f"catalog item {slug}")
    return created
