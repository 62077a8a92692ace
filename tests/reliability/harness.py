"""The machinery of the reliability checks (RELIABILITY.md R1-R7), shared by the tests in
``tests/reliability/`` and the long runs in ``bench/reliability/``.

Everything here runs the real thing: ``pserve`` (waitress) and ``itsm-worker`` as processes of
their own on a FileStorage, killed with ``SIGKILL`` when a check says so, and plain HTTP
clients (``http.client``) on loopback. Nothing in it imports the app at module level, so a bench
script can import it before it has set up ``sys.path``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEST_INI = ROOT / "etc" / "test.ini"
BIN = Path(sys.executable).parent

#: Logging for the processes started here: the conflict retries (``itsm.retry``, ``itsm.db``)
#: are counted from their stderr, everything else at WARNING.
LOGGING = """
[loggers]
keys = root, itsm_retry, itsm_db

[handlers]
keys = stderr

[formatters]
keys = plain

[logger_root]
level = WARNING
handlers = stderr

[logger_itsm_retry]
level = INFO
handlers =
qualname = itsm.retry

[logger_itsm_db]
level = INFO
handlers =
qualname = itsm.db

[handler_stderr]
class = StreamHandler
args = (sys.stderr,)
formatter = plain

[formatter_plain]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_settings() -> dict[str, str]:
    import plaster

    return dict(plaster.get_settings(str(TEST_INI), "app:main"))


def file_uri(directory: Path) -> str:
    return f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"


def write_ini(
    directory: Path, name: str, overrides: dict[str, str] | None = None, port: int = 0
) -> Path:
    """An ini for a process on the FileStorage in ``directory``: the suite's settings,
    ``overrides``, a waitress section when ``port`` is given, the logging above."""
    settings = base_settings()
    settings["zodbconn.uri"] = file_uri(directory)
    settings.update(overrides or {})
    lines = ["[app:main]", "use = egg:itsm"]
    lines += [f"{k} = {v}" for k, v in settings.items() if k != "use" and "\n" not in str(v)]
    if port:
        lines += ["", "[server:main]", "use = egg:waitress#main", f"listen = 127.0.0.1:{port}"]
        lines += ["threads = 4", "max_request_body_size = 27262976"]
    ini = directory / name
    ini.write_text("\n".join(lines) + "\n" + LOGGING, encoding="utf-8")
    return ini


def build_demo(directory: Path) -> None:
    """The tree and the demo data in a new FileStorage in ``directory`` (what the suite's
    ``demo_template`` fixture makes; bench scripts have no fixture)."""
    import transaction
    import ZODB
    import ZODB.FileStorage

    from itsm import main
    from itsm.db import get_db
    from itsm.demo import load_demo
    from itsm.tree import get_or_create_root

    registry = main({}, **base_settings()).registry
    get_db(registry).close()
    directory.mkdir(parents=True, exist_ok=True)
    storage = ZODB.FileStorage.FileStorage(
        str(directory / "Data.fs"), blob_dir=str(directory / "blobs")
    )
    db = ZODB.DB(storage)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), registry)
        load_demo(root, with_accounts=True)
    conn.close()
    db.close()


def copy_demo(template: Path, directory: Path) -> Path:
    shutil.copytree(template, directory)
    for stale in directory.glob("Data.fs.*"):  # lock, index, tmp of the template
        if stale.suffix in (".lock", ".tmp"):
            stale.unlink()
    return directory


def open_db(directory: Path, read_only: bool = False) -> Any:
    import ZODB
    import ZODB.FileStorage

    storage = ZODB.FileStorage.FileStorage(
        str(directory / "Data.fs"), blob_dir=str(directory / "blobs"), read_only=read_only
    )
    return ZODB.DB(storage)


def with_root(directory: Path, func: Callable[[Any], Any], commit: bool = False) -> Any:
    """``func(desk_root)`` on the FileStorage in ``directory`` while no process holds it."""
    import transaction

    from itsm.db import ZODB_ROOT_KEY

    db = open_db(directory, read_only=not commit)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:
        tm.begin()
        result = func(conn.root()[ZODB_ROOT_KEY])
        if commit:
            tm.commit()
        else:
            tm.abort()
        return result
    finally:
        conn.close()
        db.close()


def make_tokens(directory: Path, logins: Iterable[str]) -> dict[str, str]:
    """Bearer tokens for ``logins``, stored in the database in ``directory``."""
    from itsm.security.tokens import create_token

    logins = list(logins)
    return with_root(
        directory,
        lambda root: {login: create_token(root.tokens, login, "reliability") for login in logins},
        commit=True,
    )


