"""The mailbox poller: a worker job that reads new mail from an IMAP mailbox over TLS.

Every ``itsm.mail_in.imap_interval_seconds`` the job logs in (IMAPS, or STARTTLS on request; the
server's certificate is verified against the system's CAs or ``itsm.mail_in.imap_cafile``;
with a password, or with SASL XOAUTH2 and an OAuth 2.0 token as Exchange Online requires),
looks for UNSEEN messages in ``itsm.mail_in.imap_folder`` and, one message at a time, fetches
it with ``BODY.PEEK[]`` (which does not set ``\\Seen``), hands it to
:func:`itsm.mailin.intake.take_message` and commits (up to :data:`BATCH` mails share one
transaction; when the intake fails on one of them, they go one transaction each). Only then
is the message flagged ``\\Seen`` (and moved to ``itsm.mail_in.imap_done_folder`` when one is
set). So a crash or a failed commit leaves the mail unseen for the next poll, and a mail that
was committed but not flagged (the connection dropped in between) comes back as a duplicate
that the intake recognises by its Message-ID: one mail, one ticket.

A mailbox that cannot be reached, refuses the login or breaks off is logged in one line and
tried again at the next tick. A mail larger than ``itsm.mail_in.max_bytes`` stays unseen
(looked at again after an hour). A database that cannot commit, or a directory that does not
answer (the sender cannot be looked up), ends the tick: the mail stays unseen. A mail whose
intake fails for any other reason (a bug) is held in the quarantine (``hold_failed``) and
flagged; if even that fails it stays unseen and is skipped for an hour after
:data:`MAX_FAILURES` tries, so it cannot hold up the mail behind it.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from typing import Any

import transaction.interfaces
import ZODB.POSException

from itsm.mailin.oauth import TokenError, TokenSource, xoauth2
from itsm.settings import MailInSettings

log = logging.getLogger(__name__)

#: Intake failures (other than the database's) after which a message is left alone for
#: :data:`SKIP_SECONDS`, so it cannot hold up the mail behind it at every tick.
MAX_FAILURES = 3
SKIP_SECONDS = 3600
#: Mails taken in one transaction: one commit and one fsync for all of them (they are flagged
#: after it), instead of one each.
BATCH = 20


# -- the IMAP side ------------------------------------------------------------------------------


class MailboxError(Exception):
    """The mailbox cannot be used now (unreachable, login refused, a command failed)."""


#: What imaplib, ssl and the socket raise when the server or the network fails.
IMAP_ERRORS = (OSError, imaplib.IMAP4.error, ssl.SSLError, EOFError)


def _quote(mailbox: str) -> str:
    """An IMAP quoted string (imaplib sends mailbox names as they are)."""
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailboxError(f"{what}: {status} {detail}".strip())
    return data


class Mailbox:
    """One logged-in IMAP session on the configured folder (a context manager)."""

    def __init__(self, settings: MailInSettings, tokens: TokenSource | None = None) -> None:
        self.settings = settings
        self.tokens = tokens or TokenSource()
        self.client: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        s = self.settings
        try:
            self.client = client = self._connect()
        except ssl.SSLCertVerificationError as exc:
            raise MailboxError(
                f"the server's certificate is not trusted ({exc.verify_message})"
            ) from None
        except TimeoutError:
            raise MailboxError(f"no answer within {s.imap_timeout:g} s") from None
        except IMAP_ERRORS as exc:
            raise MailboxError(f"cannot connect: {_describe(exc)}") from None
        try:
            if s.imap_auth == "xoauth2":
                self._xoauth2(client)
            else:
                client.login(s.imap_user, s.imap_password)
        except TokenError as exc:
            self._close()
            raise MailboxError(f"no OAuth token: {exc}") from None
        except IMAP_ERRORS as exc:
            self._close()
            if s.imap_auth == "xoauth2":
                self.tokens.forget()  # expired or revoked: ask for a new one next time
            raise MailboxError(f"login refused: {_describe(exc)}") from None
        try:
            _ok(client.select(_quote(s.imap_folder)), f"select {s.imap_folder}")
        except IMAP_ERRORS as exc:
            self._close()
            raise MailboxError(f"select {s.imap_folder}: {_describe(exc)}") from None
        except MailboxError:
            self._close()
            raise
        return self

    def _connect(self) -> imaplib.IMAP4:
        """A TLS connection (IMAPS, or STARTTLS before anything else is said)."""
        s = self.settings
        context = ssl.create_default_context(cafile=s.imap_cafile or None)
        if s.imap_tls == "ssl":
            return imaplib.IMAP4_SSL(
                s.imap_host, s.imap_port, ssl_context=context, timeout=s.imap_timeout
            )
        client = imaplib.IMAP4(s.imap_host, s.imap_port, timeout=s.imap_timeout)
        try:
            client.starttls(ssl_context=context)
        except BaseException:
            client.shutdown()
            raise
        return client

    def _xoauth2(self, client: imaplib.IMAP4) -> None:
        initial = xoauth2(self.settings.imap_user, self.tokens.token(self.settings))
        answered: list[bytes] = []

        def respond(challenge: bytes) -> bytes:
            # The first answer is the token; a second challenge is the server's error (JSON),
            # which takes an empty answer before the NO.
            answered.append(challenge)
            return initial if len(answered) == 1 else b""

        client.authenticate("XOAUTH2", respond)

    def __exit__(self, *exc: Any) -> None:
        self._close()

    def _close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.state == "SELECTED":
                client.close()
            client.logout()
        except IMAP_ERRORS:
            try:
                client.shutdown()
            except IMAP_ERRORS:
                pass

    @property
    def _client(self) -> imaplib.IMAP4:
        assert self.client is not None
        return self.client

    def unseen(self) -> list[bytes]:
        """The UIDs of the folder's unseen messages, oldest first."""
        data = _ok(self._client.uid("SEARCH", None, "UNSEEN"), "search")
        return [uid for uid in (data[0] or b"").split() if uid.isdigit()]

    def size(self, uid: bytes) -> int | None:
        """The message's size in bytes (RFC822.SIZE); None when it is gone."""
        data = _ok(self._client.uid("FETCH", uid, "(RFC822.SIZE)"), f"size {uid.decode()}")
        for part in data:
            text = part[0] if isinstance(part, tuple) else part
            match = _SIZE.search(text or b"")
            if match:
                return int(match.group(1))
        return None

    def fetch(self, uid: bytes) -> bytes | None:
        """The message's bytes, without setting ``\\Seen``; None when it is gone."""
        data = _ok(self._client.uid("FETCH", uid, "(BODY.PEEK[])"), f"fetch {uid.decode()}")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
                return part[1]
        return None

    def done(self, uid: bytes) -> None:
        """Flag the message ``\\Seen``, and move it to the done folder when one is set."""
        client = self._client
        _ok(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), f"flag {uid.decode()}")
        target = self.settings.imap_done_folder
        if not target:
            return
        quoted = _quote(target)
        if b"MOVE" in _capabilities(client):
            status, data = client.uid("MOVE", uid, quoted)
            if status != "OK" and b"TRYCREATE" in b" ".join(d or b"" for d in data):
                client.create(quoted)
                status, data = client.uid("MOVE", uid, quoted)
            _ok((status, data), f"move {uid.decode()} to {target}")
            return
        status, data = client.uid("COPY", uid, quoted)
        if status != "OK":
            client.create(quoted)
            status, data = client.uid("COPY", uid, quoted)
        _ok((status, data), f"copy {uid.decode()} to {target}")
        _ok(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), f"delete {uid.decode()}")
        if b"UIDPLUS" in _capabilities(client):
            _ok(client.uid("EXPUNGE", uid), f"expunge {uid.decode()}")
        else:
            _ok(client.expunge(), "expunge")


