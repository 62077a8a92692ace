"""A throwaway IMAP server for the mailbox-poller tests (Debian's dovecot-imapd).

:class:`Dovecot` writes its own ``dovecot.conf`` into a temporary directory (nothing under
``/etc``, ``/var`` or ``/run`` is read or written): IMAPS on ``port``, and IMAP that requires
STARTTLS before a login on ``starttls_port`` (a certificate for the name ``localhost`` signed
by a throwaway CA), users in a passwd-file (passwords) and XOAUTH2 tokens checked against a
small OAuth 2.0 provider on loopback (:class:`IdentityProvider`, as Exchange Online would),
Maildirs and the log (``dovecot.log``) in the same directory. It runs ``/usr/sbin/dovecot
-F`` (foreground: the fixture owns the process) on loopback and is stopped at the end of the
session.

Every test gets a mailbox of its own: ``imap_account`` takes the next of the users written
into the passwd-file at start, so tests never see each other's mail.

Fixtures: ``dovecot`` (the server, session scope; do not stop it), ``imap_account`` (a fresh
:class:`ImapAccount` with ``append()``, ``flags()``, ``folders()``, ``settings_overrides()``,
``oauth_overrides()``),
and ``make_dovecot`` (a private server, for tests that stop theirs)::

    def test_poll(make_app, imap_account):
        app = make_app(**imap_account.settings_overrides())
        imap_account.append(b"From: ...")
        ...
        assert imap_account.flags() == [{"\\\\Seen"}]
"""

from __future__ import annotations

import http.server
import imaplib
import itertools
import json
import os
import pwd
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.plugins.slapd import Certificates, free_port, make_certificates

DOVECOT = Path("/usr/sbin/dovecot")
HOST = "localhost"
TIMEOUT = 5
PASSWORD = "imap-secret"
#: How many mailboxes a server has (each test takes a new one).
USERS = 500


def _accounts_for_root() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid) when we run as root: dovecot refuses
    to run its login processes as root, and the Debian package made these two users."""
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        pytest.fail(
            "running as root needs the users dovecot and dovenull (made by the Debian "
            "package dovecot-core)",
            pytrace=False,
        )
    return "dovenull", "dovecot", internal.pw_uid, internal.pw_gid


def config_text(
    directory: Path, port: int, starttls_port: int, tls: Certificates, oauth_url: str
) -> str:
    """``dovecot.conf`` for a server that lives in ``directory``."""
    if os.geteuid() == 0:
        login_user, internal_user, uid, gid = _accounts_for_root()
    else:
        login_user = internal_user = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = os.geteuid(), os.getegid()
    return f"""\
