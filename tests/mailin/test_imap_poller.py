"""The IMAP poller against a real dovecot on loopback (``tests/plugins/dovecot.py``)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import ZODB
import ZODB.FileStorage

from itsm.mailin.imap import MAX_FAILURES, Poller
from itsm.worker.jobs import JobContext, registered_jobs
from tests.plugins.slapd import make_ca

SEEN = {"\\Seen"}


def mail(subject: str, sender: str = "employee@example.com", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "servicedesk@example.com"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{subject}: details follow.\n")
    return message.as_bytes()


def incidents_titled(app: Any, title: str) -> list[str]:
    return app.read(
        lambda root: sorted(i.number for i in root["incidents"].values() if i.title == title)
    )


def poll(app: Any, poller: Poller | None = None, db: Any = None) -> Any:
    return (poller or Poller())(JobContext(app.registry, db or app.db))


@pytest.fixture
def desk(make_app: Any, imap_account: Any) -> Any:
    return make_app(**imap_account.settings_overrides())


def test_new_mail_becomes_an_incident_and_is_flagged_seen(desk: Any, imap_account: Any) -> None:
    imap_account.append(mail("Printer on floor 3 jams"))
    result = poll(desk)
    assert "1 ticket" in result
    assert len(incidents_titled(desk, "Printer on floor 3 jams")) == 1
    assert imap_account.flags() == [SEEN]
    # The next tick finds nothing new.
    assert poll(desk) is None


def test_mail_that_was_already_read_is_left_alone(desk: Any, imap_account: Any) -> None:
    imap_account.append(mail("Read in Outlook already"), flags="\\Seen")
    assert poll(desk) is None
    assert incidents_titled(desk, "Read in Outlook already") == []


def test_taken_mail_moves_to_the_done_folder(make_app: Any, imap_account: Any) -> None:
    app = make_app(**imap_account.settings_overrides(**{"itsm.mail_in.imap_done_folder": "Done"}))
    imap_account.append(mail("VPN drops every hour"))
    imap_account.append(mail("Laptop fan is loud"))
    poll(app)
    assert imap_account.flags("INBOX") == []
    assert imap_account.flags("Done") == [SEEN, SEEN]
    assert len(incidents_titled(app, "VPN drops every hour")) == 1


def test_same_message_twice_in_the_mailbox_makes_one_ticket(desk: Any, imap_account: Any) -> None:
    raw = mail("Monitor flickers", message_id="<twice-1@example.com>")
    imap_account.append(raw)
    imap_account.append(raw)
    result = poll(desk)
    assert "1 duplicate" in result and "1 ticket" in result
    assert len(incidents_titled(desk, "Monitor flickers")) == 1
    assert imap_account.flags() == [SEEN, SEEN]


def test_a_mail_taken_but_not_flagged_comes_back_as_a_duplicate(
    desk: Any, imap_account: Any
) -> None:
    """The connection dropped after the commit, before the flag: the next poll takes the mail
    again and the intake knows it."""
    imap_account.append(mail("Keyboard missing keys"))
    poll(desk)
    client = imap_account.connect()
    client.select("INBOX")
    client.uid("STORE", b"1", "-FLAGS", r"(\Seen)")
    client.logout()
    assert imap_account.flags() == [set()]
    assert "1 duplicate" in poll(desk)
    assert len(incidents_titled(desk, "Keyboard missing keys")) == 1
    assert imap_account.flags() == [SEEN]


def _storage_paths(app: Any) -> tuple[str, str]:
    uri = urlsplit(app.settings["zodbconn.uri"])
    return uri.path, parse_qs(uri.query)["blobstorage_dir"][0]


def test_mail_stays_unseen_when_the_commit_fails(
    desk: Any, imap_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The same database opened read-only: the intake runs, the commit is refused by the
    storage (ReadOnlyError), and the mail waits for the next poll."""
    imap_account.append(mail("Scanner sends blank pages"))
    data, blobs = _storage_paths(desk)
    desk.close()
    read_only = ZODB.DB(ZODB.FileStorage.FileStorage(data, blob_dir=blobs, read_only=True))
    try:
        with caplog.at_level(logging.ERROR, logger="itsm.mailin.imap"):
            result = poll(desk, db=read_only)
    finally:
        read_only.close()
    assert "database failed" in result
    assert imap_account.flags() == [set()]
    (record,) = [r for r in caplog.records if r.name == "itsm.mailin.imap"]
    assert "stays unseen" in record.getMessage() and "ReadOnlyError" in record.getMessage()
    assert record.exc_info is None

    writable = ZODB.DB(ZODB.FileStorage.FileStorage(data, blob_dir=blobs))
    try:
        assert "1 ticket" in poll(desk, db=writable)
    finally:
        writable.close()
    assert imap_account.flags() == [SEEN]
    # Reopened to count: one incident, made by the second poll only.
    again = ZODB.DB(ZODB.FileStorage.FileStorage(data, blob_dir=blobs, read_only=True))
    try:
        conn = again.open()
        titles = [i.title for i in conn.root()["itsm"]["incidents"].values()]
        conn.close()
    finally:
        again.close()
    assert titles.count("Scanner sends blank pages") == 1


