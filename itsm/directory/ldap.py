"""The directory over LDAP: OpenLDAP or Active Directory, through ldap3.

One :class:`LdapDirectory` serves the whole process (waitress's threads and the worker). It
keeps the server addresses with their TLS settings and a few idle connections bound as the
service account; each call borrows one connection for itself, so no ldap3 connection is ever
shared between threads. Logins bind as the person on a fresh connection that is closed straight
away.

Every failure to talk to the server (refused, timed out, TLS, service bind) becomes
:class:`~itsm.directory.base.DirectoryUnavailable`; each network wait is bounded by
``itsm.ldap.timeout``, so a directory that hangs costs a request that long, not a thread forever.
"""

from __future__ import annotations

import logging
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ldap3 import ANONYMOUS, BASE, NONE, SIMPLE, SUBTREE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPCommunicationError, LDAPException, LDAPInvalidDnError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from itsm.directory.base import (
    DirectoryError,
    DirectoryPerson,
    DirectoryUnavailable,
    PasswordRejected,
)
from itsm.settings import ConfigError, LdapSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

# LDAP result codes (RFC 4511 §4.1.9) that we act on.
SUCCESS = 0
OPERATIONS_ERROR = 1
TIME_LIMIT_EXCEEDED = 3
SIZE_LIMIT_EXCEEDED = 4
NO_SUCH_OBJECT = 32
INVALID_CREDENTIALS = 49
INSUFFICIENT_ACCESS = 50
BUSY = 51
UNAVAILABLE = 52
OTHER = 80
#: Codes that say "the server cannot serve you now", not "no" to this request.
UNAVAILABLE_CODES = frozenset({OPERATIONS_ERROR, TIME_LIMIT_EXCEEDED, BUSY, UNAVAILABLE, OTHER})

#: Password policy request control (draft-behera-ldap-password-policy): with it OpenLDAP's
#: ppolicy overlay says *why* a password was refused instead of one generic message.
PPOLICY_CONTROL = "1.3.6.1.4.1.42.2.27.8.5.1"
PPOLICY_ERRORS = {
    3: "rejected",  # passwordModNotAllowed
    4: "wrong_password",  # mustSupplyOldPassword
    5: "too_weak",  # insufficientPasswordQuality
    6: "too_short",  # passwordTooShort
    7: "rejected",  # passwordTooYoung
    8: "in_history",  # passwordInHistory
}

#: Idle service connections older than this are closed rather than reused: firewalls and
#: servers (olcIdleTimeout, AD's MaxConnIdleTime) drop quiet connections without telling us.
MAX_IDLE_SECONDS = 60.0
#: Simple paged results control (RFC 2696) and the page size of the directory sync's searches.
PAGED_CONTROL = "1.2.840.113556.1.4.319"
PAGE_SIZE = 500
#: Longer logins are nobody's; refusing them keeps filters small.
MAX_LOGIN_LENGTH = 256
#: Active Directory's userAccountControl flag of a disabled account.
ACCOUNTDISABLE = 0x2

PERSON_ATTRIBUTES = (
    "cn",
    "displayName",
    "mail",
    "telephoneNumber",
    "departmentNumber",
    "department",  # Active Directory
    "ou",
    "title",
    "manager",
    "memberOf",  # Active Directory, or OpenLDAP with the memberof overlay
)


def _parenthesized(ldap_filter: str) -> str:
    ldap_filter = ldap_filter.strip()
    return ldap_filter if ldap_filter.startswith("(") else f"({ldap_filter})"


def _values(attributes: Mapping[str, Any], name: str) -> list[str]:
    """All values of an attribute as text. Without schema (``get_info=NONE``) ldap3 gives
    lists, but be lenient about scalars and undecodable bytes."""
    value = attributes.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    texts = []
    for item in items:
        if isinstance(item, bytes):
            item = item.decode("utf-8", errors="replace")
        text = str(item).strip()
        if text:
            texts.append(text)
    return texts


