"""Deliver the outbox over SMTP: the worker's ``deliver_outbox`` job.

Each message goes in its own transaction: send, then mark it sent and commit. A crash between
the two sends the message again on the next turn; its stable ``Message-ID`` lets mail clients
drop the duplicate (at least once, duplicates harmless). A failure schedules a retry with
backoff; nothing is ever dropped silently.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from itsm.notify.outbox import OutgoingMail
from itsm.settings import MailSettings

log = logging.getLogger(__name__)


def lost_connection(exc: BaseException) -> bool:
    """True when the connection is gone, so the next message would fail the same way.

    ``smtplib.SMTPException`` is a subclass of ``OSError``: an SMTP answer such as 451 or 552
    about one message must not be mistaken for a lost connection (the turn goes on).
    """
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def build_message(
    mail: OutgoingMail, sender: str, sender_name: str = "IT Service Desk"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(mail.created.timestamp(), localtime=False)
    message["Message-ID"] = mail.message_id
    # RFC 3834: we are automatic; well-behaved responders do not answer, and we ignore those
    # that do (mail loops).
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in mail.headers.items():
        if name not in message:
            message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for filename, content_type, data in mail.attachments:
        maintype, _slash, subtype = content_type.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else None
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return message


class SmtpTransport:
    """One SMTP connection for one delivery turn."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        s = self.settings
        if s.tls == "ssl":
            self.smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.tls == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
        if s.username:
            self.smtp.login(s.username, s.password)
        return self

    def send(self, message: EmailMessage) -> dict[str, Any]:
        """Send; returns the recipients the server refused (when it took the others)."""
        assert self.smtp is not None
        return self.smtp.send_message(message)

    def __exit__(self, *exc: Any) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()


def deliver_outbox(ctx: Any, limit: int = 200) -> str | None:
    """Send what is due; returns a one-line summary for the log (None when idle)."""
    now = ctx.now()
    settings: MailSettings = ctx.settings.mail
    keys = ctx.transact(lambda root: root.outbox.due(now)[:limit])
    if not keys:
        return None
    sent = failed = 0
    try:
        transport = SmtpTransport(settings).__enter__()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning(
            "outbox: the mail server %s:%s does not answer (%s)",
            settings.host,
            settings.port,
            error,
        )

        def postpone(root: Any) -> None:
            for key in keys:
                mail = root.outbox.pending.get(key)
                if mail is not None:
                    mail.schedule_retry(error, now, server_down=True)

        ctx.transact(postpone)
        return f"mail server unavailable, {len(keys)} message(s) kept for a retry"
    try:
        for key in keys:
            message = ctx.transact(lambda root, key=key: _message_of(root, key, settings))
            if message is None:
                continue
            try:
                refused = transport.send(message)
            except smtplib.SMTPRecipientsRefused as exc:
                error = f"recipients refused: {exc.recipients}"
                ctx.transact(lambda root, key=key, e=error: _retry(root, key, e, now))
                failed += 1
                continue
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                down = lost_connection(exc)
                ctx.transact(lambda root, key=key, e=error, d=down: _retry(root, key, e, now, d))
                failed += 1
                if down:
                    break
                continue
            if refused:
                log.warning("outbox: %s sent, but the server refused %s", key, refused)
            ctx.transact(lambda root, key=key: root.outbox.mark_sent(key))
            sent += 1
    finally:
        transport.__exit__(None, None, None)
    return f"sent {sent}, failed {failed}"


def _message_of(root: Any, key: str, settings: MailSettings) -> EmailMessage | None:
    mail = root.outbox.pending.get(key)
    if mail is None or mail.failed:
        return None
    try:
        return build_message(mail, settings.sender)
    except (ValueError, TypeError, LookupError) as exc:
        # It would fail the same way at every turn and, oldest first, hold up the rest of the
        # outbox: keep it as failed (committed by this transaction) and go on.
        mail.give_up(f"cannot build the message: {type(exc).__name__}: {exc}")
        log.error("outbox: %s to %s cannot be built (%s); kept as failed", key, mail.to, exc)
        return None


def _retry(root: Any, key: str, error: str, now: Any, server_down: bool = False) -> None:
    mail = root.outbox.pending.get(key)
    if mail is not None:
        mail.schedule_retry(error, now, server_down=server_down)
        log.warning("outbox: %s to %s failed (%s), attempt %d", key, mail.to, error, mail.attempts)
