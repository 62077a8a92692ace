"""A throwaway OpenLDAP server for the directory tests.

Each :class:`Slapd` builds its own cn=config (mdb backend, the core/cosine/inetorgperson/nis
schemas, the ppolicy overlay) and database with ``slapadd`` in a temporary directory, then runs
Debian's ``/usr/sbin/slapd`` in the foreground on a free loopback port. The data: two dozen
people in two departments (IT, Sales) with managers, phones and mail; the support groups the
test ini maps to roles; a person with a Cyrillic name; a person whose login and name need
filter escaping; a person whose manager left; a service account that the desk searches with;
a password policy (ppolicy: minimum length, history).

Fixtures: ``slapd`` (one server for the session, do not stop it) and ``make_slapd`` (a factory
of private servers, for tests that stop or pause theirs).
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
MODULE_PATH = Path("/usr/lib/ldap")
SCHEMA_DIR = Path("/etc/ldap/schema")
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")

SUFFIX = "dc=example,dc=com"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
GROUP_BASE = f"ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=itsm,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "itsm-service-secret"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
#: Everyone's password in the test directory.
PASSWORD = "secret"
USER_FILTER = "(&(objectClass=inetOrgPerson)(uid={login}))"
TIMEOUT = 2
#: Shortest new password the password policy accepts.
MIN_PASSWORD_LENGTH = 8
#: How many earlier passwords the policy refuses to take back.
PASSWORD_HISTORY = 3

#: A login and a name that break a filter built without escaping (``*()`` are valid in a uid
#: and in a DN; the backslash is in the name only, because a DN escapes it differently).
TRICKY_LOGIN = "night(ops)*"
TRICKY_NAME = "Night \\ Ops (*Lead*)"


@dataclass(frozen=True)
class PersonRow:
    login: str
    name: str
    department: str
    title: str
    manager: str | None
    groups: tuple[str, ...] = ()

    @property
    def dn(self) -> str:
        return f"uid={self.login},{PEOPLE_BASE}"

    @property
    def email(self) -> str:
        local = "".join(ch for ch in self.login if ch.isalnum() or ch in ".-'") or "x"
        return f"{local}@example.com"


#: The people in the test directory: login, name, department, title, manager, groups. The first
#: six have the demo accounts' logins; everyone's password is PASSWORD.
SD, NET, WP, ADM, CB, ST = (
    "Service Desk",
    "Network",
    "Workplace",
    "Administrators",
    "Change Board",
    "Sales Team",
)
# fmt: off
PEOPLE: tuple[PersonRow, ...] = tuple(PersonRow(*row) for row in (
    ("manager", "Mark Manager", "IT", "Head of IT operations", None, (CB,)),
    ("admin", "Alice Admin", "IT", "IT administrator", "manager", (ADM, SD)),
    ("agent", "Anna Agent", "IT", "Service desk analyst", "manager", (SD, WP)),
    ("agent2", "Nikolai Network", "IT", "Network engineer", "manager", (NET,)),
    ("employee", "Elena Employee", "Sales", "Account manager", "manager", ()),
    ("employee2", "Egor Employee", "Sales", "Accountant", "manager", ()),
    ("ivanov", "Иван Петров", "IT", "Инженер рабочих мест", "manager", (WP,)),
    (TRICKY_LOGIN, TRICKY_NAME, "IT", "Night shift lead", "manager", (NET,)),
    ("sdesk1", "Sam Desk", "IT", "Service desk analyst", "agent", (SD,)),
    ("sdesk2", "Sara Desk", "IT", "Service desk analyst", "agent", (SD,)),
    ("netops", "Oleg Operator", "IT", "Network operator", "agent2", (NET,)),
    ("pwuser", "Paula Password", "IT", "Tester", "manager", ()),
    ("salesboss", "Sofia Sales", "Sales", "Head of sales", None, (CB, ST)),
    ("lena", "Lena Larsen", "Sales", "Sales representative", "salesboss", (ST,)),
    ("olga", "Olga Orlova", "Sales", "Sales representative", "salesboss", (ST,)),
    ("petr", "Petr Pavlov", "Sales", "Key account manager", "salesboss", (ST,)),
    ("ruth", "Ruth Reed", "Sales", "Sales assistant", "salesboss", (ST,)),
    ("tom", "Tom Tanner", "Sales", "Sales representative", "salesboss", (ST,)),
    ("uma", "Uma Urban", "Sales", "Sales analyst", "salesboss", (ST,)),
    ("vera", "Vera Volkova", "Sales", "Sales representative", "salesboss", (ST,)),
    ("will", "Will Walker", "Sales", "Pre-sales engineer", "salesboss", (ST,)),
    ("xenia", "Xenia Xu", "Sales", "Sales representative", "salesboss", (ST,)),
    ("o'brien", "Pat O'Brien", "Sales", "Sales representative", "salesboss", (ST,)),
    ("yuri", "Yuri Yakovlev", "Sales", "Sales intern", "petr", ()),
    ("zoe", "Zoe Zimmer", "Sales", "Sales intern", "petr", ()),
    # Their manager left: the manager attribute names an entry that no longer exists.
    ("orphan", "Otto Orphan", "Sales", "Sales representative", "gone", ()),
))
# fmt: on
PEOPLE_BY_LOGIN = {p.login: p for p in PEOPLE}

#: Group name -> object class. "Change Board" uses uniqueMember, the others member.
GROUPS = {
    "Service Desk": "groupOfNames",
    "Network": "groupOfNames",
    "Workplace": "groupOfNames",
    "Administrators": "groupOfNames",
    "Change Board": "groupOfUniqueNames",
    "Sales Team": "groupOfNames",
}


def ssha(password: str) -> str:
    """An ``{SSHA}`` userPassword value, as slappasswd makes it."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 - slapd's format
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif_value(attribute: str, value: str) -> str:
    """One LDIF line; base64 when the value is not plain ASCII (RFC 2849)."""
    unsafe = (
        not value.isascii() or value[:1] in (" ", ":", "<") or value.endswith(" ") or "\n" in value
    )
    if unsafe:
        return f"{attribute}:: {base64.b64encode(value.encode()).decode()}"
    return f"{attribute}: {value}"


