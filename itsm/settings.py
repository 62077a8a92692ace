"""Parse and validate the ini settings once; the result lives on the registry.

Everything the application reads from the ini file goes through :func:`parse`, so a typo or a
missing value is reported at start-up in one clear line instead of deep inside a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ROLES = ("employee", "agent", "manager", "change_board", "problem_manager", "admin")


#: Active Directory: people only (not computer accounts), by sAMAccountName or UPN.
#: Active Directory: userAccountControl with the ACCOUNTDISABLE bit (2) set.
AD_DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"

AD_USER_FILTER = (
    "(&(objectCategory=person)(objectClass=user)"
    "(|(sAMAccountName={login})(userPrincipalName={login})))"
)


class ConfigError(ValueError):
    """A setting is missing or has a value we cannot use."""


@dataclass(frozen=True)
class LdapSettings:
    url: str = "ldap://localhost:389"
    bind_dn: str = ""
    bind_password: str = ""
    user_base: str = ""
    user_filter: str = "(uid={login})"
    group_base: str = ""
    group_filter: str = (
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))"
    )
    timeout: float = 5.0
    active_directory: bool = False
    start_tls: bool = False
    ca_file: str = ""
    login_attribute: str = "uid"
    pool_size: int = 4
    #: An LDAP filter matching people who are disabled (AD: the userAccountControl bit 2).
    disabled_filter: str = ""
    #: The directory sync's interval in the worker; 0 turns the timer off.
    sync_interval_minutes: int = 60
    #: The safety stop: a sync may disable at most this many active people (a count) ...
    sync_max_disable: int = 0
    #: ... or this percentage of them (when the setting ends with "%").
    sync_max_disable_percent: float | None = 5.0


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "itsm@localhost"
    tls: str = "none"  # none | starttls | ssl
    username: str = ""
    password: str = ""
    timeout: float = 10.0


@dataclass(frozen=True)
class MailInSettings:
    """The email channel (``itsm.mail_in.*``): see the README, "Email channel"."""

    #: Where ``itsm-mail-in`` finds the running desk (``POST {url}/api/v1/mail/in``).
    url: str = "http://127.0.0.1:6543"
    #: Shared between ``itsm-mail-in`` and the desk; empty turns the endpoint off.
    secret: str = ""
    #: The largest mail taken (bytes); keep waitress's ``max_request_body_size`` above it.
    max_bytes: int = 25 * 1024 * 1024
    #: Seconds ``itsm-mail-in`` waits for the desk before it answers 75 (try again later).
    timeout: float = 60.0
    unknown_senders: str = "quarantine"  # reject | create | quarantine
    max_per_hour: int = 20
    #: Recipient address (or ``local@`` for any domain) → catalog item slug.
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: ``List-Id`` values whose mail is taken like any other (others are ignored).
    allowed_lists: tuple[str, ...] = ()
    #: The mailbox the worker polls (``itsm.mailin.imap``); empty host: no polling.
    imap_host: str = ""
    imap_port: int = 993
    imap_tls: str = "ssl"  # ssl (IMAPS) | starttls
    imap_user: str = ""
    imap_password: str = ""
    #: ``password`` (LOGIN) or ``xoauth2`` (an OAuth 2.0 client-credentials token: Exchange
    #: Online), with the token endpoint, the app's id and secret, and the scope.
    imap_auth: str = "password"
    imap_oauth_token_url: str = ""
    imap_oauth_client_id: str = ""
    imap_oauth_client_secret: str = ""
    imap_oauth_scope: str = "https://outlook.office365.com/.default"
    imap_folder: str = "INBOX"
    #: Where a taken mail is moved (besides being flagged seen); empty: it stays.
    imap_done_folder: str = ""
    #: CA certificates to verify the server with; empty: the system's.
    imap_cafile: str = ""
    imap_timeout: float = 30.0
    imap_max_per_poll: int = 200
    imap_interval_seconds: int = 60


def _aliases(value: str) -> dict[str, str]:
    """``access@ = vpn-access; laptops@example.com = new-laptop`` (or one per line)."""
    aliases: dict[str, str] = {}
    for line in value.replace(";", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        address, sep, slug = line.replace(":", "=", 1).partition("=")
        address, slug = address.strip().lower(), slug.strip()
        if not sep or "@" not in address or not slug:
            raise ConfigError(
                f"itsm.mail_in.aliases: expected 'address = catalog-item', got {line!r}"
            )
        aliases[address] = slug
    return aliases


@dataclass(frozen=True)
class Settings:
    directory: str = "local"  # local | ldap
    ldap: LdapSettings = field(default_factory=LdapSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    mail_in: MailInSettings = field(default_factory=MailInSettings)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scheduler: str = "off"  # embedded | off
    session_secret: str = ""
    session_idle_timeout: int = 1800
    session_absolute_timeout: int = 43200
    # A session older than this asks the directory again whether its account is still active
    # (disabled people are logged out within this time).
    session_recheck_seconds: int = 900
    cookie_secure: bool = False
    attachment_max_bytes: int = 25 * 1024 * 1024
    public_url: str = "http://localhost:6543"
    login_max_failures: int = 5
    login_lock_seconds: int = 60
    login_max_failures_per_address: int = 30
    default_locale: str = "en"
    locales: tuple[str, ...] = ("en", "ru")
    zodb_uri: str = ""
    worker_lease_seconds: int = 60
    reopen_days: int = 7
    auto_close_days: int = 5
    password_reset_ttl_minutes: int = 15
    #: How long the audit log keeps its entries (days).
    audit_keep_days: int = 400


def _bool(raw: Mapping[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key)
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _number(raw: Mapping[str, Any], key: str, default: float, kind: type = int) -> Any:
    value = raw.get(key)
    if value is None or str(value).strip() == "":
        return default
    try:
        number = kind(str(value).strip())
    except ValueError:
        raise ConfigError(f"{key}: expected a number, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{key}: must not be negative, got {value!r}")
    return number


def _str(raw: Mapping[str, Any], key: str, default: str = "") -> str:
    value = raw.get(key)
    return default if value is None else str(value).strip()


def _choice(raw: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = _str(raw, key, default) or default
    if value not in choices:
        raise ConfigError(f"{key}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _names(value: str) -> tuple[str, ...]:
    """Split a list of group names or DNs: one per line, or separated by ';'.

    Commas cannot separate because DNs contain them.
    """
    parts: list[str] = []
    for line in value.replace(";", "\n").splitlines():
        line = line.strip()
        if line:
            parts.append(line)
    return tuple(parts)


def _max_disable(value: str) -> dict[str, Any]:
    """``5%`` (a share of the active people) or ``20`` (a count)."""
    key = "itsm.ldap.sync_max_disable"
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip()) if percent else int(value)
    except ValueError:
        raise ConfigError(f"{key}: expected a count or a percentage, got {value!r}") from None
    if number < 0 or (percent and number > 100):
        raise ConfigError(f"{key}: expected 0 to 100% or a count, got {value!r}")
    if percent:
        return {"sync_max_disable": 0, "sync_max_disable_percent": number}
    return {"sync_max_disable": number, "sync_max_disable_percent": None}


def parse(raw: Mapping[str, Any]) -> Settings:
    """Turn the ini file's ``[app:main]`` mapping into validated :class:`Settings`."""
    directory = _choice(raw, "itsm.directory", ("local", "ldap"), "local")
    ldap = LdapSettings(
        url=_str(raw, "itsm.ldap.url", LdapSettings.url),
        bind_dn=_str(raw, "itsm.ldap.bind_dn"),
        bind_password=_str(raw, "itsm.ldap.bind_password"),
        user_base=_str(raw, "itsm.ldap.user_base"),
        user_filter=_str(raw, "itsm.ldap.user_filter", "")
        or (
            "(sAMAccountName={login})"
            if _bool(raw, "itsm.ldap.active_directory", False)
            else LdapSettings.user_filter
        ),
        group_base=_str(raw, "itsm.ldap.group_base"),
        group_filter=_str(raw, "itsm.ldap.group_filter", LdapSettings.group_filter)
        or LdapSettings.group_filter,
        timeout=_number(raw, "itsm.ldap.timeout", 5.0, float),
        active_directory=_bool(raw, "itsm.ldap.active_directory", False),
        start_tls=_bool(raw, "itsm.ldap.start_tls", False),
        ca_file=_str(raw, "itsm.ldap.ca_file"),
        login_attribute=_str(raw, "itsm.ldap.login_attribute", "")
        or ("sAMAccountName" if _bool(raw, "itsm.ldap.active_directory", False) else "uid"),
        pool_size=_number(raw, "itsm.ldap.pool_size", 4),
        disabled_filter=_str(raw, "itsm.ldap.disabled_filter")
        or (AD_DISABLED_FILTER if _bool(raw, "itsm.ldap.active_directory", False) else ""),
        sync_interval_minutes=_number(raw, "itsm.ldap.sync_interval_minutes", 60),
        **_max_disable(_str(raw, "itsm.ldap.sync_max_disable", "5%") or "5%"),
    )
    if directory == "ldap":
        if "{login}" not in ldap.user_filter:
            raise ConfigError("itsm.ldap.user_filter: must contain {login}")
        if not ldap.user_base:
            raise ConfigError("itsm.ldap.user_base: required when itsm.directory = ldap")
        if ldap.timeout <= 0:
            raise ConfigError("itsm.ldap.timeout: must be more than 0 seconds")
    mail = MailSettings(
        host=_str(raw, "itsm.mail.host", "localhost"),
        port=_number(raw, "itsm.mail.port", 25),
        sender=_str(raw, "itsm.mail.sender", "itsm@localhost"),
        tls=_choice(raw, "itsm.mail.tls", ("none", "starttls", "ssl"), "none"),
        username=_str(raw, "itsm.mail.username"),
        password=_str(raw, "itsm.mail.password"),
        timeout=_number(raw, "itsm.mail.timeout", 10.0, float),
    )
    imap_tls = _choice(raw, "itsm.mail_in.imap_tls", ("ssl", "starttls"), "ssl")
    mail_in = MailInSettings(
        url=_str(raw, "itsm.mail_in.url", MailInSettings.url).rstrip("/") or MailInSettings.url,
        secret=_str(raw, "itsm.mail_in.secret") or os.environ.get("ITSM_MAIL_IN_SECRET", ""),
        max_bytes=_number(raw, "itsm.mail_in.max_bytes", MailInSettings.max_bytes)
        or MailInSettings.max_bytes,
        timeout=_number(raw, "itsm.mail_in.timeout", 60.0, float) or 60.0,
        unknown_senders=_choice(
            raw, "itsm.mail_in.unknown_senders", ("reject", "create", "quarantine"), "quarantine"
        ),
        max_per_hour=_number(raw, "itsm.mail_in.max_per_hour", 20),
        aliases=_aliases(_str(raw, "itsm.mail_in.aliases")),
        allowed_lists=tuple(
            n.strip("<> ").lower() for n in _names(_str(raw, "itsm.mail_in.allowed_lists"))
        ),
        imap_host=_str(raw, "itsm.mail_in.imap_host"),
        imap_port=_number(raw, "itsm.mail_in.imap_port", 993 if imap_tls == "ssl" else 143),
        imap_tls=imap_tls,
        imap_user=_str(raw, "itsm.mail_in.imap_user"),
        imap_password=_str(raw, "itsm.mail_in.imap_password"),
        imap_auth=_choice(raw, "itsm.mail_in.imap_auth", ("password", "xoauth2"), "password"),
        imap_oauth_token_url=_str(raw, "itsm.mail_in.imap_oauth_token_url"),
        imap_oauth_client_id=_str(raw, "itsm.mail_in.imap_oauth_client_id"),
        imap_oauth_client_secret=_str(raw, "itsm.mail_in.imap_oauth_client_secret"),
        imap_oauth_scope=_str(raw, "itsm.mail_in.imap_oauth_scope", MailInSettings.imap_oauth_scope)
        or MailInSettings.imap_oauth_scope,
        imap_folder=_str(raw, "itsm.mail_in.imap_folder", "INBOX") or "INBOX",
        imap_done_folder=_str(raw, "itsm.mail_in.imap_done_folder"),
        imap_cafile=_str(raw, "itsm.mail_in.imap_cafile"),
        imap_timeout=_number(raw, "itsm.mail_in.imap_timeout", 30.0, float) or 30.0,
        imap_max_per_poll=_number(raw, "itsm.mail_in.imap_max_per_poll", 200) or 200,
        # The issue also calls it itsm.mail_in.interval_seconds.
        imap_interval_seconds=_number(
            raw,
            "itsm.mail_in.imap_interval_seconds",
            _number(raw, "itsm.mail_in.interval_seconds", 60),
        )
        or 60,
    )
    if mail_in.imap_host and mail_in.imap_auth == "password":
        if not (mail_in.imap_user and mail_in.imap_password):
            raise ConfigError(
                "itsm.mail_in.imap_user, itsm.mail_in.imap_password: required with imap_host"
            )
    if mail_in.imap_host and mail_in.imap_auth == "xoauth2":
        needed = ("imap_user", "imap_oauth_token_url", "imap_oauth_client_id")
        needed += ("imap_oauth_client_secret",)
        missing = [name for name in needed if not getattr(mail_in, name)]
        if missing:
            raise ConfigError(
                "itsm.mail_in."
                + ", itsm.mail_in.".join(missing)
                + ": required with imap_auth = xoauth2"
            )
        token_url = urlsplit(mail_in.imap_oauth_token_url)
        loopback = token_url.hostname in ("127.0.0.1", "::1", "localhost")
        if token_url.scheme != "https" and not (token_url.scheme == "http" and loopback):
            raise ConfigError("itsm.mail_in.imap_oauth_token_url: must be an https:// URL")
    if mail_in.imap_done_folder and mail_in.imap_done_folder == mail_in.imap_folder:
        raise ConfigError("itsm.mail_in.imap_done_folder: must differ from imap_folder")
    if mail_in.imap_cafile and not os.path.isfile(mail_in.imap_cafile):
        raise ConfigError(f"itsm.mail_in.imap_cafile: no such file {mail_in.imap_cafile!r}")
    if not mail_in.url.startswith(("http://", "https://")):
        raise ConfigError(
            f"itsm.mail_in.url: expected an http:// or https:// URL, got {mail_in.url!r}"
        )
    if mail_in.secret and len(mail_in.secret) < 32:
        raise ConfigError(
            "itsm.mail_in.secret: set a random value of at least 32 characters "
            "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    roles = {
        role: _names(_str(raw, f"itsm.roles.{role}"))
        for role in ("agent", "admin", "change_board", "problem_manager")
    }
    secret = _str(raw, "itsm.session.secret")
    if not secret:
        secret = os.environ.get("ITSM_SESSION_SECRET", "")
    if len(secret) < 32:
        raise ConfigError(
            "itsm.session.secret: set a random value of at least 32 characters "
            "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    locales = _names(_str(raw, "itsm.locales", "en;ru").replace(",", ";")) or ("en", "ru")
    default_locale = _str(raw, "pyramid.default_locale_name", "en") or "en"
    return Settings(
        directory=directory,
        ldap=ldap,
        mail=mail,
        mail_in=mail_in,
        roles=roles,
        scheduler=_choice(raw, "itsm.scheduler", ("embedded", "off"), "off"),
        session_secret=secret,
        session_idle_timeout=_number(raw, "itsm.session.idle_timeout", 1800),
        session_absolute_timeout=_number(raw, "itsm.session.absolute_timeout", 43200),
        session_recheck_seconds=_number(raw, "itsm.session.recheck_seconds", 900),
        cookie_secure=_bool(raw, "itsm.session.cookie_secure", False),
        attachment_max_bytes=_number(raw, "itsm.attachments.max_bytes", 25 * 1024 * 1024),
        public_url=_str(raw, "itsm.public_url", "http://localhost:6543").rstrip("/"),
        login_max_failures=_number(raw, "itsm.login.max_failures", 5),
        login_lock_seconds=_number(raw, "itsm.login.lock_seconds", 60),
        login_max_failures_per_address=_number(raw, "itsm.login.max_failures_per_address", 30),
        default_locale=default_locale,
        locales=locales,
        zodb_uri=_str(raw, "zodbconn.uri"),
        worker_lease_seconds=_number(raw, "itsm.worker.lease_seconds", 60) or 60,
        reopen_days=_number(raw, "itsm.incidents.reopen_days", 7),
        auto_close_days=_number(raw, "itsm.incidents.auto_close_days", 5),
        password_reset_ttl_minutes=_number(raw, "itsm.password_reset.ttl_minutes", 15) or 15,
        audit_keep_days=_number(raw, "itsm.audit.keep_days", 400) or 400,
    )


def get_settings(registry: Any) -> Settings:
    """The parsed settings kept on the registry by :func:`includeme`."""
    return registry.itsm_settings


def includeme(config: Any) -> None:
    config.registry.itsm_settings = parse(config.get_settings())
