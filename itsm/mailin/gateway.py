"""``POST /api/v1/mail/in``: how ``itsm-mail-in`` hands a mail to the running desk.

A FileStorage is held by the desk's process, so a command beside it (an MTA pipe) cannot open
the database (PITFALLS, "A command beside the server on FileStorage"). The command posts the
raw message here, on loopback, with the shared secret ``itsm.mail_in.secret`` in the
``X-Itsm-Mail-Secret`` header (compared in constant time); the desk takes it in the request's
transaction and answers 200 with the outcome once it is committed. 503 (the directory or the
database does not answer) makes the command exit 75, so the MTA tries again later.

The body is the message itself (``Content-Type: message/rfc822``), not JSON: the operation is
declared with that body type, so it is documented but requests are not validated against it
(the view reads the body and the query itself, and says 404 or 403 before anything else).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from pyramid.security import NO_PERMISSION_REQUIRED
from transaction.interfaces import TransientError
from ZODB.POSException import POSError

from itsm.api.errors import ApiError
from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints
from itsm.i18n import _
from itsm.mailin.intake import TemporaryFailure, hold_failed, take_message

log = logging.getLogger(__name__)

PATH = "/api/v1/mail/in"
SECRET_HEADER = "X-Itsm-Mail-Secret"  # noqa: S105 - a header name
OUTCOME_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["ticket", "request", "reply", "quarantined", "ignored", "duplicate"],
        },
        "number": {"type": "string", "description": "The ticket made or replied to, or empty"},
        "reason": {"type": "string", "description": "Why it was held or ignored"},
        "held": {"type": "string", "description": "The id in /mail/quarantine"},
        "detail": {"type": "string"},
    },
}
PARAMETERS = [
    {"name": SECRET_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
    {
        "name": "recipient",
        "in": "query",
        "schema": {"type": "string"},
        "description": "The envelope recipient (for the aliases)",
    },
    {
        "name": "source",
        "in": "query",
        "schema": {"type": "string", "maxLength": 20},
        "description": "Where the mail came from, for the log (default pipe)",
    },
]

api = Endpoints(__name__, ["mail"])
api.route("api.mail.in", PATH)


def _authorised(request: Any) -> bool:
    secret = request.registry.itsm_settings.mail_in.secret
    given = request.headers.get(SECRET_HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


@api.view(
    "api.mail.in",
    "POST",
    NO_PERMISSION_REQUIRED,
    "Take one mail (itsm-mail-in; the shared secret, not a person, authorises it)",
    {
        **response("200", "Taken (committed): what it became", OUTCOME_SCHEMA),
        **response("413", "Larger than itsm.mail_in.max_bytes"),
        **response("503", "Not stored now (the directory or the database does not answer)"),
    },
    parameters=PARAMETERS,
    body={"type": "string", "format": "binary"},
    body_type="message/rfc822",
    security=[],
    require_csrf=False,
)
def mail_in_view(request: Any) -> dict[str, Any]:
    settings = request.registry.itsm_settings.mail_in
    if not settings.secret:
        raise ApiError(
            404, "not_found", _("Mail intake over HTTP is off (no itsm.mail_in.secret).")
        )
    if not _authorised(request):
        log.warning("mail-in: refused a mail from %s: wrong secret", request.client_ip)
        raise ApiError(403, "forbidden", _("Wrong mail intake secret."))
    if (request.content_length or 0) > settings.max_bytes:
        raise ApiError(413, "too_large", _("The mail is larger than the intake limit."))
    raw = request.body
    if len(raw) > settings.max_bytes:
        raise ApiError(413, "too_large", _("The mail is larger than the intake limit."))
    if not raw.strip():
        raise ApiError(400, "invalid", _("The mail is empty."))
    source = (request.GET.get("source") or "pipe")[:20]
    recipient = (request.GET.get("recipient") or "")[:500]
    root = request.itsm_root
    try:
        outcome = take_message(
            root, raw, registry=request.registry, source=source, recipient=recipient
        )
    except TemporaryFailure as error:
        log.warning("mail-in: not taken now, the sender's MTA will retry: %s", error)
        raise ApiError(503, "unavailable", _("Try again later.")) from None
    except (TransientError, POSError, OSError):
        raise  # retried by pyramid_retry, or a 503 from the storage error views
    except Exception as error:  # noqa: BLE001 - a bug must not lose the mail: hold it instead
        log.exception("mail-in: the intake failed; the mail is kept in the quarantine")
        request.tm.abort()
        request.tm.begin()
        outcome = hold_failed(
            root,
            raw,
            registry=request.registry,
            source=source,
            error=f"{type(error).__name__}: {error}",
        )
    return outcome.as_json()


def includeme(config: Any) -> None:
    api.include(config)