# Written by tests/plugins/dovecot.py for one test session.
base_dir = {directory}/run
state_dir = {directory}/state
instance_name = itsm-test-{port}
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{tls.certificate}
ssl_key = <{tls.key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {min(uid, 500)}
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {directory}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def oauth2_text(oauth_url: str) -> str:
    """How dovecot checks an XOAUTH2 token: it asks the test's identity provider."""
    return f"""\
introspection_mode = post
introspection_url = {oauth_url}/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


class IdentityProvider:
    """A tiny OAuth 2.0 server on loopback, standing in for Microsoft Entra ID: the token
    endpoint (client-credentials grant) for the desk, the introspection endpoint for dovecot.
    ``register(client_id, secret, user)``: an app allowed into ``user``'s mailbox."""

    def __init__(self) -> None:
        self.apps: dict[str, tuple[str, str]] = {}  # client_id -> (secret, user)
        self.tokens: dict[str, str] = {}  # token -> user
        self.requests: list[str] = []
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append(self.path)
                status, body = provider.answer(self.path, form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def register(self, client_id: str, secret: str, user: str) -> None:
        self.apps[client_id] = (secret, user)

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path == "/token":
            app = self.apps.get(form.get("client_id", ""))
            if form.get("grant_type") != "client_credentials" or app is None:
                return 400, {"error": "unauthorized_client"}
            if form.get("client_secret") != app[0]:
                return 401, {"error": "invalid_client", "error_description": "Wrong secret."}
            token = secrets.token_urlsafe(24)
            self.tokens[token] = app[1]
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599}
        if path == "/introspect":
            user = self.tokens.get(form.get("token", ""))
            return 200, {"active": True, "username": user} if user else {"active": False}
        return 404, {"error": "not_found"}

    def revoke_all(self) -> None:
        self.tokens.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Dovecot:
    """One running dovecot: ``port``, ``ca`` (the CA file a client trusts), ``add_user()``,
    ``connect()``, ``stop()``/``start()``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        #: Plain IMAP that must STARTTLS before it takes a login.
        self.starttls_port = free_port()
        self.certificates = make_certificates(directory / "tls")
        self.ca = self.certificates.ca
        self.config = directory / "dovecot.conf"
        self.log = directory / "dovecot.log"
        self.passwd = directory / "passwd"
        self.process: subprocess.Popen[bytes] | None = None
        self._numbers = itertools.count(1)
        #: The OAuth 2.0 provider XOAUTH2 logins are checked against.
        self.oauth = IdentityProvider()

    def build(self) -> None:
        for sub in ("run", "state", "home"):
            (self.directory / sub).mkdir()
        # All users up front: dovecot re-reads a changed passwd-file only now and then, so a
        # user added during the run could fail to log in for a second or two.
        self.passwd.write_text(
            "".join(f"desk{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, USERS + 1)),
            encoding="utf-8",
        )
        self.config.write_text(
            config_text(
                self.directory, self.port, self.starttls_port, self.certificates, self.oauth.url
            ),
            encoding="utf-8",
        )
        (self.directory / "oauth2.conf.ext").write_text(
            oauth2_text(self.oauth.url), encoding="utf-8"
        )
        if os.geteuid() == 0:
            # The auth process (user dovecot) reads the passwd-file; the mail processes run
            # as that user too and write the Maildirs.
            _, _, uid, gid = _accounts_for_root()
            for path in (
                self.directory,
                self.directory / "home",
                self.passwd,
                self.directory / "oauth2.conf.ext",
            ):
                os.chown(path, uid, gid)
            # The login processes (user dovenull) reach their sockets under run/.
            os.chmod(self.directory, 0o755)  # noqa: S103 - no secrets but the throwaway ones

    def start(self, wait: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + wait
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"dovecot exited with {self.process.returncode}:\n{self.log_text()}",
                    pytrace=False,
                )
            try:
                client = imaplib.IMAP4_SSL(
                    HOST, self.port, ssl_context=self.client_context(), timeout=1
                )
                client.logout()
                return
            except (OSError, imaplib.IMAP4.error) as exc:
                last_error = exc
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"dovecot did not answer within {wait}s: {last_error}", pytrace=False)

    def stop(self) -> None:
        """Stop dovecot (``start()`` runs it again, same port and mail)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def add_user(self) -> ImapAccount:
        """The next unused user, with an empty INBOX."""
        number = next(self._numbers)
        if number > USERS:
            pytest.fail(f"the test dovecot has only {USERS} users", pytrace=False)
        return ImapAccount(self, f"desk{number}", PASSWORD)


class ImapAccount:
    """One user's mailbox on a :class:`Dovecot`: put mail in and look at what the desk did."""

    def __init__(self, server: Dovecot, user: str, password: str) -> None:
        self.server = server
        self.user = user
        self.password = password

    def connect(self) -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL(
            HOST, self.server.port, ssl_context=self.server.client_context(), timeout=TIMEOUT
        )
        client.login(self.user, self.password)
        return client

    def _run(self, func: Callable[[imaplib.IMAP4_SSL], Any]) -> Any:
        client = self.connect()
        try:
            return func(client)
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                pass

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """Deliver ``raw`` into ``folder`` (made if missing), with IMAP ``flags`` like
        ``"\\\\Seen"``."""

        def put(client: imaplib.IMAP4_SSL) -> None:
            if folder != "INBOX":
                client.create(folder)
            status, data = client.append(folder, f"({flags})" if flags else None, None, raw)
            assert status == "OK", data

        self._run(put)

    def folders(self) -> list[str]:
        def names(client: imaplib.IMAP4_SSL) -> list[str]:
            _, data = client.list()
            # b'(\\HasNoChildren) "." INBOX' -> INBOX
            return sorted(line.decode().rsplit(" ", 1)[-1].strip('"') for line in data if line)

        return self._run(names)

    def messages(self, folder: str = "INBOX") -> list[tuple[set[str], bytes]]:
        """Each message in ``folder`` in order: (its flags, its bytes); reading it does not
        set ``\\Seen`` (BODY.PEEK)."""

        def read(client: imaplib.IMAP4_SSL) -> list[tuple[set[str], bytes]]:
            status, _ = client.select(folder, readonly=True)
            if status != "OK":
                return []
            _, found = client.uid("SEARCH", None, "ALL")
            result = []
            for uid in found[0].split():
                _, data = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                header, body = data[0]
                flags = set(imaplib.ParseFlags(header)) if b"FLAGS" in header else set()
                # \Recent belongs to the session that saw the message first, not to it.
                kept = {flag.decode() for flag in flags} - {"\\Recent"}
                result.append((kept, body))
            return result

        return self._run(read)

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of each message in ``folder``, in order."""
        return [flags for flags, _ in self.messages(folder)]

    def oauth_overrides(self, **extra: str) -> dict[str, str]:
        """The same, logging in with XOAUTH2 and a token from the test's identity provider."""
        return _oauth_overrides(self, **extra)

    def settings_overrides(self, **extra: str) -> dict[str, str]:
        """ini settings that point the desk's poller at this mailbox."""
        settings = {
            "itsm.mail_in.imap_host": HOST,
            "itsm.mail_in.imap_port": str(self.server.port),
            "itsm.mail_in.imap_user": self.user,
            "itsm.mail_in.imap_password": self.password,
            "itsm.mail_in.imap_folder": "INBOX",
            "itsm.mail_in.imap_cafile": str(self.server.ca),
            "itsm.mail_in.imap_timeout": str(TIMEOUT),
        }
        settings.update(extra)
        return settings


def _oauth_overrides(account: ImapAccount, **extra: str) -> dict[str, str]:
    """Settings for an XOAUTH2 login to ``account`` with an app registered for it."""
    client_id = f"app-{account.user}"
    account.server.oauth.register(client_id, "app-secret", account.user)
    settings = account.settings_overrides(
        **{
            "itsm.mail_in.imap_auth": "xoauth2",
            "itsm.mail_in.imap_password": "",
            "itsm.mail_in.imap_oauth_token_url": account.server.oauth.url + "/token",
            "itsm.mail_in.imap_oauth_client_id": client_id,
            "itsm.mail_in.imap_oauth_client_secret": "app-secret",
        }
    )
    settings.update(extra)
    return settings


def _start(directory: Path) -> Dovecot:
    if not DOVECOT.exists():
        pytest.fail(
            "dovecot is not installed. The IMAP poller tests run against a real dovecot: "
            "`apt-get install dovecot-imapd` (scripts/test does it).",
            pytrace=False,
        )
    server = Dovecot(directory)
    try:
        server.build()
        server.start()
    except BaseException:
        server.stop()
        server.oauth.stop()
        raise
    return server


def _directory() -> Path:
    # Not under pytest's tmp_path: that is private to the user running pytest (0700), and as
    # root dovecot's own processes (user dovecot) must reach the passwd-file and the Maildirs.
    return Path(tempfile.mkdtemp(prefix="itsm-dovecot-"))


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One dovecot for the session; tests must not stop it (use ``make_dovecot``)."""
    directory = _directory()
    server = _start(directory)
    try:
        yield server
    finally:
        server.stop()
        server.oauth.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A fresh mailbox on the session's dovecot."""
    return dovecot.add_user()


@pytest.fixture
def make_dovecot() -> Iterator[Callable[[], Dovecot]]:
    """``make_dovecot()``: a private server (to stop or restart), stopped after the test."""
    made: list[tuple[Dovecot, Path]] = []

    def factory() -> Dovecot:
        directory = _directory()
        server = _start(directory)
        made.append((server, directory))
        return server

    yield factory
    for server, directory in made:
        server.stop()
        server.oauth.stop()
        shutil.rmtree(directory, ignore_errors=True)
