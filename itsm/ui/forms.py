"""What every page that shows or reads a form shares: the form's state, flash messages,
times and sizes for display, and uploaded files.

Domain pages import these from here, never from another domain's ``views``: an edit to the
incident pages must not be able to break the change or catalog pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from itsm.i18n import _
from itsm.security.roles import is_staff as is_staff  # the one staff rule, for the pages
from itsm.tickets.journal import make_attachment

# -- the state of a form --------------------------------------------------------------------------


class FormState:
    """One form's field values by path (the stored ones, or what a refused POST sent), its
    messages by path, and a message for the whole form.

    A page with several forms (the incident page folds one per action) names the one that
    was sent in ``form``; :meth:`of` gives that form's state, and an empty one for the others.
    """

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, Any] | None = None,
        message: Any = None,
        form: str | None = None,
    ) -> None:
        self.form = form
        self.values = dict(values or {})
        self.errors = dict(errors or {})
        self.message = message or (_("Some fields are not valid.") if self.errors else None)

    def of(self, form: str) -> FormState:
        """The state of the form named ``form`` on this page: this one, or an empty one."""
        return self if form == self.form else FormState()

    def open(self, form: str) -> bool:
        """Whether the folded form ``form`` should unfold (it is the one that failed)."""
        return form == self.form

    def value(self, path: str, default: Any = "") -> Any:
        return self.values.get(path, default)

    def error(self, path: str) -> Any:
        return self.errors.get(path)

    def invalid(self, path: str) -> str:
        """The CSS class of a field: ``is-invalid`` when it has a message."""
        return "is-invalid" if path in self.errors else ""

    def described(self, path: str, *ids: str) -> str | None:
        """``aria-describedby`` of a field: its help text and its message when there is one."""
        refs = [*ids, f"{path}-error"] if path in self.errors else list(ids)
        return " ".join(refs) or None


# -- messages -------------------------------------------------------------------------------------


def translate(request: Any, term: Any) -> str:
    return request.localizer.translate(term)


def flash(request: Any, term: Any, queue: str = "success") -> None:
    # The session is JSON: a TranslationString would lose its mapping, so translate now.
    request.session.flash(translate(request, term), queue)


# -- times and sizes ------------------------------------------------------------------------------


def display_time(value: datetime | None) -> str:
    """UTC, minute precision; itsm.js shows ``<time data-local>`` in the reader's zone."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso_time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else ""


def duration(seconds: float) -> Any:
    """Business time as "2 d 3 h", "3 h 20 min" or "12 min" (days of 24 hours)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("${d} d ${h} h", mapping={"d": days, "h": hours})
    if hours:
        return _("${h} h ${m} min", mapping={"h": hours, "m": mins})
    return _("${m} min", mapping={"m": mins})


def human_size(size: int) -> str:
    """1536 -> "1.5 KB"; units stay in Latin letters in both languages."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


# -- uploaded files -------------------------------------------------------------------------------


def upload_size(upload: Any) -> int:
    """The size of an uploaded file (a webob FieldStorage) without reading it into memory."""
    stream = upload.file
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def uploads(request: Any, name: str) -> list[Any]:
    """The files sent in a multiple file input (webob gives "" for an empty one)."""
    return [
        f for f in request.POST.getall(name) if getattr(f, "filename", None) and hasattr(f, "file")
    ]


def store_uploads(request: Any, files: Iterable[Any]) -> list[Any]:
    """Files as attachments (blobs); AttachmentTooLarge for one over the limit."""
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    return [make_attachment(f.filename, f.file, max_bytes, f.type or "") for f in files]


def too_large_message(request: Any, names: Iterable[str]) -> Any:
    return _(
        "Too large: ${names}. Each file may have at most ${size}. Choose the files again.",
        mapping={
            "names": ", ".join(names),
            "size": human_size(request.registry.itsm_settings.attachment_max_bytes),
        },
    )


def refused_message(request: Any, error: Any) -> Any:
    """The form message for an AttachmentRefused: too large, or of a type not accepted."""
    from itsm.tickets.journal import AttachmentTypeRefused

    if isinstance(error, AttachmentTypeRefused):
        return _(
            "Not accepted: ${name}: ${reason}. Choose another file.",
            mapping={"name": error.filename, "reason": request.localizer.translate(error.reason)},
        )
    return too_large_message(request, [str(error)])


def check_uploads(request: Any, files: list[Any], max_files: int) -> Any:
    """An error message for a file input sent with ``files``, or None."""
    if len(files) > max_files:
        return _("At most ${n} files at a time.", mapping={"n": max_files})
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    too_big = [f.filename for f in files if upload_size(f) > max_bytes]
    return too_large_message(request, too_big) if too_big else None


# -- people ---------------------------------------------------------------------------------------


class People:
    """Display names of logins, read once per request, and the IT staff to assign to."""

    def __init__(self, root: Any) -> None:
        self.people = root["people"]
        self._names: dict[str | None, str] = {}

    def name(self, login: str | None) -> str:
        if not login:
            return ""
        if login not in self._names:
            person = self.people.get(login)
            self._names[login] = person.display_name if person is not None else login
        return self._names[login]

    def agents(self) -> list[Any]:
        return sorted(
            (p for p in self.people.values() if "agent" in p.roles),
            key=lambda p: p.display_name.casefold(),
        )
