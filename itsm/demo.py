"""Demo content for ``itsm-init --demo``: accounts, support groups, and whatever later features
need to show something. Every step checks first, so loading twice changes nothing."""

from __future__ import annotations

from typing import Any

from itsm.directory.local import add_account
from itsm.people.groups import SupportGroup

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, printed by itsm-init

#: login, name, department, title, manager, groups
DEMO_PEOPLE = (
    ("admin", "Alice Admin", "IT", "IT administrator", None, ("Administrators", "Service Desk")),
    ("manager", "Mark Manager", "IT", "Head of IT operations", None, ("Change Board",)),
    ("agent", "Anna Agent", "IT", "Service desk analyst", "manager", ("Service Desk", "Workplace")),
    ("agent2", "Nikolai Network", "IT", "Network engineer", "manager", ("Network",)),
    ("employee", "Elena Employee", "Sales", "Account manager", "manager", ()),
    ("employee2", "Egor Employee", "Finance", "Accountant", "manager", ()),
)

#: name, Russian title, description, lead, strategy, escalation group, tier
DEMO_GROUPS = (
    (
        "Service Desk",
        "Служба поддержки",
        "First line: everything not routed elsewhere",
        "agent",
        "round_robin",
        "Workplace",
        1,
    ),
    (
        "Network",
        "Сеть",
        "VPN, Wi-Fi, network access and firewalls",
        "agent2",
        "least_loaded",
        None,
        2,
    ),
    (
        "Workplace",
        "Рабочие места",
        "Laptops, printers, phones and software",
        "agent",
        "least_loaded",
        None,
        2,
    ),
)


def load_demo(root: Any, *, with_accounts: bool) -> list[str]:
    """Load what is missing; return a line for each thing created."""
    created: list[str] = []
    groups = root["settings"]["groups"]
    for name, title_ru, description, lead, strategy, escalation, tier in DEMO_GROUPS:
        if name not in groups:
            groups.add(
                name,
                SupportGroup(
                    name,
                    title_ru=title_ru,
                    description=description,
                    lead=lead,
                    strategy=strategy,
                    escalation_group=escalation,
                    tier=tier,
                    email=f"{name.lower().replace(' ', '-')}@example.com",
                ),
            )
            created.append(f"group {name}")
    if with_accounts:
        for login, name, department, title, manager, member_of in DEMO_PEOPLE:
            if login not in root.accounts:
                add_account(
                    root.accounts,
                    login,
                    DEMO_PASSWORD,
                    name=name,
                    email=f"{login}@example.com",
                    department=department,
                    title=title,
                    manager=manager,
                    groups=member_of,
                    phone="+7 495 000-00-" + f"{len(root.accounts) + 10:02d}",
                )
                created.append(f"account {login}")
    return created