def _entry(dn: str, *pairs: tuple[str, str]) -> str:
    lines = [_ldif_value("dn", dn)] + [_ldif_value(a, v) for a, v in pairs]
    return "\n".join(lines) + "\n"


def config_ldif(directory: Path, tls: Certificates | None = None) -> str:
    """cn=config for ``slapadd -n0``: mdb + ppolicy, the schemas, ACLs, TLS if asked."""
    schemas = "\n".join(
        (SCHEMA_DIR / f"{name}.ldif").read_text(encoding="utf-8") for name in SCHEMAS
    )
    tls_lines = ""
    if tls is not None:
        tls_lines = (
            f"olcTLSCACertificateFile: {tls.ca}\n"
            f"olcTLSCertificateFile: {tls.certificate}\n"
            f"olcTLSCertificateKeyFile: {tls.key}\n"
        )
    return f"""\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {directory}/slapd.pid
olcLogLevel: none
{tls_lines}
dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {MODULE_PATH}
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schemas}

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend
olcPasswordHash: {{SSHA}}

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {SUFFIX}
olcRootDN: {ROOT_DN}
olcRootPW: {ROOT_PASSWORD}
olcDbDirectory: {directory}/data
olcDbMaxSize: 67108864
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,mail eq,sub
olcDbIndex: member,uniqueMember,manager eq
olcAccess: {{0}}to attrs=userPassword by self write by dn.exact="{SERVICE_DN}" write
  by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{SERVICE_DN}" read by users read by * none

dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{0}}ppolicy
olcPPolicyDefault: cn=default,ou=policies,{SUFFIX}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: FALSE
"""