def storage_check(directory: Path) -> dict[str, str]:
    """``fstest`` and ``fsrefs`` on ``Data.fs``: name → problem ("" when clean)."""
    problems: dict[str, str] = {}
    data = str(directory / "Data.fs")
    for script in ("fstest", "fsrefs"):
        done = subprocess.run(
            [sys.executable, "-m", f"ZODB.scripts.{script}", data],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = (done.stdout + done.stderr).strip()
        problems[script] = "" if done.returncode == 0 and not output else output[-2000:]
    return problems


class Process:
    """A console script of the desk in a process of its own, its stderr in a file."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.log = log
        self.command = command
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """``kill -9``: no clean-up, no lease released, no index written."""
        if self.running():
            os.kill(self.pid, signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(30)

    def stop(self) -> None:
        if self.running():
            self.popen.terminate()  # type: ignore[union-attr]
            try:
                self.popen.wait(30)  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


class Desk(Process):
    """``pserve`` (waitress, 4 threads) on the FileStorage in ``directory``."""

    def __init__(self, directory: Path, overrides: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        ini = write_ini(directory, "desk.ini", overrides, port=self.port)
        super().__init__([str(BIN / "pserve"), str(ini)], directory / "desk.log")

    def start(self, timeout: float = 180) -> float:
        """Start and wait until ``/healthz`` answers 200; the seconds that took."""
        started = time.monotonic()
        super().start()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"pserve exited:\n{self.log_text()[-3000:]}")
            try:
                status, _ = request(self.port, "GET", "/healthz", timeout=5)
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"pserve did not answer within {timeout}s:\n{self.log_text()[-3000:]}")

    def conflicts(self) -> int:
        """Conflicts retried so far (requests by pyramid_retry, short transactions by
        ``run_in_transaction``), counted in the log."""
        text = self.log_text()
        return text.count("[itsm.retry] conflict in") + text.count("[itsm.db] conflict in")


class Worker(Process):
    """``itsm-worker`` on the FileStorage in ``directory``."""

    def __init__(self, directory: Path, overrides: dict[str, str] | None = None) -> None:
        self.directory = directory
        ini = write_ini(directory, "worker.ini", overrides)
        super().__init__([str(BIN / "itsm-worker"), str(ini)], directory / "worker.log")


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 60,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One HTTP request on a new connection; (status, JSON body or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        if "json" in (response.getheader("Content-Type") or ""):
            return response.status, json.loads(raw)
        return response.status, raw.decode("utf-8", "replace")
    finally:
        conn.close()


@dataclass
class Timings:
    """What a crowd of clients saw: statuses, latencies, failures by kind."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def fail(self, error: str) -> None:
        with self.lock:
            self.errors.append(error)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


def run_clients(count: int, body: Callable[[int], None], timeout: float = 600) -> None:
    """``body(index)`` in ``count`` threads started together; raises what one of them raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait(60)
            body(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"clients still running after {timeout}s")
    if errors:
        raise errors[0]


def transactions(directory: Path) -> Iterator[Any]:
    """The transactions of ``Data.fs`` (read-only, while no process holds it or beside one)."""
    from ZODB.FileStorage import FileIterator

    iterator = FileIterator(str(directory / "Data.fs"))
    try:
        yield from iterator
    finally:
        iterator.close()


class Browser:
    """A person's session against a running desk over HTTP: cookies, the real login form."""

    INPUT = re.compile(r"<input\b[^>]*>", re.I)
    ATTR = re.compile(r'(\w+)="([^"]*)"')

    def __init__(self, port: int) -> None:
        import http.cookiejar
        import urllib.request

        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, data: dict[str, str] | None = None, timeout: float = 30) -> Any:
        """(status, text) of a GET, or of a form POST when ``data`` is given; redirects are
        followed."""
        import html
        import urllib.error
        import urllib.parse

        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, encoded, timeout=timeout) as response:
                return response.status, html.unescape(response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def login(self, login: str, password: str = "demo") -> tuple[int, str]:
        status, page = self.open("/login")
        fields: dict[str, str] = {}
        for tag in self.INPUT.findall(page):
            attrs = dict(self.ATTR.findall(tag))
            if "name" in attrs and attrs.get("type") != "submit":
                fields[attrs["name"]] = attrs.get("value", "")
        fields.update(login=login, password=password, submit="submit")
        return self.open("/login", fields)