def _first(attributes: Mapping[str, Any], *names: str) -> str:
    for name in names:
        values = _values(attributes, name)
        if values:
            return values[0]
    return ""


def _rdn_value(dn: str) -> str:
    """``CN=IT Admins,OU=Groups,...`` -> ``IT Admins`` (unescaped)."""
    try:
        value = parse_dn(dn, escape=False, strip=True)[0][1]
    except (LDAPException, IndexError, ValueError):
        return dn
    # parse_dn keeps RFC 4514 escapes; group names are shown to people, so undo them.
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(chr(int(pair, 16)))
                i += 3
                continue
            out.append(value[i + 1])
            i += 2
            continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _ppolicy_error(controls: Mapping[str, Any] | None) -> int | None:
    """The ``error`` field of a password policy response control, if the server sent one.

    PasswordPolicyResponseValue ::= SEQUENCE { warning [0] ... OPTIONAL,
    error [1] ENUMERATED OPTIONAL } — small enough to read by hand."""
    control = (controls or {}).get(PPOLICY_CONTROL)
    value = control.get("value") if isinstance(control, Mapping) else None
    if not isinstance(value, bytes) or len(value) < 2 or value[0] != 0x30:
        return None
    position = 2 if value[1] < 0x80 else 2 + (value[1] & 0x7F)
    while position + 2 <= len(value):
        tag, length = value[position], value[position + 1]
        if length >= 0x80:  # long lengths never occur in this control
            return None
        if tag == 0x81 and length >= 1:
            return int.from_bytes(value[position + 2 : position + 2 + length], "big")
        position += 2 + length
    return None


