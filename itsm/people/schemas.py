"""The caller's fields of the forms IT staff fill in for someone else (incident report,
catalog order)."""

from __future__ import annotations

from typing import Any

import colander
import deform

from itsm.i18n import _

#: How a caller reached the desk when an agent reports for them (``/incidents/new``).
INTAKE_CHANNELS = (
    ("phone", _("Phone")),
    ("walk_in", _("Walk-in")),
    ("chat", _("Chat")),
    ("email", _("Email")),
    ("portal", _("Portal")),
)
CHANNELS = ("portal", "api", "email", "phone", "walk_in", "chat")


def caller_nodes(request: Any) -> list[colander.SchemaNode]:
    """The fields IT staff get on the report and order forms: who called, and how. The look-up
    (``data-people-lookup``) suggests people as one types; without JavaScript it is a plain
    login field, checked against the directory when the form is sent."""
    requester = colander.SchemaNode(
        colander.String(),
        name="requester",
        title=_("Caller (requester)"),
        description=_(
            "The login of the person who called or came by; type three letters of a name, "
            "login, mail or department for suggestions. Empty: yourself."
        ),
        missing="",
        validator=colander.Length(
            max=100, max_err=_("At most ${n} characters.", mapping={"n": 100})
        ),
        widget=deform.widget.TextInputWidget(
            attributes={
                "autocomplete": "off",
                "list": "people-suggestions",
                "data-people-lookup": request.application_url + "/api/v1/people",
                "maxlength": "100",
            }
        ),
    )
    channel = colander.SchemaNode(
        colander.String(),
        name="channel",
        title=_("Channel"),
        default="phone",
        validator=colander.OneOf(
            [c for c, _title in INTAKE_CHANNELS], msg_err=_("Choose one of the options.")
        ),
        widget=deform.widget.SelectWidget(values=INTAKE_CHANNELS),
    )
    return [requester, channel]
