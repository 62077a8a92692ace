"""The email channel: mail to the desk becomes tickets, replies, or held mail.

``intake.take_message`` is the one way in (``itsm-mail-in`` through ``POST /api/v1/mail/in``,
the IMAP poller, the quarantine's release); ``models`` holds ``/mail`` and its quarantine;
``imap`` is the poller (a worker job), ``views`` and ``api`` the quarantine page and API.
"""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.mailin.models import MailIn

    config.add_itsm_container("mail", MailIn)
    config.include("itsm.mailin.gateway")
    config.include("itsm.mailin.imap")
    config.include("itsm.mailin.api")
    config.scan("itsm.mailin.views")
