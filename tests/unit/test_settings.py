"""Settings are parsed once and bad values are refused with a clear message."""

from __future__ import annotations

import pytest

from itsm.settings import ConfigError, parse

SECRET = "x" * 32


def test_defaults():
    settings = parse({"itsm.session.secret": SECRET})
    assert settings.directory == "local" and settings.scheduler == "off"
    assert settings.mail.tls == "none" and settings.ldap.timeout == 5.0


def test_role_groups_may_be_dns_with_commas():
    settings = parse(
        {
            "itsm.session.secret": SECRET,
            "itsm.roles.agent": "cn=Service Desk,ou=groups,dc=example,dc=com; Network",
        }
    )
    assert settings.roles["agent"] == ("cn=Service Desk,ou=groups,dc=example,dc=com", "Network")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("itsm.directory", "nis", "itsm.directory"),
        ("itsm.scheduler", "sometimes", "itsm.scheduler"),
        ("itsm.mail.tls", "maybe", "itsm.mail.tls"),
        ("itsm.ldap.timeout", "soon", "itsm.ldap.timeout"),
        ("itsm.mail.port", "-1", "itsm.mail.port"),
    ],
)
def test_bad_values_are_named(key, value, message):
    with pytest.raises(ConfigError, match=message):
        parse({"itsm.session.secret": SECRET, key: value})


def test_ldap_needs_login_placeholder_and_base():
    with pytest.raises(ConfigError, match="user_filter"):
        parse(
            {
                "itsm.session.secret": SECRET,
                "itsm.directory": "ldap",
                "itsm.ldap.user_base": "dc=x",
                "itsm.ldap.user_filter": "(uid=*)",
            }
        )
    with pytest.raises(ConfigError, match="user_base"):
        parse({"itsm.session.secret": SECRET, "itsm.directory": "ldap"})


def test_active_directory_defaults_to_samaccountname():
    settings = parse(
        {
            "itsm.session.secret": SECRET,
            "itsm.directory": "ldap",
            "itsm.ldap.user_base": "DC=corp",
            "itsm.ldap.active_directory": "true",
            "itsm.ldap.user_filter": "",
        }
    )
    assert "sAMAccountName={login}" in settings.ldap.user_filter
    assert settings.ldap.login_attribute == "sAMAccountName"


def test_short_session_secret_is_refused(monkeypatch):
    monkeypatch.delenv("ITSM_SESSION_SECRET", raising=False)
    with pytest.raises(ConfigError, match="secret"):
        parse({"itsm.session.secret": "short"})
    monkeypatch.setenv("ITSM_SESSION_SECRET", SECRET)
    assert parse({}).session_secret == SECRET


def test_sample_ini_files_parse(monkeypatch):
    import plaster

    monkeypatch.setenv("ITSM_SESSION_SECRET", SECRET)
    for name in ("development", "production", "test"):
        parse(plaster.get_settings(f"etc/{name}.ini", "app:main"))


def test_sync_settings_take_a_percentage_or_a_count():
    ldap = parse({"itsm.session.secret": SECRET}).ldap
    assert (ldap.sync_max_disable_percent, ldap.sync_interval_minutes) == (5.0, 60)
    assert ldap.disabled_filter == ""
    ldap = parse({"itsm.session.secret": SECRET, "itsm.ldap.sync_max_disable": "12"}).ldap
    assert (ldap.sync_max_disable, ldap.sync_max_disable_percent) == (12, None)
    ldap = parse({"itsm.session.secret": SECRET, "itsm.ldap.sync_max_disable": "2.5%"}).ldap
    assert ldap.sync_max_disable_percent == 2.5
    ad = parse({"itsm.session.secret": SECRET, "itsm.ldap.active_directory": "true"}).ldap
    assert ad.disabled_filter == "(userAccountControl:1.2.840.113556.1.4.803:=2)"
    for bad in ("lots", "150%", "-3"):
        with pytest.raises(ConfigError, match="itsm.ldap.sync_max_disable"):
            parse({"itsm.session.secret": SECRET, "itsm.ldap.sync_max_disable": bad})
