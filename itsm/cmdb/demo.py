"""The demo's CI classes, equipment and services (called by :func:`itsm.demo.load_demo`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsm.cmdb.classes import DEMO_CLASSES, ensure_cmdb_settings
from itsm.cmdb.register import create_ci
from itsm.cmdb.relations import add_relation
from itsm.numbering import next_number
from itsm.tickets.context import ActionContext

#: key, class, values; relations below refer to the keys.
DEMO_CIS = (
    (
        "mail-srv",
        "Server",
        {
            "name": "mail01",
            "serial": "SRV-0001",
            "status": "deployed",
            "location": "Moscow DC",
            "department": "IT",
            "fields": {"hostname": "mail01.example.com", "environment": "prod"},
        },
    ),
    (
        "fw",
        "Network device",
        {
            "name": "Firewall HQ",
            "serial": "NET-0001",
            "status": "deployed",
            "location": "Moscow HQ",
            "department": "IT",
            "fields": {"kind": "firewall", "ip": "10.0.0.1"},
        },
    ),
    (
        "mail",
        "Application service",
        {"name": "Mail", "status": "deployed", "owner": "admin", "fields": {"criticality": "high"}},
    ),
    (
        "vpn",
        "Application service",
        {"name": "VPN", "status": "deployed", "owner": "agent2", "fields": {"criticality": "high"}},
    ),
    (
        "1c",
        "Application service",
        {"name": "1C", "status": "deployed", "fields": {"criticality": "high"}},
    ),
    (
        "laptop-e",
        "Laptop",
        {
            "name": "ThinkPad T14",
            "serial": "PF-3A1B2C",
            "status": "deployed",
            "owner": "employee",
            "location": "Moscow HQ, 3rd floor",
            "purchase_date": "2024-03-01",
            "warranty_end": "2027-03-01",
            "cost": "125000",
            "fields": {"model": "T14 Gen 4", "ram_gb": 16},
        },
    ),
    (
        "laptop-e2",
        "Laptop",
        {
            "name": "MacBook Air",
            "serial": "C02XYZ123",
            "status": "deployed",
            "owner": "employee2",
            "warranty_end": "2025-12-31",
            "fields": {"model": "M2", "ram_gb": 8},
        },
    ),
    (
        "laptop-spare",
        "Laptop",
        {
            "name": "ThinkPad E14 (spare)",
            "serial": "PF-9Z8Y7X",
            "status": "in_stock",
            "location": "IT store room",
        },
    ),
    (
        "monitor-e",
        "Monitor",
        {
            "name": "Dell P2422H",
            "serial": "CN-0D1234",
            "status": "deployed",
            "owner": "employee",
            "fields": {"diagonal": 24},
        },
    ),
    (
        "phone-e",
        "Phone",
        {
            "name": "iPhone 13",
            "status": "deployed",
            "owner": "employee",
            "fields": {
                "imei": "356789012345678",
                "number": "+7 900 000-00-01",
                "mdm_enrolled": True,
            },
        },
    ),
    (
        "lic-1c",
        "Software licence",
        {
            "name": "1C:Enterprise licences",
            "status": "deployed",
            "fields": {"seats": 10, "expiry": "2026-12-31"},
        },
    ),
    (
        "acc-1c-e2",
        "Account",
        {
            "name": "1C account of Egor",
            "status": "deployed",
            "owner": "employee2",
            "fields": {"system": "1C", "login": "egor"},
        },
    ),
    (
        "lic-office",
        "Software licence",
        {
            "name": "Microsoft Office 2024 licences",
            "status": "deployed",
            "fields": {"seats": 5, "expiry": "2027-12-31"},
        },
    ),
)
DEMO_RELATIONS = (
    ("mail", "runs_on", "mail-srv"),
    ("vpn", "depends_on", "fw"),
    ("mail", "depends_on", "fw"),
    ("lic-1c", "licensed_to", "1c"),
    ("acc-1c-e2", "part_of", "1c"),
    ("laptop-e", "connected_to", "monitor-e"),
)


def load_cmdb_demo(root: Any) -> list[str]:
    """Store the demo classes and, when the CMDB is empty, some CIs and relations."""
    created = []
    settings = ensure_cmdb_settings(root)
    for ci_class in DEMO_CLASSES:
        if settings.get(ci_class.name) is None:
            settings.put(ci_class)
            created.append(f"CI class {ci_class.name}")
    if len(root["cmdb"]) or "employee" not in root["people"]:
        return created
    ctx = ActionContext(root, None, datetime.now(UTC), None, frozenset({"system"}))
    made = {}
    for key, class_name, values in DEMO_CIS:
        ci = create_ci(ctx, class_name, values, number=next_number(root.counters, "ci"))
        made[key] = ci
        created.append(f"CI {ci.number}")
    for source, type_, target in DEMO_RELATIONS:
        add_relation(ctx, made[source], type_, made[target].number)
    return created