def test_wrong_password_is_logged_clearly_and_nothing_is_lost(
    make_app: Any, imap_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(**imap_account.settings_overrides(**{"itsm.mail_in.imap_password": "wrong"}))
    imap_account.append(mail("Phone has no dial tone"))
    with caplog.at_level(logging.ERROR, logger="itsm.mailin.imap"):
        result = poll(app)
    assert "login refused" in result
    (record,) = [r for r in caplog.records if r.name == "itsm.mailin.imap"]
    message = record.getMessage()
    assert "login refused" in message and "AUTHENTICATIONFAILED" in message
    assert imap_account.user in message and "trying again in 60 s" in message
    assert "wrong" not in message  # no password in the log
    assert record.exc_info is None
    assert imap_account.flags() == [set()]
    assert incidents_titled(app, "Phone has no dial tone") == []


def test_a_server_certificate_from_another_ca_is_refused(
    make_app: Any, imap_account: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other_ca, _ = make_ca(tmp_path, "other")
    app = make_app(**imap_account.settings_overrides(**{"itsm.mail_in.imap_cafile": str(other_ca)}))
    imap_account.append(mail("Webcam not detected"))
    with caplog.at_level(logging.ERROR, logger="itsm.mailin.imap"):
        result = poll(app)
    assert "not trusted" in result
    assert "unable to get local issuer certificate" in caplog.text
    assert imap_account.flags() == [set()]


def test_an_unreachable_server_is_one_line_in_the_log(
    make_app: Any, make_dovecot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_dovecot()
    account = server.add_user()
    app = make_app(**account.settings_overrides())
    server.stop()
    with caplog.at_level(logging.ERROR, logger="itsm.mailin.imap"):
        result = poll(app)
    assert "cannot connect" in result
    (record,) = [r for r in caplog.records if r.name == "itsm.mailin.imap"]
    assert "Connection refused" in record.getMessage() and record.exc_info is None
    # Back up: the next tick takes the mail.
    server.start()
    account.append(mail("Badge reader at the door"))
    assert "1 ticket" in poll(app)


def test_starttls_on_the_plain_port(make_app: Any, dovecot: Any, imap_account: Any) -> None:
    app = make_app(
        **imap_account.settings_overrides(
            **{
                "itsm.mail_in.imap_tls": "starttls",
                "itsm.mail_in.imap_port": str(dovecot.starttls_port),
            }
        )
    )
    imap_account.append(mail("Second screen stays black"))
    assert "1 ticket" in poll(app)
    assert imap_account.flags() == [SEEN]


def _failing_intake(monkeypatch: pytest.MonkeyPatch, *, hold_too: bool = False) -> None:
    """A bug in the intake for mails with "Poison" in them (simulated: nothing in a real mail
    makes the intake raise; the tests of the intake prove that)."""
    import itsm.mailin.intake as intake

    real = intake.take_message

    def failing(root: Any, raw: bytes, **kw: Any) -> Any:
        if b"Poison" in raw:
            raise RuntimeError("a bug")
        return real(root, raw, **kw)

    def failing_hold(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("another bug")

    monkeypatch.setattr(intake, "take_message", failing)
    if hold_too:
        monkeypatch.setattr(intake, "hold_failed", failing_hold)


def test_a_mail_whose_intake_fails_is_held_in_the_quarantine(
    desk: Any, imap_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing_intake(monkeypatch)
    imap_account.append(mail("Poison mail"))
    imap_account.append(mail("Mouse double-clicks"))
    assert "1 quarantined" in poll(desk)
    assert imap_account.flags() == [SEEN, SEEN]
    held = desk.read(
        lambda root: [(h.subject, h.reason) for h in root["mail"]["quarantine"].values()]
    )
    assert held == [("Poison mail", "invalid")]
    assert len(incidents_titled(desk, "Mouse double-clicks")) == 1


def test_a_mail_that_cannot_even_be_held_does_not_hold_up_the_rest(
    desk: Any, imap_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing_intake(monkeypatch, hold_too=True)
    imap_account.append(mail("Poison mail"))
    imap_account.append(mail("Mouse double-clicks"))
    poller = Poller()
    for _ in range(MAX_FAILURES + 1):
        poll(desk, poller)
    assert imap_account.flags() == [set(), SEEN]
    assert len(incidents_titled(desk, "Mouse double-clicks")) == 1
    assert next(iter(poller.failures.values()))[0] == MAX_FAILURES


@pytest.mark.ldap
def test_mail_stays_unseen_while_the_directory_does_not_answer(
    make_app: Any, make_slapd: Any, imap_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A sender the desk has no record of is looked up in LDAP; with LDAP down the mail
    cannot be decided and waits in the mailbox."""
    directory = make_slapd()
    app = make_app(**directory.settings_overrides(), **imap_account.settings_overrides())
    directory.stop()
    imap_account.append(mail("Who am I", sender="lena@example.com"))
    with caplog.at_level(logging.WARNING, logger="itsm.mailin.imap"):
        assert "not taken now" in poll(app)
    assert "stays unseen" in caplog.text and "directory" in caplog.text
    assert imap_account.flags() == [set()]
    directory.start()
    assert "1 ticket" in poll(app)
    assert imap_account.flags() == [SEEN]


def test_the_job_runs_only_with_a_mailbox_configured(make_app: Any, imap_account: Any) -> None:
    without = make_app()
    assert "mail_in_imap" not in {job.name for job in registered_jobs(without.registry)}
    app = make_app(
        **imap_account.settings_overrides(**{"itsm.mail_in.imap_interval_seconds": "15"})
    )
    (job,) = [job for job in registered_jobs(app.registry) if job.name == "mail_in_imap"]
    assert job.seconds == 15


# -- XOAUTH2 (Exchange Online) ------------------------------------------------------------------


def test_xoauth2_login_with_a_client_credentials_token(make_app: Any, imap_account: Any) -> None:
    app = make_app(**imap_account.oauth_overrides())
    imap_account.append(mail("Teams does not start"))
    poller = Poller()
    assert "1 ticket" in poll(app, poller)
    assert imap_account.flags() == [SEEN]
    # The token is kept for the next poll (one token request, not one per tick).
    imap_account.append(mail("Teams crashes again"))
    assert "1 ticket" in poll(app, poller)
    assert imap_account.server.oauth.requests.count("/token") == 1


def test_xoauth2_wrong_client_secret_is_logged_clearly(
    make_app: Any, imap_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        **imap_account.oauth_overrides(**{"itsm.mail_in.imap_oauth_client_secret": "wrong"})
    )
    imap_account.append(mail("OneDrive sync stuck"))
    with caplog.at_level(logging.ERROR, logger="itsm.mailin.imap"):
        result = poll(app)
    assert "no OAuth token" in result
    (record,) = [r for r in caplog.records if r.name == "itsm.mailin.imap"]
    assert "invalid_client" in record.getMessage() and "wrong" not in record.getMessage()
    assert imap_account.flags() == [set()]


def test_xoauth2_a_revoked_token_is_replaced_at_the_next_poll(
    make_app: Any, imap_account: Any
) -> None:
    app = make_app(**imap_account.oauth_overrides())
    poller = Poller()
    poll(app, poller)  # takes a token
    imap_account.server.oauth.revoke_all()
    imap_account.append(mail("Excel add-in missing"))
    assert "login refused" in poll(app, poller)
    assert imap_account.flags() == [set()]
    assert "1 ticket" in poll(app, poller)
    assert imap_account.flags() == [SEEN]


def test_a_mail_over_the_size_limit_stays_in_the_mailbox(
    make_app: Any, imap_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(**imap_account.settings_overrides(**{"itsm.mail_in.max_bytes": "2000"}))
    imap_account.append(mail("Huge scan attached") + b"x" * 3000 + b"\r\n")
    imap_account.append(mail("Small one"))
    poller = Poller()
    with caplog.at_level(logging.WARNING, logger="itsm.mailin.imap"):
        result = poll(app, poller)
    assert "1 too large" in result and "1 ticket" in result
    assert "larger than itsm.mail_in.max_bytes" in caplog.text
    assert imap_account.flags() == [set(), SEEN]
    assert poll(app, poller) is None  # not looked at again (for an hour), not logged again


def test_the_mails_of_one_poll_share_one_commit(desk: Any, imap_account: Any) -> None:
    for n in range(5):
        imap_account.append(mail(f"Out of office {n}", Auto_Submitted="auto-replied"))
    storage = desk.db.storage
    before = storage.lastTransaction()
    assert "5 ignored" in poll(desk)
    committed = [t.tid for t in storage.iterator(before) if t.tid != before]
    assert len(committed) == 1
    assert imap_account.flags() == [SEEN] * 5
