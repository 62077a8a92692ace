"""Demo content for ``itsm-init --demo``: accounts, support groups, and whatever later features
need to show something. Every step checks first, so loading twice changes nothing."""

from __future__ import annotations

from typing import Any

from itsm.changes.demo import load_changes_demo
from itsm.cmdb.demo import load_cmdb_demo
from itsm.directory.local import add_account
from itsm.kb.demo import load_kb_demo
from itsm.people.groups import SupportGroup
from itsm.requests.demo import load_demo_catalog

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


#: Role mapping used for the demo's person records when the caller has no ini settings.
DEMO_ROLES = {
    "agent": ("Service Desk", "Network", "Workplace"),
    "admin": ("Administrators",),
    "change_board": ("Change Board",),
    "problem_manager": ("Service Desk",),
}

#: key, title, body, Russian title, Russian body
DEMO_CANNED = (
    (
        "password",
        "Password reset done",
        "Hello ${name},\n\nyour password was reset. Log in with the temporary password you got by "
        "phone and choose a new one.\n\n${agent}, IT Service Desk",
        "Пароль сброшен",
        "Здравствуйте, ${name}!\n\nВаш пароль сброшен. Войдите с временным паролем, который вы "
        "получили по телефону, и задайте новый.\n\n${agent}, служба поддержки",
    ),
    (
        "more-info",
        "Need more information",
        "Hello ${name},\n\nto work on ${number} we need more details: when did it start, and what "
        "exactly do you see on the screen? A screenshot helps.\n\n${agent}, IT Service Desk",
        "Нужны подробности",
        "Здравствуйте, ${name}!\n\nЧтобы заняться заявкой ${number}, нам нужны подробности: когда "
        "это началось и что именно вы видите на экране? Снимок экрана очень поможет.\n\n"
        "${agent}, служба поддержки",
    ),
    (
        "vpn-restart",
        "Restart the VPN client",
        "Hello ${name},\n\nplease quit the VPN client completely, start it again and log in. "
        "If the error stays, reply to this message with its exact text."
        "\n\n${agent}, IT Service Desk",
        "Перезапустите VPN-клиент",
        "Здравствуйте, ${name}!\n\nПолностью закройте VPN-клиент, запустите его снова и войдите. "
        "Если ошибка останется, ответьте на это письмо и приведите её точный текст.\n\n"
        "${agent}, служба поддержки",
    ),
)

#: requester, title, description, impact, urgency
DEMO_INCIDENTS = (
    (
        "employee",
        "VPN disconnects every few minutes",
        "Since this morning the VPN drops every 5-10 minutes when I work from home.",
        "low",
        "high",
    ),
    (
        "employee2",
        "Принтер на 3 этаже не печатает",
        "Принтер HP у переговорной пишет «Замятие бумаги», но бумаги внутри нет.",
        "medium",
        "medium",
    ),
    (
        "employee",
        "Cannot open the sales report in Excel",
        "Excel says the file is corrupted. Colleagues can open it.",
        "low",
        "medium",
    ),
)


def load_demo(
    root: Any,
    *,
    with_accounts: bool,
    registry: Any = None,
    role_mapping: Any = None,
) -> list[str]:
    """Load what is missing; return a line for each thing created. With a ``registry`` the
    demo also gets sample incidents (made through the same function the portal uses)."""
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
        created += _demo_people(root, role_mapping or DEMO_ROLES)
    created += _demo_incident_settings(root)
    created += load_demo_catalog(root)
    created += load_cmdb_demo(root)
    created += load_kb_demo(root, registry)
    created += load_changes_demo(root)
    if registry is not None:
        created += _demo_incidents(root, registry)
    return created


def _demo_people(root: Any, role_mapping: Any) -> list[str]:
    """Person records for the local demo accounts, so routing can assign to the agents before
    they first log in."""
    from itsm.directory.local import LocalDirectory
    from itsm.people.records import refresh_person

    directory = LocalDirectory(root.accounts)
    created = []
    for login, *_rest in DEMO_PEOPLE:
        if login not in root["people"]:
            refresh_person(root["people"], directory, directory.get(login), role_mapping)
            created.append(f"person {login}")
    return created


def _demo_incident_settings(root: Any) -> list[str]:
    from itsm.incidents.intake import incident_settings
    from itsm.incidents.models import CannedReply
    from itsm.incidents.routing import demo_rules

    settings = incident_settings(root)
    created = []
    if not settings.rules:
        settings.set_rules(demo_rules())
        created.append("routing rules")
    if not settings.canned:
        settings.canned = {
            key: CannedReply(key, title, body, title_ru, body_ru)
            for key, title, body, title_ru, body_ru in DEMO_CANNED
        }
        created.append("canned replies")
    return created


def _demo_incidents(root: Any, registry: Any) -> list[str]:
    from itsm.incidents.intake import create_incident
    from itsm.tickets.context import ActionContext

    if len(root["incidents"]):
        return []
    created = []
    for requester, title, description, impact, urgency in DEMO_INCIDENTS:
        if requester not in root["people"]:
            continue
        ctx = ActionContext.system(root, registry)
        ctx.actor = requester
        incident = create_incident(
            ctx,
            requester=requester,
            title=title,
            description=description,
            impact=impact,
            urgency=urgency,
        )
        created.append(f"incident {incident.number}")
    return created
