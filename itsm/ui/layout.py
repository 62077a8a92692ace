"""What every page's layout needs: navigation by role, flash messages, the language switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.csrf import get_csrf_token
from pyramid.renderers import get_renderer

from itsm.i18n import LANGUAGE_NAMES, _
from itsm.security.permissions import P
from itsm.security.roles import has_staff_role


@dataclass(frozen=True)
class NavItem:
    title: Any
    href: str
    active: bool = False


class Layout:
    """Handed to every template as ``layout``."""

    def __init__(self, request: Any) -> None:
        self.request = request

    @property
    def macro(self) -> Any:
        return get_renderer("itsm:ui/templates/layout.pt").implementation().macros["layout"]

    @property
    def identity(self) -> Any:
        return self.request.identity

    @property
    def locale(self) -> str:
        return self.request.locale_name

    @property
    def languages(self) -> list[tuple[str, str]]:
        locales = self.request.registry.itsm_settings.locales
        return [(code, LANGUAGE_NAMES.get(code, code)) for code in locales]

    @property
    def csrf_token(self) -> str:
        return get_csrf_token(self.request)

    def flash(self) -> list[tuple[str, Any]]:
        messages = []
        for queue in ("success", "info", "warning", "danger"):
            for message in self.request.session.pop_flash(queue):
                messages.append((queue, message))
        return messages

    def nav(self) -> list[NavItem]:
        identity = self.identity
        if identity is None:
            return []
        request = self.request
        path = request.path
        root_url = request.application_url + "/"
        # The brand links home; the person's name links their profile (see layout.pt).
        items: list[NavItem] = []
        staff = has_staff_role(identity.person.roles)
        incidents = request.application_url + "/incidents/"
        on_incidents = path.startswith("/incidents")
        new_incident = path.rstrip("/") == "/incidents/new"
        items.append(NavItem(_("Report an incident"), incidents + "new", new_incident))
        items.append(
            NavItem(
                _("Incidents") if staff else _("My incidents"),
                incidents,
                on_incidents and not new_incident,
            )
        )
        items.append(NavItem(_("Knowledge base"), root_url + "kb/", path.startswith("/kb")))
        items.append(
            NavItem(
                _("CMDB") if staff else _("My equipment"),
                root_url + "cmdb/",
                path.startswith("/cmdb"),
            )
        )
        on_tasks = path.startswith("/requests/tasks")
        on_requests = path[:4] in ("/cat", "/req") and not on_tasks
        items.append(NavItem(_("Requests"), root_url + "catalog/", on_requests))
        items.append(NavItem(_("Approvals"), root_url + "approvals/", path[:10] == "/approvals"))
        if staff:
            items.append(NavItem(_("Tasks"), root_url + "requests/tasks", on_tasks))
        if staff or identity.has_role("change_board"):
            items.append(NavItem(_("Changes"), root_url + "changes/", path[:8] == "/changes"))
        if staff or identity.has_role("manager"):
            reports = request.application_url + "/reports/"
            items.append(NavItem(_("Reports"), reports, path.startswith("/reports")))
        if staff:
            live = self.live_chat_count()
            items.append(
                NavItem(
                    _("Live chats (${n})", mapping={"n": live}) if live else _("Live chats"),
                    root_url + "chats/",
                    path.startswith("/chats"),
                )
            )
        if staff:
            items.append(NavItem(_("Problems"), root_url + "problems/", path[:9] == "/problems"))
        if staff:
            people = request.application_url + "/people/"
            on_people = path.startswith("/people") and not self.on_own_profile
            items.append(NavItem(_("People"), people, on_people))
            settings = request.application_url + "/settings/"
            items.append(NavItem(_("Settings"), settings, path.startswith("/settings")))
            if identity.has_role("admin"):
                admin = request.application_url + "/admin/"
                items.append(NavItem(_("Administration"), admin, path.startswith("/admin")))
            held = self.held_mail_count()
            items.append(
                NavItem(
                    _("Held mail (${n})", mapping={"n": held}) if held else _("Held mail"),
                    request.application_url + "/mail/quarantine/",
                    path.startswith("/mail/quarantine"),
                )
            )
        return items

    def held_mail_count(self) -> int:
        """Mails in the quarantine (a BTrees.Length: one small object read)."""
        mail = self.request.itsm_root.get("mail")
        return len(mail["quarantine"]) if mail is not None else 0

    def live_chat_count(self) -> int:
        """Waiting and live chats of the reader's groups (the ``/chats`` container of
        itsm.chat, asked by name like ``/mail`` above: this layer imports no domain)."""
        chats = self.request.itsm_root.get("chats")
        return len(chats.queue_for(self.identity)) if chats is not None else 0

    @property
    def chat_url(self) -> str:
        return self.request.application_url + "/chat"

    @property
    def profile_url(self) -> str:
        return self.request.application_url + f"/people/{self.identity.login}/"

    @property
    def on_own_profile(self) -> bool:
        identity = self.identity
        return identity is not None and self.request.path.startswith(f"/people/{identity.login}/")

    def translate(self, term: Any) -> str:
        return self.request.localizer.translate(term)


def add_layout(event: Any) -> None:
    """BeforeRender subscriber: put ``layout`` and the permissions ``P`` into every template's
    namespace (templates ask ``request.has_permission(P.CREATE, ...)`` like the code)."""
    request = event.get("request")
    if request is not None and "layout" not in event:
        event["layout"] = Layout(request)
    event.setdefault("P", P)
