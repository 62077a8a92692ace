"""Forms of the login flow."""

from __future__ import annotations

import colander
import deform

from itsm.i18n import _


@colander.deferred
def deferred_csrf(node: colander.SchemaNode, kw: dict) -> str:
    return kw["csrf_token"]


class LoginSchema(colander.Schema):
    login = colander.SchemaNode(
        colander.String(),
        title=_("Login"),
        validator=colander.Length(min=1, max=256),
        widget=deform.widget.TextInputWidget(
            attributes={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = colander.SchemaNode(
        colander.String(),
        title=_("Password"),
        validator=colander.Length(min=1, max=1024),
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}),
    )
    came_from = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), missing="/", title=""
    )
    csrf_token = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        default=deferred_csrf,
        missing="",  # checked by the view, which answers "session expired" instead
        title="",
    )