def data_ldif() -> str:
    """The directory's content for ``slapadd -n1``."""
    entries = [
        _entry(
            SUFFIX,
            ("objectClass", "dcObject"),
            ("objectClass", "organization"),
            ("dc", "example"),
            ("o", "Example Corp"),
        ),
    ]
    for ou in ("people", "groups", "services", "policies"):
        entries.append(
            _entry(f"ou={ou},{SUFFIX}", ("objectClass", "organizationalUnit"), ("ou", ou))
        )
    entries.append(
        _entry(
            SERVICE_DN,
            ("objectClass", "applicationProcess"),
            ("objectClass", "simpleSecurityObject"),
            ("cn", "itsm"),
            ("userPassword", ssha(SERVICE_PASSWORD)),
        )
    )
    entries.append(
        _entry(
            f"cn=default,ou=policies,{SUFFIX}",
            ("objectClass", "organizationalRole"),
            ("objectClass", "pwdPolicy"),
            ("cn", "default"),
            ("pwdAttribute", "userPassword"),
            ("pwdMinLength", str(MIN_PASSWORD_LENGTH)),
            ("pwdCheckQuality", "2"),
            ("pwdInHistory", str(PASSWORD_HISTORY)),
            ("pwdAllowUserChange", "TRUE"),
            ("pwdLockout", "FALSE"),
        )
    )
    for number, person in enumerate(PEOPLE):
        given, _, family = person.name.partition(" ")
        pairs = [
            ("objectClass", "inetOrgPerson"),
            ("uid", person.login),
            ("cn", person.name),
            ("sn", family or given),
            ("givenName", given),
            ("displayName", person.name),
            ("mail", person.email),
            ("telephoneNumber", f"+1 555 01{number:02d}"),
            ("departmentNumber", person.department),
            ("title", person.title),
            ("userPassword", ssha(PASSWORD)),
        ]
        if person.manager:
            pairs.append(("manager", f"uid={person.manager},{PEOPLE_BASE}"))
        entries.append(_entry(person.dn, *pairs))
    for group, object_class in GROUPS.items():
        attribute = "uniqueMember" if object_class == "groupOfUniqueNames" else "member"
        members = [p.dn for p in PEOPLE if group in p.groups]
        entries.append(
            _entry(
                f"cn={group},{GROUP_BASE}",
                ("objectClass", object_class),
                ("cn", group),
                *((attribute, dn) for dn in members),
            )
        )
    return "\n".join(entries)


@dataclass(frozen=True)
class Certificates:
    """A test CA and a server certificate it signed for the name ``localhost`` only (so that
    ``127.0.0.1`` is a name the certificate does not match)."""

    ca: Path
    certificate: Path
    key: Path


