"""Announcements IT staff post on the portal (an outage, planned work), shown until they expire.

Stored in ``root.announcements``: an OOBTree keyed by random ids (concurrent posts write to
different buckets), created by the first post; reads never create it. Who may post is decided
by the ACL of :class:`AnnouncementBoard`, a resource made per request, never stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.i18n import _
from itsm.security.permissions import P

SEVERITIES = {
    "info": _("Information"),
    "warning": _("Warning"),
    "outage": _("Outage"),
}
AUDIENCES = {"everyone": _("Everyone")}
TITLE_MAX = 200
BODY_MAX = 10_000
#: How long a new announcement shows when no expiry is given.
DEFAULT_DAYS = 7
FIELDS = ("title", "body", "severity", "starts", "expires", "audience")


class AnnouncementBoard:
    """``/announcements``: everyone logged in reads; IT staff post (permission ``post``)."""

    __name__ = "announcements"

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", (P.VIEW, P.POST)),
        (Allow, Authenticated, P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]

    def __init__(self, root: Any) -> None:
        self.__parent__ = root
        self.root = root

    @property
    def items(self) -> Any:
        """The stored announcements; an empty dict before the first post."""
        stored = getattr(self.root, "announcements", None)
        return stored if stored is not None else {}

    def get(self, key: str) -> Announcement | None:
        return self.items.get(key) if key else None

    def current(self, now: datetime) -> list[Announcement]:
        """What the portal shows now, most severe then newest first."""
        live = [a for a in self.items.values() if a.is_current(now)]
        order = {"outage": 0, "warning": 1, "info": 2}
        live.sort(key=lambda a: (order.get(a.severity, 3), -a.starts.timestamp()))
        return live

    def all(self) -> list[Announcement]:
        """Every announcement, newest start first (the staff's list)."""
        return sorted(self.items.values(), key=lambda a: a.starts, reverse=True)


class Announcement(Persistent):
    """One announcement; ``body`` is plain text (shown escaped, line breaks kept)."""

    audience = "everyone"
    updated: datetime | None = None
    updated_by: str | None = None

    def __init__(self, key: str, author: str | None, created: datetime) -> None:
        self.key = key
        self.author = author
        self.created = created
        self.title = ""
        self.body = ""
        self.severity = "info"
        self.starts = created
        self.expires = created + timedelta(days=DEFAULT_DAYS)

    def is_current(self, now: datetime) -> bool:
        return self.starts <= now < self.expires

    def state(self, now: datetime) -> str:
        if now < self.starts:
            return "scheduled"
        return "current" if now < self.expires else "expired"


class AnnouncementInvalid(Exception):
    """Per-field messages of a refused announcement."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        super().__init__("invalid announcement")
        self.message = _("Some fields are not valid.")
        self.fields = dict(fields)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time; without an offset it is taken as UTC. None when empty."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _clean(
    values: Mapping[str, Any], current: Announcement | None, now: datetime
) -> dict[str, Any]:
    """Validate the fields given (all of them for a new one); raise AnnouncementInvalid."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    new = current is None
    if "title" in values or new:
        title = str(values.get("title") or "").strip()
        if not title:
            errors["title"] = _("Required")
        elif len(title) > TITLE_MAX:
            errors["title"] = _("At most ${n} characters.", mapping={"n": TITLE_MAX})
        clean["title"] = title
    if "body" in values or new:
        body = str(values.get("body") or "").strip()
        if len(body) > BODY_MAX:
            errors["body"] = _("At most ${n} characters.", mapping={"n": BODY_MAX})
        clean["body"] = body
    if "severity" in values or new:
        severity = str(values.get("severity") or "info")
        if severity not in SEVERITIES:
            errors["severity"] = _("Choose one of the options.")
        clean["severity"] = severity
    if "audience" in values or new:
        audience = str(values.get("audience") or "everyone")
        if audience not in AUDIENCES:
            errors["audience"] = _("Choose one of the options.")
        clean["audience"] = audience
    for name in ("starts", "expires"):
        if name in values or new:
            try:
                clean[name] = parse_time(values.get(name))
            except ValueError:
                errors[name] = _("A date and time, such as 2026-05-01T09:00.")
    if "starts" in clean and clean["starts"] is None:
        clean["starts"] = current.starts if current is not None else now
    if "expires" in clean and clean["expires"] is None:
        if current is None and clean.get("starts") is not None:
            clean["expires"] = clean["starts"] + timedelta(days=DEFAULT_DAYS)
        else:
            errors["expires"] = _("Required")
    starts = clean.get("starts", current.starts if current else None)
    expires = clean.get("expires", current.expires if current else None)
    if not errors and starts is not None and expires is not None and expires <= starts:
        errors["expires"] = _("The end must come after the start.")
    if errors:
        raise AnnouncementInvalid(errors)
    return clean


def post(root: Any, values: Mapping[str, Any], author: str | None, now: datetime) -> Announcement:
    """Store a new announcement (IT staff; the caller checked the permission)."""
    clean = _clean(values, None, now)
    if getattr(root, "announcements", None) is None:
        root.announcements = OOBTree()
    while True:
        key = secrets.token_hex(8)
        if key not in root.announcements:
            break
    announcement = Announcement(key, author, now)
    for name, value in clean.items():
        setattr(announcement, name, value)
    root.announcements[key] = announcement
    return announcement


def edit(
    announcement: Announcement, values: Mapping[str, Any], actor: str | None, now: datetime
) -> Announcement:
    """Change the fields given; unchanged values are not written."""
    clean = _clean(values, announcement, now)
    changed = False
    for name, value in clean.items():
        if getattr(announcement, name) != value:
            setattr(announcement, name, value)
            changed = True
    if changed:
        announcement.updated = now
        announcement.updated_by = actor
    return announcement


def expire_now(announcement: Announcement, actor: str | None, now: datetime) -> None:
    """Take it off the portal at once (kept in the list, marked expired)."""
    if announcement.expires > now:
        if announcement.starts > now:
            announcement.starts = now
        announcement.expires = now
        announcement.updated = now
        announcement.updated_by = actor


def remove(root: Any, announcement: Announcement) -> None:
    root.announcements.pop(announcement.key, None)


def announcement_json(announcement: Announcement, now: datetime) -> dict[str, Any]:
    return {
        "id": announcement.key,
        "title": announcement.title,
        "body": announcement.body,
        "severity": announcement.severity,
        "audience": announcement.audience,
        "starts": announcement.starts.isoformat(),
        "expires": announcement.expires.isoformat(),
        "state": announcement.state(now),
        "author": announcement.author,
        "created": announcement.created.isoformat(),
        "updated": announcement.updated.isoformat() if announcement.updated else None,
    }