def _capabilities(client: imaplib.IMAP4) -> set[bytes]:
    return {c.upper().encode() for c in client.capabilities}


_NOISE = re.compile(r"^b'(.*)'$")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def _describe(exc: BaseException) -> str:
    """An error as one readable line (imaplib puts the server's bytes into its message)."""
    text = str(exc).strip() or type(exc).__name__
    match = _NOISE.match(text)
    return match.group(1) if match else text


# -- the job ------------------------------------------------------------------------------------


#: What the database raises when a commit cannot happen now (retried at the next tick).
DATABASE_ERRORS = (ZODB.POSException.POSError, transaction.interfaces.TransientError, OSError)


class Poller:
    """The job (``poll(ctx)``); keeps, per process, the messages whose intake keeps failing."""

    def __init__(self) -> None:
        # (mailbox, UID) -> (failed tries, when the last one was). UIDVALIDITY is not kept: a
        # UID reused after a mailbox rebuild only means a message waits, never that it is lost.
        self.failures: dict[tuple[str, bytes], tuple[int, float]] = {}
        self.tokens = TokenSource()

    def _skipped(self, key: tuple[str, bytes], now: float) -> bool:
        tries, last = self.failures.get(key, (0, 0.0))
        if tries < MAX_FAILURES:
            return False
        if now - last < SKIP_SECONDS:
            return True
        del self.failures[key]
        return False

    def __call__(self, ctx: Any) -> str | None:
        return self.poll(ctx)

    def poll(self, ctx: Any) -> str | None:
        """One turn; a summary for the worker's log, or None when there was no new mail."""
        settings = ctx.settings.mail_in
        if not settings.imap_host:
            return None
        counts: dict[str, int] = {}
        try:
            with Mailbox(settings, self.tokens) as mailbox:
                stopped = self._take_new(ctx, settings, mailbox, counts)
        except MailboxError as exc:
            log.error(
                "mail-in: mailbox %s: %s; trying again in %g s",
                where(settings),
                exc,
                settings.imap_interval_seconds,
            )
            return _summary(counts, f"mailbox failed: {exc}")
        except IMAP_ERRORS as exc:
            log.error(
                "mail-in: mailbox %s: the connection failed (%s); trying again in %g s",
                where(settings),
                _describe(exc),
                settings.imap_interval_seconds,
            )
            return _summary(counts, f"mailbox failed: {_describe(exc)}")
        return _summary(counts, stopped)

    def _take_new(
        self, ctx: Any, settings: MailInSettings, mailbox: Mailbox, counts: dict[str, int]
    ) -> str:
        """Take the unseen mail; "" when done, else why the tick stopped early."""
        batch: list[tuple[bytes, bytes]] = []
        for uid in mailbox.unseen()[: settings.imap_max_per_poll]:
            key = (where(settings), uid)
            if self._skipped(key, ctx.now().timestamp()):
                continue
            size = mailbox.size(uid)
            if size is not None and size > settings.max_bytes:
                # As itsm-mail-in refuses it (the MTA returns it to the sender); here it stays
                # unseen in the mailbox for a person, and is not fetched again for an hour.
                self.failures[key] = (MAX_FAILURES, ctx.now().timestamp())
                log.warning(
                    "mail-in: message %s in %s is larger than itsm.mail_in.max_bytes (%d > %d "
                    "bytes); left unseen in the mailbox",
                    uid.decode(),
                    where(settings),
                    size,
                    settings.max_bytes,
                )
                counts["too large"] = counts.get("too large", 0) + 1
                continue
            raw = mailbox.fetch(uid)
            if raw is None:
                continue
            batch.append((uid, raw))
            if len(batch) == BATCH:
                stopped = self._take_batch(ctx, settings, mailbox, batch, counts)
                batch = []
                if stopped:
                    return stopped
        return self._take_batch(ctx, settings, mailbox, batch, counts) if batch else ""

    def _take_batch(
        self,
        ctx: Any,
        settings: MailInSettings,
        mailbox: Mailbox,
        batch: list[tuple[bytes, bytes]],
        counts: dict[str, int],
    ) -> str:
        """Take ``batch`` in one transaction (one commit and one fsync for all of them), then
        flag each; when the intake fails on one of them, take them one by one instead."""
        together = self._take_together(ctx, settings, batch)
        if isinstance(together, str):
            return together
        if together is not None:
            for (uid, _raw), outcome in zip(batch, together, strict=True):
                self._done(settings, mailbox, uid, outcome, counts)
            return ""
        for uid, raw in batch:
            outcome = self._take(ctx, settings, uid, raw)
            if isinstance(outcome, str):
                return outcome
            if outcome is None:
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            self._done(settings, mailbox, uid, outcome, counts)
        return ""

    def _done(
        self,
        settings: MailInSettings,
        mailbox: Mailbox,
        uid: bytes,
        outcome: Any,
        counts: dict[str, int],
    ) -> None:
        """The outcome is committed: count it, log it, and only now flag (or move) the mail."""
        self.failures.pop((where(settings), uid), None)
        counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
        log.info(
            "mail-in: message %s in %s: %s %s",
            uid.decode(),
            where(settings),
            outcome.kind,
            outcome.number or outcome.reason or outcome.held,
        )
        mailbox.done(uid)

    def _take_together(
        self, ctx: Any, settings: MailInSettings, batch: list[tuple[bytes, bytes]]
    ) -> Any:
        """The batch's Outcomes, committed together; a string when the tick must stop; None
        when the intake raised for one of them (nothing was committed)."""
        from itsm.mailin.intake import TemporaryFailure, take_message

        if len(batch) == 1:
            return None  # one mail: the one-by-one path says everything about it
        numbers = ", ".join(uid.decode() for uid, _ in batch)
        try:
            return ctx.transact(
                lambda root: [
                    take_message(root, raw, registry=ctx.registry, source="imap", now=ctx.now())
                    for _uid, raw in batch
                ]
            )
        except TemporaryFailure as exc:
            log.warning(
                "mail-in: messages %s in %s stay unseen: %s; trying again in %g s",
                numbers,
                where(settings),
                exc,
                settings.imap_interval_seconds,
            )
            return "not taken now"
        except DATABASE_ERRORS as exc:
            log.error(
                "mail-in: messages %s in %s stay unseen: the database did not commit (%s: %s); "
                "trying again in %g s",
                numbers,
                where(settings),
                type(exc).__name__,
                exc,
                settings.imap_interval_seconds,
            )
            return "database failed"
        except Exception:  # noqa: BLE001 - one of them is at fault: one by one says which
            log.info(
                "mail-in: a batch from %s failed; taking it one mail at a time", where(settings)
            )
            return None

    def _take(self, ctx: Any, settings: MailInSettings, uid: bytes, raw: bytes) -> Any:
        """One mail in a committed transaction: its Outcome; a string when the tick must stop
        (the database or the directory is down); None when it failed and stays unseen."""
        from itsm.mailin.intake import TemporaryFailure, hold_failed, take_message

        mailbox, number = where(settings), uid.decode()
        try:
            # Committed when transact returns; retried there on conflicts.
            return ctx.transact(
                lambda root: take_message(
                    root, raw, registry=ctx.registry, source="imap", now=ctx.now()
                )
            )
        except TemporaryFailure as exc:
            log.warning(
                "mail-in: message %s in %s stays unseen: %s; trying again in %g s",
                number,
                mailbox,
                exc,
                settings.imap_interval_seconds,
            )
            return "not taken now"
        except DATABASE_ERRORS as exc:
            log.error(
                "mail-in: message %s in %s stays unseen: the database did not commit (%s: %s); "
                "trying again in %g s",
                number,
                mailbox,
                type(exc).__name__,
                exc,
                settings.imap_interval_seconds,
            )
            return "database failed"
        except Exception as exc:
            # A bug in the intake: keep the mail in the quarantine rather than in the mailbox,
            # where it would come back at every tick.
            error = f"{type(exc).__name__}: {exc}"
            log.exception(
                "mail-in: the intake of message %s in %s failed; holding it", number, mailbox
            )
        try:
            return ctx.transact(
                lambda root: hold_failed(
                    root, raw, registry=ctx.registry, source="imap", error=error, now=ctx.now()
                )
            )
        except Exception:
            key = (mailbox, uid)
            failures = self.failures.get(key, (0, 0.0))[0] + 1
            self.failures[key] = (failures, ctx.now().timestamp())
            log.exception(
                "mail-in: message %s in %s could not be held either (try %d of %d before it "
                "waits an hour); it stays unseen",
                number,
                mailbox,
                failures,
                MAX_FAILURES,
            )
            return None


def where(settings: MailInSettings) -> str:
    """The mailbox, for the log: ``user@host:port/folder``."""
    return f"{settings.imap_user}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"


def _summary(counts: dict[str, int], note: str) -> str | None:
    parts = [f"{n} {kind}" for kind, n in sorted(counts.items())]
    if note:
        parts.append(note)
    return ", ".join(parts) or None


def includeme(config: Any) -> None:
    settings = config.registry.itsm_settings.mail_in
    if settings.imap_host:
        config.add_itsm_job("mail_in_imap", Poller(), settings.imap_interval_seconds)
