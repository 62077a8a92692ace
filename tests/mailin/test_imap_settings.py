"""The poller's settings and the ticket numbers people type when they release a held mail."""

from __future__ import annotations

import pytest

from itsm.mailin.decisions import ticket_number
from itsm.settings import ConfigError, parse

SECRET = "s" * 40


def mail_in(**raw: str):
    return parse(
        {"itsm.session.secret": SECRET, **{f"itsm.mail_in.{k}": v for k, v in raw.items()}}
    ).mail_in


def test_no_host_no_polling_and_the_defaults():
    settings = mail_in()
    assert settings.imap_host == ""
    assert (settings.imap_port, settings.imap_tls, settings.imap_folder) == (993, "ssl", "INBOX")
    assert settings.imap_interval_seconds == 60 and settings.imap_timeout == 30


def test_starttls_defaults_to_port_143():
    assert mail_in(imap_tls="starttls").imap_port == 143
    with pytest.raises(ConfigError, match="imap_tls"):
        mail_in(imap_tls="plain")


def test_a_host_needs_a_login():
    with pytest.raises(ConfigError, match="imap_user"):
        mail_in(imap_host="mail.example.com", imap_user="desk")


def test_the_done_folder_must_differ_and_the_ca_file_must_exist(tmp_path):
    login = {"imap_host": "mail.example.com", "imap_user": "desk", "imap_password": "pw"}
    with pytest.raises(ConfigError, match="imap_done_folder"):
        mail_in(**login, imap_done_folder="INBOX")
    with pytest.raises(ConfigError, match="imap_cafile"):
        mail_in(**login, imap_cafile=str(tmp_path / "missing.pem"))


def test_the_interval_under_either_name():
    assert mail_in(imap_interval_seconds="15").imap_interval_seconds == 15
    assert mail_in(interval_seconds="20").imap_interval_seconds == 20


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("INC-000123", "INC-000123"),
        ("inc-123", "INC-000123"),
        (" 123 ", "INC-000123"),
        ("#42", "INC-000042"),
        ("req 45", "REQ-000045"),
        ("CHG-0000007", "CHG-000007"),
        ("CI-000001", None),
        ("KB-1", None),
        ("INC-", None),
        ("0", None),
        ("", None),
        ("INC-123; DROP", None),
    ],
)
def test_ticket_numbers_as_people_type_them(typed, number):
    assert ticket_number(typed) == number


def test_xoauth2_needs_the_app_and_an_https_token_endpoint():
    base = {"imap_host": "outlook.office365.com", "imap_user": "desk@example.com"}
    with pytest.raises(ConfigError, match="imap_oauth_client_id"):
        mail_in(**base, imap_auth="xoauth2", imap_oauth_token_url="https://login.example.com/t")
    app = {"imap_oauth_client_id": "id", "imap_oauth_client_secret": "secret"}
    with pytest.raises(ConfigError, match="https"):
        mail_in(
            **base, **app, imap_auth="xoauth2", imap_oauth_token_url="http://login.example.com/t"
        )
    settings = mail_in(
        **base, **app, imap_auth="xoauth2", imap_oauth_token_url="https://login.example.com/t"
    )
    assert settings.imap_oauth_scope == "https://outlook.office365.com/.default"
    assert settings.imap_password == ""