def _openssl(*arguments: Any) -> None:
    done = subprocess.run(
        ["openssl", *map(str, arguments)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        pytest.fail(f"openssl {arguments[0]} failed:\n{done.stderr}", pytrace=False)


def make_ca(directory: Path, name: str = "ca") -> tuple[Path, Path]:
    """A self-signed CA certificate and its key (EC keys: fast to make)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN=itsm test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return cert, key


def make_certificates(directory: Path) -> Certificates:
    ca, ca_key = make_ca(directory)
    key, request = directory / "server.key", directory / "server.csr"
    certificate, extensions = directory / "server.pem", directory / "server.ext"
    extensions.write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost\n",
        encoding="ascii",
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", request, "-subj", "/CN=localhost",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", certificate, "-days", "2", "-extfile", extensions,
    )  # fmt: skip
    return Certificates(ca=ca, certificate=certificate, key=key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Slapd:
    """One running slapd. ``url``, ``stop()``, ``pause()``/``resume()`` (SIGSTOP/SIGCONT: the
    kernel still accepts TCP connections but nothing answers), ``settings_overrides()``."""

    def __init__(self, directory: Path, tls: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        #: With ``tls``: StartTLS on ``starttls_url`` (the same listener as ``url``, by the
        #: name in the certificate) and LDAPS on ``ldaps_url``; ``certificates.ca`` signed it.
        self.certificates: Certificates | None = None
        self.starttls_url = self.ldaps_url = ""
        if tls:
            self.certificates = make_certificates(directory / "tls")
            self.starttls_url = f"ldap://localhost:{self.port}"
            self.ldaps_url = f"ldaps://localhost:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    # -- life cycle -------------------------------------------------------------------------

    def build(self) -> None:
        """cn=config and the database, offline with slapadd (fast, no server needed)."""
        config_dir = self.directory / "slapd.d"
        config_dir.mkdir(parents=True)
        (self.directory / "data").mkdir()
        config = self.directory / "config.ldif"
        config.write_text(config_ldif(self.directory, self.certificates), encoding="utf-8")
        data = self.directory / "data.ldif"
        data.write_text(data_ldif(), encoding="utf-8")
        self._run(SLAPADD, "-n0", "-F", config_dir, "-l", config)
        self._run(SLAPADD, "-q", "-n1", "-F", config_dir, "-l", data)

    def _run(self, *command: Any) -> None:
        done = subprocess.run(
            [str(part) for part in command], capture_output=True, text=True, check=False
        )
        if done.returncode:
            pytest.fail(
                f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stderr}",
                pytrace=False,
            )

    def start(self, wait: float = 10.0) -> None:
        self.log = self.directory / "slapd.log"
        with self.log.open("wb") as log:
            # -d 0: stay in the foreground (so we own the process) without debug output.
            ldaps = self.ldaps_url.replace("localhost", "127.0.0.1")
            urls = " ".join(f"{url}/" for url in (self.url, ldaps) if url)
            command = [str(SLAPD), "-d", "0", "-h", urls]
            self.process = subprocess.Popen(
                [*command, "-F", str(self.directory / "slapd.d")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready(wait)

    def _wait_until_ready(self, wait: float) -> None:
        import ldap3

        deadline = time.monotonic() + wait
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(
                    f"slapd exited with {self.process.returncode}:\n{self.log.read_text()}",
                    pytrace=False,
                )
            try:
                server = ldap3.Server(self.url, connect_timeout=0.5, get_info=ldap3.NONE)
                conn = ldap3.Connection(
                    server, SERVICE_DN, SERVICE_PASSWORD, receive_timeout=1, raise_exceptions=True
                )
                conn.bind()
                conn.unbind()
                return
            except Exception as exc:  # noqa: BLE001 - not up yet; retry until the deadline
                last_error = exc
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"slapd did not answer within {wait}s: {last_error}", pytrace=False)

    def stop(self) -> None:
        """Stop the server: connections are refused until ``start()`` runs it again (same port,
        same data)."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel) but never answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    # -- what the tests configure -----------------------------------------------------------

    def settings_overrides(self, **extra: str) -> dict[str, str]:
        """ini settings that point the app at this server."""
        settings = {
            "itsm.directory": "ldap",
            "itsm.ldap.url": self.url,
            "itsm.ldap.bind_dn": SERVICE_DN,
            "itsm.ldap.bind_password": SERVICE_PASSWORD,
            "itsm.ldap.user_base": PEOPLE_BASE,
            "itsm.ldap.user_filter": USER_FILTER,
            "itsm.ldap.group_base": GROUP_BASE,
            "itsm.ldap.timeout": str(TIMEOUT),
        }
        settings.update(extra)
        return settings

    def ldap_settings(self, **changes: Any) -> Any:
        """The same, parsed the way the app parses them, as ``LdapSettings``."""
        from itsm.settings import parse
        from tests.conftest import base_settings

        raw = base_settings()
        raw.update(self.settings_overrides())
        return replace(parse(raw).ldap, **changes)


def _require_slapd() -> None:
    missing = [str(p) for p in (SLAPD, SLAPADD) if not p.exists()]
    if missing or not (MODULE_PATH / "back_mdb.so").exists():
        pytest.fail(
            "OpenLDAP's slapd is not installed (missing: "
            f"{', '.join(missing) or MODULE_PATH / 'back_mdb.so'}). The directory tests run "
            "against a real slapd: `apt-get install slapd ldap-utils` (scripts/test does it).",
            pytrace=False,
        )


def _start(directory: Path, tls: bool = False) -> Slapd:
    _require_slapd()
    server = Slapd(directory, tls=tls)
    try:
        server.build()
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """One slapd for the session; tests must not stop, pause or change it (but for the
    password of ``pwuser``, which belongs to the password tests)."""
    server = _start(tmp_path_factory.mktemp("slapd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Slapd]]:
    """``make_slapd(tls=False)``: a private slapd (to stop, pause or change), stopped at the
    end of the test. With ``tls``, it also speaks StartTLS and LDAPS."""
    servers: list[Slapd] = []

    def factory(tls: bool = False) -> Slapd:
        server = _start(tmp_path_factory.mktemp("slapd-private"), tls=tls)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