def _first_int(value: str) -> int:
    """An attribute's text as an int, else 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _result_text(result: Mapping[str, Any] | None) -> str:
    result = result or {}
    description = result.get("description") or "error"
    message = (result.get("message") or "").strip()
    return f"{description}: {message}" if message else str(description)


def _directory_person(
    entry: Mapping[str, Any],
    login: str,
    manager: str | None,
    groups: tuple[str, ...],
    group_dns: tuple[str, ...],
    disabled: bool = False,
) -> DirectoryPerson:
    """A search result entry as a DirectoryPerson (its groups and manager already found)."""
    attributes = entry["attributes"]
    return DirectoryPerson(
        login=login,
        name=_first(attributes, "displayName", "cn"),
        email=_first(attributes, "mail"),
        phone=_first(attributes, "telephoneNumber"),
        department=_first(attributes, "departmentNumber", "department", "ou"),
        title=_first(attributes, "title"),
        manager=manager,
        dn=entry["dn"],
        groups=groups,
        group_dns=group_dns,
        disabled=disabled,
    )


def _close(conn: Connection | None) -> None:
    if conn is None:
        return
    # unbind() on a broken or hung connection must not raise or wait: it only sends.
    with suppress(Exception):
        conn.unbind()


class LdapDirectory:
    """The :class:`~itsm.directory.base.Directory` protocol over LDAP / Active Directory."""

    kind = "ldap"

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings
        if settings.bind_dn and not settings.bind_password:
            # A simple bind with a DN and no password is an anonymous bind that "succeeds"
            # (RFC 4513 §5.1.2): it would hide a missing password until searches find nobody.
            raise ConfigError("itsm.ldap.bind_password: required when itsm.ldap.bind_dn is set")
        if settings.ca_file and not Path(settings.ca_file).is_file():
            raise ConfigError(f"itsm.ldap.ca_file: no such file {settings.ca_file!r}")
        if "{login}" not in settings.user_filter:
            raise ConfigError("itsm.ldap.user_filter: must contain {login}")
        self.login_attribute = settings.login_attribute or (
            "sAMAccountName" if settings.active_directory else "uid"
        )
        self._user_filter = _parenthesized(settings.user_filter)
        # The user filter with a wildcard for the login: "any person", for search and reports.
        self._people_filter = self._user_filter.replace("{login}", "*")
        self._group_filter = _parenthesized(settings.group_filter) if settings.group_filter else ""
        # The account's state is read with the person (operational in OpenLDAP: asked by name).
        flag = "userAccountControl" if settings.active_directory else "pwdAccountLockedTime"
        self._attributes = [self.login_attribute, *PERSON_ATTRIBUTES, flag]
        # Bound to (and refused) when a login matches nobody; see authenticate().
        self._nobody_dn = ",".join(filter(None, ("cn=no such person", settings.user_base)))
        # ldap3 packs receive_timeout into SO_RCVTIMEO with struct 'LL': a float raises
        # struct.error out of open(). Whole seconds, at least one.
        self._receive_timeout = max(1, math.ceil(settings.timeout))
        self._time_limit = self._receive_timeout  # server-side search limit, whole seconds
        self._targets = self._make_targets(settings)
        self._encrypted = settings.start_tls or all(
            url.lower().startswith("ldaps://") for url, _ in self._targets
        )
        if not self._encrypted:
            log.warning("LDAP: %s without StartTLS sends passwords in clear text", settings.url)
        self._idle: list[tuple[float, Connection]] = []
        self._lock = threading.Lock()

    # -- servers and connections ------------------------------------------------------------

    @staticmethod
    def _make_targets(settings: LdapSettings) -> list[tuple[str, Tls | None]]:
        """(URL, TLS settings) per server; several URLs, separated by spaces, are tried in
        order."""
        urls = settings.url.split()
        if not urls:
            raise ConfigError("itsm.ldap.url: required when itsm.directory = ldap")
        targets = []
        for url in urls:
            tls = None
            if settings.ca_file or settings.start_tls or url.lower().startswith("ldaps://"):
                # ldap3's default (tls=None) accepts any certificate: validate, and check the
                # host name against it (ldap3 does that after the handshake when validating).
                tls = Tls(
                    validate=ssl.CERT_REQUIRED,
                    ca_certs_file=settings.ca_file or None,
                    sni=urlsplit(url).hostname,
                )
            targets.append((url, tls))
        return targets

    def _open(self, user: str | None, password: str | None) -> Connection:
        """A connection, TLS started when configured, not yet bound. Raises ldap3 errors."""
        last_error: Exception | None = None
        for url, tls in self._targets:
            # A new ldap3 Server each time: a Server keeps per-address state that its
            # connections change without a lock (current_address, which close() resets, and an
            # "unavailable" mark that refuses the address for the next ~6 seconds), so a shared
            # one fails healthy calls from other threads and after a short outage.
            server = Server(url, connect_timeout=self.settings.timeout, get_info=NONE, tls=tls)
            conn = Connection(
                server,
                user=user,
                password=password,
                authentication=SIMPLE if user else ANONYMOUS,
                client_strategy=SYNC,
                receive_timeout=self._receive_timeout,
                # Results are checked by code below; transport errors raise regardless.
                raise_exceptions=False,
                # A referral would send the service password to another host.
                auto_referrals=False,
                return_empty_attributes=True,
            )
            try:
                conn.open(read_server_info=False)
            except LDAPCommunicationError as exc:
                last_error = exc
                log.info("LDAP server %s does not answer: %s", url, exc)
                continue
            try:
                if self.settings.start_tls and not server.ssl and not conn.start_tls(False):
                    raise DirectoryUnavailable(f"StartTLS refused: {_result_text(conn.result)}")
            except BaseException:
                _close(conn)
                raise
            return conn
        assert last_error is not None
        raise last_error

    def _service_connection(self) -> Connection:
        """A new connection bound as the service account (anonymous without a bind DN)."""
        conn = self._open(self.settings.bind_dn or None, self.settings.bind_password or None)
        try:
            if not conn.bind(read_server_info=False):
                raise DirectoryUnavailable(
                    f"service bind as {self.settings.bind_dn or 'anonymous'} failed: "
                    f"{_result_text(conn.result)}"
                )
        except BaseException:
            _close(conn)
            raise
        return conn

    def _take_idle(self) -> Connection | None:
        now = time.monotonic()
        stale: list[Connection] = []
        conn = None
        with self._lock:
            while self._idle:
                since, candidate = self._idle.pop()
                if now - since > MAX_IDLE_SECONDS or candidate.closed:
                    stale.append(candidate)
                    continue
                conn = candidate
                break
        for old in stale:
            _close(old)
        return conn

    def _give_back(self, conn: Connection) -> None:
        if not conn.closed and conn.bound:
            with self._lock:
                if len(self._idle) < max(self.settings.pool_size, 0):
                    self._idle.append((time.monotonic(), conn))
                    return
        _close(conn)

    def _with_service(self, operation: Callable[[Connection], T]) -> T:
        """Run ``operation`` on a service connection borrowed for this thread alone.

        A reused connection that the server (or a firewall) closed fails at once: that is
        retried once on a new one. A timeout is not retried, so a hung server costs one
        timeout, not two."""
        for attempt in range(2):
            conn = self._take_idle()
            reused = conn is not None
            if conn is None:
                conn = self._service_connection()
            try:
                result = operation(conn)
            except LDAPCommunicationError as exc:
                _close(conn)
                if reused and attempt == 0 and not isinstance(exc, TimeoutError):
                    log.info("LDAP connection went stale (%s); retrying on a new one", exc)
                    continue
                raise
            except BaseException:
                _close(conn)
                raise
            self._give_back(conn)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _unavailable_on_error(self, what: str) -> Iterator[None]:
        """ldap3 and socket errors -> DirectoryUnavailable; our own errors pass through."""
        try:
            yield
        except DirectoryError as exc:
            if isinstance(exc, DirectoryUnavailable):
                log.warning("LDAP %s: %s", what, exc)
            raise
        except (LDAPException, OSError) as exc:
            log.warning("LDAP %s failed against %s: %s", what, self.settings.url, exc)
            raise DirectoryUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Close the idle connections (tests; a process that ends needs no call)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for _, conn in idle:
            _close(conn)

    # -- searching ----------------------------------------------------------------------------

    def _search(
        self,
        conn: Connection,
        base: str,
        ldap_filter: str,
        attributes: Sequence[str],
        scope: str = SUBTREE,
        size_limit: int = 0,
        refusal_is_empty: bool = False,
    ) -> list[dict[str, Any]]:
        """Entries found; [] when the base does not exist (or, with ``refusal_is_empty``, when
        the server refuses for any reason but being unavailable)."""
        conn.search(
            base,
            ldap_filter,
            search_scope=scope,
            attributes=list(attributes),
            size_limit=size_limit,
            time_limit=self._time_limit,
        )
        code = conn.result.get("result") if conn.result else None
        if code == NO_SUCH_OBJECT:
            return []
        if (
            refusal_is_empty
            and code not in UNAVAILABLE_CODES
            and code not in (SUCCESS, SIZE_LIMIT_EXCEEDED)
        ):
            log.info("LDAP search under %s refused: %s", base, _result_text(conn.result))
            return []
        if code not in (SUCCESS, SIZE_LIMIT_EXCEEDED):
            # Includes insufficientAccessRights: the service account cannot read what it must.
            raise DirectoryUnavailable(f"search under {base} failed: {_result_text(conn.result)}")
        # AD answers searches from a domain root with referrals too: entries only.
        return [r for r in conn.response or () if r.get("type") == "searchResEntry"]

    def _find(self, conn: Connection, login: str) -> dict[str, Any] | None:
        """The entry whose login is ``login``; None unless exactly one matches."""
        if not login or len(login) > MAX_LOGIN_LENGTH:
            return None
        ldap_filter = self._user_filter.replace("{login}", escape_filter_chars(login))
        entries = self._search(
            conn, self.settings.user_base, ldap_filter, self._attributes, size_limit=2
        )
        if len(entries) > 1:
            log.warning("LDAP: more than one entry for login %r; refusing", login[:64])
            return None
        return entries[0] if entries else None

    def _login_of(self, conn: Connection, dn: str, cache: dict[str, str | None]) -> str | None:
        """The login of the entry at ``dn`` (a ``manager`` value), read with a BASE search.

        A manager we cannot read (malformed DN, another AD domain answering with a referral,
        no access) leaves the person without a manager rather than unable to log in."""
        if dn not in cache:
            try:
                entries = self._search(
                    conn,
                    dn,
                    "(objectClass=*)",
                    [self.login_attribute],
                    scope=BASE,
                    refusal_is_empty=True,
                )
            except LDAPInvalidDnError:
                log.info("LDAP: manager value %r is not a DN", dn)
                entries = []
            login = _first(entries[0]["attributes"], self.login_attribute) if entries else ""
            cache[dn] = login or None
        return cache[dn]

    def _groups(
        self, conn: Connection, dn: str, member_of: list[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(names, DNs) of the groups of ``dn``: ``memberOf`` when the server keeps it (AD),
        plus a search for groups naming ``dn`` as member or uniqueMember."""
        found: dict[str, tuple[str, str]] = {}
        for group_dn in member_of:
            found.setdefault(group_dn.lower(), (_rdn_value(group_dn), group_dn))
        if self.settings.group_base:
            member = escape_filter_chars(dn)
            # AD has no uniqueMember; keep its filter to attributes it knows.
            if self.settings.active_directory:
                ldap_filter = f"(member={member})"
            else:
                ldap_filter = f"(|(member={member})(uniqueMember={member}))"
            if self._group_filter:
                ldap_filter = f"(&{self._group_filter}{ldap_filter})"
            for entry in self._search(conn, self.settings.group_base, ldap_filter, ["cn"]):
                name = _first(entry["attributes"], "cn") or _rdn_value(entry["dn"])
                found.setdefault(entry["dn"].lower(), (name, entry["dn"]))
        pairs = sorted(found.values(), key=lambda pair: pair[0].casefold())
        names = tuple(dict.fromkeys(name for name, _ in pairs))
        return names, tuple(group_dn for _, group_dn in pairs)

    def _person(
        self,
        conn: Connection,
        entry: dict[str, Any],
        wanted_login: str | None = None,
        managers: dict[str, str | None] | None = None,
    ) -> DirectoryPerson:
        attributes = entry["attributes"]
        logins = _values(attributes, self.login_attribute)
        # uid may hold several values; the person is known by the one they logged in with
        # (in the directory's spelling), else the first.
        login = next(
            (v for v in logins if wanted_login and v.casefold() == wanted_login.casefold()),
            logins[0] if logins else (wanted_login or ""),
        )
        manager_dn = _first(attributes, "manager")
        cache = managers if managers is not None else {}
        manager = self._login_of(conn, manager_dn, cache) if manager_dn else None
        groups, group_dns = self._groups(conn, entry["dn"], _values(attributes, "memberOf"))
        return _directory_person(entry, login, manager, groups, group_dns)

    # -- the Directory protocol -----------------------------------------------------------------

    def authenticate(self, login: str, password: str) -> DirectoryPerson | None:
        """The person when ``password`` is theirs, else None. An empty password or login is
        refused before any network traffic: an empty-password bind is an anonymous success."""
        if not login or not password or not login.strip():
            return None
        with self._unavailable_on_error("authenticate"):
            entry = self._with_service(lambda conn: self._find(conn, login))
            if entry is None:
                # Bind anyway, so an unknown login costs what a wrong password costs and the
                # response time does not tell which accounts exist.
                self._bind_as(self._nobody_dn, password)
                return None
            if not self._bind_as(entry["dn"], password) or self._disabled(entry):
                return None
            return self._with_service(lambda conn: self._person(conn, entry, login))

    def _bind_as(self, dn: str, password: str) -> bool:
        """Whether ``dn`` binds with ``password``, on a connection of its own."""
        conn = self._open(dn, password)
        try:
            if conn.bind(read_server_info=False):
                return True
            code = conn.result.get("result") if conn.result else None
            if code in UNAVAILABLE_CODES:
                raise DirectoryUnavailable(f"bind failed: {_result_text(conn.result)}")
            if code != INVALID_CREDENTIALS:
                # e.g. unwillingToPerform for a locked or disabled account: still a "no".
                log.info("LDAP bind as %s refused: %s", dn, _result_text(conn.result))
            return False
        finally:
            _close(conn)

    def get(self, login: str) -> DirectoryPerson | None:
        """Look one person up by login (same filter as logging in)."""
        if not login:
            return None
        with self._unavailable_on_error("get"):

            def lookup(conn: Connection) -> DirectoryPerson | None:
                entry = self._find(conn, login)
                return self._person(conn, entry, login) if entry else None

            return self._with_service(lookup)

    def is_active(self, login: str) -> bool:
        """Whether exactly one entry matches ``login`` (the user filter, which in Active
        Directory usually leaves disabled accounts out) and it is not disabled
        (:meth:`_disabled`)."""
        with self._unavailable_on_error("is_active"):
            entry = self._with_service(lambda conn: self._find(conn, login))
        return entry is not None and not self._disabled(entry)

    def _disabled(self, entry: Mapping[str, Any]) -> bool:
        """Disabled in AD (``userAccountControl`` bit 2) or locked by the password policy
        (``pwdAccountLockedTime``; ``000001010000Z`` is how OpenLDAP disables an account,
        also where the policy's own lockout is off)."""
        attributes = entry.get("attributes") or {}
        if self.settings.active_directory:
            return bool(_first_int(_first(attributes, "userAccountControl")) & ACCOUNTDISABLE)
        return bool(_values(attributes, "pwdAccountLockedTime"))

    def search(self, text: str, limit: int = 20) -> list[DirectoryPerson]:
        """People whose login, name or mail contains ``text`` (escaped), by name."""
        if limit <= 0:
            return []
        needle = escape_filter_chars(text.strip())
        if needle:
            wanted = "".join(
                f"({attribute}=*{needle}*)"
                for attribute in (self.login_attribute, "cn", "displayName", "mail")
            )
            ldap_filter = f"(&{self._people_filter}(|{wanted}))"
        else:
            ldap_filter = self._people_filter
        with self._unavailable_on_error("search"):

            def run(conn: Connection) -> list[DirectoryPerson]:
                entries = self._search(
                    conn, self.settings.user_base, ldap_filter, self._attributes, size_limit=limit
                )
                managers: dict[str, str | None] = {}
                return [self._person(conn, e, managers=managers) for e in entries[:limit]]

            people = self._with_service(run)
        return sorted(people, key=lambda p: (p.display_name.casefold(), p.login))

    def everyone(self) -> tuple[list[DirectoryPerson], set[str]]:
        """Every person under the user base, with their groups, managers and the disabled
        mark, and the logins of the people someone reports to (for the directory sync).

        Three paged searches whatever the size of the company (people, disabled people,
        groups with their members) instead of a few searches per person."""
        with self._unavailable_on_error("everyone"):
            return self._with_service(self._everyone)

    def _paged(
        self, conn: Connection, base: str, ldap_filter: str, attributes: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Every entry matching, in pages of 500 (AD answers at most 1,000 per search)."""
        entries: list[dict[str, Any]] = []
        cookie: Any = None
        while True:
            conn.search(
                base,
                ldap_filter,
                search_scope=SUBTREE,
                attributes=list(attributes),
                paged_size=PAGE_SIZE,
                paged_cookie=cookie,
            )
            code = conn.result.get("result") if conn.result else None
            if code == NO_SUCH_OBJECT:
                return entries
            if code != SUCCESS:
                raise DirectoryUnavailable(
                    f"search under {base} failed: {_result_text(conn.result)}"
                )
            entries += [r for r in conn.response or () if r.get("type") == "searchResEntry"]
            control = (conn.result.get("controls") or {}).get(PAGED_CONTROL) or {}
            cookie = (control.get("value") or {}).get("cookie")
            if not cookie:
                return entries

    def _everyone(self, conn: Connection) -> tuple[list[DirectoryPerson], set[str]]:
        base = self.settings.user_base
        entries = self._paged(conn, base, self._people_filter, self._attributes)
        disabled: set[str] = set()
        if self.settings.disabled_filter:
            wanted = f"(&{self._people_filter}{_parenthesized(self.settings.disabled_filter)})"
            disabled = {e["dn"].lower() for e in self._paged(conn, base, wanted, ["1.1"])}
        members: dict[str, list[tuple[str, str]]] = {}
        if self.settings.group_base:
            group_filter = self._group_filter or "(objectClass=*)"
            attributes = ["cn", "member"] + (
                [] if self.settings.active_directory else ["uniqueMember"]
            )
            for group in self._paged(conn, self.settings.group_base, group_filter, attributes):
                name = _first(group["attributes"], "cn") or _rdn_value(group["dn"])
                for attribute in ("member", "uniqueMember"):
                    for dn in _values(group["attributes"], attribute):
                        members.setdefault(dn.lower(), []).append((name, group["dn"]))
        logins = {e["dn"].lower(): _first(e["attributes"], self.login_attribute) for e in entries}
        managers: dict[str, str | None] = {dn: login or None for dn, login in logins.items()}
        people = []
        for entry in entries:
            attributes = entry["attributes"]
            login = logins[entry["dn"].lower()]
            if not login:
                continue
            manager_dn = _first(attributes, "manager")
            manager = None
            if manager_dn:
                manager = managers.get(manager_dn.lower(), False)
                if manager is False:  # outside the user base: read it once
                    manager = self._login_of(conn, manager_dn, managers)
                    managers[manager_dn.lower()] = manager
            found = {g.lower(): (_rdn_value(g), g) for g in _values(attributes, "memberOf")}
            for name, group_dn in members.get(entry["dn"].lower(), ()):
                found.setdefault(group_dn.lower(), (name, group_dn))
            pairs = sorted(found.values(), key=lambda pair: pair[0].casefold())
            names = tuple(dict.fromkeys(name for name, _ in pairs))
            dns = tuple(group_dn for _, group_dn in pairs)
            off = entry["dn"].lower() in disabled
            people.append(_directory_person(entry, login, manager, names, dns, off))
        with_reports = {p.manager for p in people if p.manager}
        return people, with_reports

    def groups_of(self, login: str) -> list[str]:
        """Names (cn) of the groups ``login`` belongs to."""
        person = self.get(login)
        return list(person.groups) if person else []

    def manager_of(self, login: str) -> str | None:
        """The login of the entry named by ``login``'s ``manager`` attribute."""
        person = self.get(login)
        return person.manager if person else None

    def reports_of(self, login: str) -> list[str]:
        """Logins of the people whose ``manager`` is ``login``'s DN."""
        if not login:
            return []
        with self._unavailable_on_error("reports_of"):

            def run(conn: Connection) -> list[str]:
                entry = self._find(conn, login)
                if entry is None:
                    return []
                manager = escape_filter_chars(entry["dn"])
                ldap_filter = f"(&{self._people_filter}(manager={manager}))"
                entries = self._search(
                    conn, self.settings.user_base, ldap_filter, [self.login_attribute]
                )
                logins = (_first(e["attributes"], self.login_attribute) for e in entries)
                return sorted(login for login in logins if login)

            return self._with_service(run)

    def set_password(self, login: str, new_password: str, old_password: str | None = None) -> None:
        """Change a password: as the person when ``old_password`` is given, else as the
        service account (a reset). The server's policy decides; its refusal is raised as
        :class:`PasswordRejected` with the server's words."""
        if not new_password:
            raise PasswordRejected("the new password is empty", "too_short")
        if old_password == "":
            raise PasswordRejected("the current password is wrong", "wrong_password")
        if self.settings.active_directory and not self._encrypted:
            # AD refuses unicodePwd changes in clear text anyway; do not send the passwords.
            log.error("LDAP: Active Directory password changes need ldaps:// or StartTLS")
            raise PasswordRejected("password changes need an encrypted connection", "rejected")
        with self._unavailable_on_error("set_password"):
            entry = self._with_service(lambda conn: self._find(conn, login))
            if entry is None:
                raise PasswordRejected("unknown account", "rejected")
            dn = entry["dn"]
            # A fresh connection, never a pooled one: a write is not retried, and a user bind
            # must not go back to the pool.
            if old_password is not None:
                conn = self._open(dn, old_password)
                try:
                    if not conn.bind(read_server_info=False):
                        raise self._rejection(conn.result)
                except BaseException:
                    _close(conn)
                    raise
            else:
                conn = self._service_connection()
            try:
                if self.settings.active_directory:
                    # A raw unicodePwd replace can leave an account that cannot log in
                    # (ldap3#1143); this does delete+add (change) or replace (reset) properly.
                    changed = conn.extend.microsoft.modify_password(dn, new_password, old_password)
                else:
                    changed = conn.extend.standard.modify_password(
                        dn, old_password, new_password, controls=[(PPOLICY_CONTROL, False, None)]
                    )
                if changed is not True:
                    raise self._rejection(conn.result)
            finally:
                _close(conn)
        log.info("LDAP password %s for %s", "changed" if old_password else "reset", login)

    @staticmethod
    def _rejection(result: Mapping[str, Any] | None) -> DirectoryError:
        """The PasswordRejected (or DirectoryUnavailable) for a failed bind or change."""
        result = result or {}
        code = result.get("result")
        message = (result.get("message") or "").strip()
        reason = message or str(result.get("description") or "rejected")
        if code in UNAVAILABLE_CODES:
            return DirectoryUnavailable(f"password change failed: {_result_text(result)}")
        policy_error = _ppolicy_error(result.get("controls"))
        if policy_error is not None:
            return PasswordRejected(reason, PPOLICY_ERRORS.get(policy_error, "rejected"))
        lowered = message.lower()
        # AD: 00000056 = ERROR_INVALID_PASSWORD (the old one is wrong); 0000052D =
        # ERROR_PASSWORD_RESTRICTION (length, complexity, history or age: AD does not say).
        if code == INVALID_CREDENTIALS or "00000056" in message:
            return PasswordRejected(message or "the current password is wrong", "wrong_password")
        if "too short" in lowered:
            return PasswordRejected(reason, "too_short")
        # Before "old password": OpenLDAP says "Password is in history of old passwords".
        if "history" in lowered:
            return PasswordRejected(reason, "in_history")
        if "quality" in lowered or "complex" in lowered:
            return PasswordRejected(reason, "too_weak")
        if "old password" in lowered:  # "unwilling to verify old password" and the like
            return PasswordRejected(reason, "wrong_password")
        return PasswordRejected(reason, "rejected")

    def ping(self) -> bool:
        """True when the service account can bind and read the user base now; False (never
        an exception) otherwise, within the timeout."""
        try:
            with self._unavailable_on_error("ping"):
                found = self._with_service(
                    lambda conn: self._search(
                        conn, self.settings.user_base, "(objectClass=*)", ["1.1"], scope=BASE
                    )
                )
        except DirectoryError:
            return False
        # An empty answer means the user base does not exist (or is hidden): nobody can log in.
        return bool(found)
