"""The storage the suite runs on: FileStorage (default), ZEO or RelStorage on PostgreSQL.

Chosen by ``--storage=file|zeo|relstorage`` or the ``ITSM_TEST_STORAGE`` environment variable
(the option wins). Each storage is started by the suite itself, on loopback:

- ``file``: a copy of the demo FileStorage per app (``tests/conftest.py``, ``make_app``);
- ``zeo``: ``runzeo`` processes on free ports, each serving a pool of copies of that
  FileStorage with their blobs, one copy per app (each app is its own ZEO client with its own
  blob cache);
- ``relstorage``: a database per app on the PostgreSQL at ``ITSM_TEST_POSTGRES`` (default
  127.0.0.1:5432), made with ``CREATE DATABASE ... TEMPLATE`` from a template database the
  session fills once from the demo FileStorage (``copyTransactionsFrom``, as ``zodbconvert``
  does), and dropped when the test ends. The template is dropped at the end of the session.
  History-preserving, like FileStorage: packing by days and the "no GET commits" checks mean the
  same on every storage.

``storage_backend`` (session fixture) gives ``new_database(directory, demo)``: a
``TestDatabase`` with its zodburi ``uri`` and ``remove()``, called once its apps are closed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KINDS = ("file", "zeo", "relstorage")
BIN = Path(sys.executable).parent
DEFAULT_DSN = "host=127.0.0.1 port=5432 dbname=postgres connect_timeout=5"
#: Seconds a ZEO client waits for a lost server before ClientDisconnected: small, so that an
#: outage answers 503 quickly (pyramid_retry re-runs a request up to five times).
ZEO_WAIT_TIMEOUT = 1


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--storage",
        choices=KINDS,
        default=None,
        help="the storage the functional tests run on (default: $ITSM_TEST_STORAGE or file)",
    )


def storage_kind(config: pytest.Config) -> str:
    kind = config.getoption("--storage") or os.environ.get("ITSM_TEST_STORAGE") or "file"
    if kind not in KINDS:
        raise pytest.UsageError(f"ITSM_TEST_STORAGE={kind!r}: choose one of {', '.join(KINDS)}")
    return kind


def pytest_report_header(config: pytest.Config) -> str:
    return f"itsm storage: {storage_kind(config)}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On ZEO and RelStorage, leave out the tests about a FileStorage itself (marked
    ``filestorage``): the FileStorage run has them."""
    if storage_kind(config) == "file":
        return
    kept, left_out = [], []
    for item in items:
        (left_out if item.get_closest_marker("filestorage") else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def file_uri(directory: Path) -> str:
    return f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"


class TestDatabase:
    """One app's database: its zodburi ``uri`` and how to remove it (after the app closed)."""

    def __init__(self, uri: str, remove: Any = None) -> None:
        self.uri = uri
        self._remove = remove

    def remove(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None


class ZeoServer:
    """``runzeo`` on a free port serving a FileStorage and its blobs from ``directory`` (ZEO's
    storage ``1``), and optionally more storages named ``s0``, ``s1``... from subdirectories
    (the pool of the storage matrix: one server process for many tests' databases)."""

    def __init__(self, directory: Path, extra: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.extra = extra
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def data_fs(self) -> Path:
        return self.directory / "Data.fs"

    @property
    def blobs(self) -> Path:
        return self.directory / "blobs"

    def _conf(self) -> str:
        sections = [
            f"<filestorage 1>\n  path {self.data_fs}\n  blob-dir {self.blobs}\n</filestorage>\n"
        ]
        for name in self.extra:
            sub = self.directory / name
            sections.append(
                f"<filestorage {name}>\n  path {sub / 'Data.fs'}\n"
                f"  blob-dir {sub / 'blobs'}\n</filestorage>\n"
            )
        return f"<zeo>\n  address 127.0.0.1:{self.port}\n</zeo>\n" + "".join(sections)

    def start(self, port: int | None = None) -> None:
        """Start the server (on ``port`` again after a stop, to simulate an outage)."""
        # Another process (or xdist worker) may take a free port before runzeo binds it: try
        # a few ports before giving up.
        for _ in range(1 if port else 3):
            self.port = port or free_port()
            conf = self.directory / "zeo.conf"
            conf.write_text(self._conf(), encoding="utf-8")
            with open(self.directory / "runzeo.log", "ab") as log:
                self.process = subprocess.Popen(
                    [str(BIN / "runzeo"), "-C", str(conf)], stdout=log, stderr=subprocess.STDOUT
                )
            if self._wait_until_listening(60):
                return
        log_text = (self.directory / "runzeo.log").read_text(errors="replace")[-2000:]
        pytest.fail(f"runzeo did not start:\n{log_text}")

    def _wait_until_listening(self, wait: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def uri(self, blob_cache: Path, storage: str = "1") -> str:
        """A zodburi URI for one client process (each has its own blob cache)."""
        return (
            f"zeo://127.0.0.1:{self.port}?blob_dir={blob_cache}&shared_blob_dir=false"
            f"&wait_timeout={ZEO_WAIT_TIMEOUT}" + (f"&storage={storage}" if storage != "1" else "")
        )


class ZeoPool:
    """Databases for the tests' apps on shared ``runzeo`` processes: each server holds
    ``DEMO`` copies of the demo database and ``EMPTY`` empty ones, handed out once each; a
    server stops when every one of its databases was handed out and given back. Starting a
    server takes a second or two on a loaded machine, so one per test would cost minutes."""

    DEMO = 24
    EMPTY = 4

    def __init__(self, demo_template: Path, work: Path) -> None:
        self.demo_template = demo_template
        self.work = work
        self.count = 0
        self.current: ZeoServer | None = None
        self.free: dict[bool, list[str]] = {True: [], False: []}
        self.out: dict[int, int] = {}
        self.servers: list[ZeoServer] = []

    def _new_server(self) -> None:
        directory = self.work / f"zeo{self.count}"
        self.count += 1
        directory.mkdir()
        demo = [f"s{i}" for i in range(self.DEMO)]
        empty = [f"e{i}" for i in range(self.EMPTY)]
        for name in demo:
            shutil.copytree(self.demo_template, directory / name)
        for name in empty:
            (directory / name).mkdir()
        server = ZeoServer(directory, tuple(demo + empty))
        server.start()
        self.servers.append(server)
        self.current = server
        self.free = {True: demo, False: empty}
        self.out[id(server)] = 0

    def take(self, blob_cache: Path, demo: bool) -> TestDatabase:
        if self.current is None or not self.free[demo]:
            self._retire_current()
            self._new_server()
        server = self.current
        assert server is not None
        name = self.free[demo].pop(0)
        self.out[id(server)] += 1

        def give_back() -> None:
            self.out[id(server)] -= 1
            if server is not self.current and self.out[id(server)] == 0:
                server.stop()

        return TestDatabase(server.uri(blob_cache, name), give_back)

    def _retire_current(self) -> None:
        if self.current is not None and self.out[id(self.current)] == 0:
            self.current.stop()
        self.current = None

    def close(self) -> None:
        for server in self.servers:
            server.stop()


class Postgres:
    """Databases on one PostgreSQL server, made and dropped by name."""

    def __init__(self, dsn: str | None = None) -> None:
        self.dsn = dsn or os.environ.get("ITSM_TEST_POSTGRES", DEFAULT_DSN)
        self.admin = self._connect_maintenance()
        params = self.admin.get_dsn_parameters()
        self.host, self.port, self.user = params["host"], params["port"], params["user"]

    def _connect_maintenance(self) -> Any:
        """The server's maintenance database, as libpq's default user or else ``postgres``."""
        import psycopg2

        errors = []
        for user in (None, "postgres"):
            try:
                conn = psycopg2.connect(self.dsn, **({"user": user} if user else {}))
            except psycopg2.OperationalError as exc:
                errors.append(str(exc).strip().splitlines()[0])
                continue
            conn.autocommit = True
            return conn
        message = f"no PostgreSQL to test RelStorage on ({self.dsn}): {'; '.join(errors)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI runs on machines with PostgreSQL at 127.0.0.1:5432)")
        pytest.skip(message)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.cursor() as cursor:
            cursor.execute(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        return name

    def drop(self, name: str) -> None:
        with self.admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def uri(self, name: str, blob_cache: Path) -> str:
        """RelStorage's zodburi form; blobs live in PostgreSQL, ``blob_dir`` is this process's
        cache of them."""
        return (
            f"postgres://{self.user}@{self.host}:{self.port}/{name}"
            f"?connect_timeout=5&blob_dir={blob_cache}&shared_blob_dir=false"
        )

    def dsn_of(self, name: str) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={name}"

    def close(self) -> None:
        self.admin.close()


def copy_into_relstorage(source: Path, dsn: str, blob_cache: Path) -> None:
    """Copy the FileStorage in ``source`` (with blobs) into an empty RelStorage, as
    ``zodbconvert`` does."""
    import ZODB.FileStorage
    from relstorage.adapters.postgresql import PostgreSQLAdapter
    from relstorage.options import Options
    from relstorage.storage import RelStorage

    src = ZODB.FileStorage.FileStorage(
        str(source / "Data.fs"), blob_dir=str(source / "blobs"), read_only=True
    )
    options = Options(keep_history=True, blob_dir=str(blob_cache), shared_blob_dir=False)
    dest = RelStorage(PostgreSQLAdapter(dsn=dsn, options=options), options=options)
    try:
        dest.copyTransactionsFrom(src)
    finally:
        dest.close()
        src.close()


class StorageBackend:
    """Makes the databases of the tests' apps on the chosen storage."""

    def __init__(self, kind: str, demo_template: Path, work: Path, worker: str) -> None:
        self.kind = kind
        self.demo_template = demo_template
        self.work = work
        self.worker = worker
        self.postgres: Postgres | None = None
        self.templates: dict[bool, str] = {}
        self.zeo_pool: ZeoPool | None = None

    def new_database(self, directory: Path, demo: bool = True) -> TestDatabase:
        """A new database for one app, with the demo data or empty."""
        if self.kind == "file":
            if demo:
                shutil.copytree(self.demo_template, directory)
            else:
                directory.mkdir(parents=True)
            return TestDatabase(file_uri(directory))
        directory.mkdir(parents=True)
        if self.kind == "zeo":
            if self.zeo_pool is None:
                self.zeo_pool = ZeoPool(self.demo_template, self.work)
            return self.zeo_pool.take(directory / "blob-cache", demo)
        pg = self._postgres()
        name = pg.create(
            f"itsm_t_{self.worker}_{secrets.token_hex(5)}", template=self._template(demo)
        )
        return TestDatabase(pg.uri(name, directory / "blob-cache"), lambda: pg.drop(name))

    def _postgres(self) -> Postgres:
        if self.postgres is None:
            self.postgres = Postgres()
        return self.postgres

    def _template(self, demo: bool) -> str:
        """A template database (demo data, or the empty RelStorage schema), made once."""
        if demo not in self.templates:
            pg = self._postgres()
            name = pg.create(f"itsm_tpl_{self.worker}_{secrets.token_hex(5)}")
            self.templates[demo] = name
            source = self.demo_template if demo else self._empty_filestorage()
            copy_into_relstorage(source, pg.dsn_of(name), self.work / f"{name}-blobs")
        return self.templates[demo]

    def _empty_filestorage(self) -> Path:
        import ZODB.FileStorage

        directory = self.work / "empty"
        directory.mkdir(exist_ok=True)
        ZODB.FileStorage.FileStorage(
            str(directory / "Data.fs"), blob_dir=str(directory / "blobs")
        ).close()
        return directory

    def close(self) -> None:
        if self.zeo_pool is not None:
            self.zeo_pool.close()
        if self.postgres is not None:
            for name in self.templates.values():
                self.postgres.drop(name)
            self.postgres.close()


@pytest.fixture(scope="session")
def storage_name(pytestconfig: pytest.Config) -> str:
    """``file``, ``zeo`` or ``relstorage``: what this run's apps are stored on."""
    return storage_kind(pytestconfig)


@pytest.fixture(scope="session")
def storage_backend(
    storage_name: str,
    demo_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Iterator[StorageBackend]:
    backend = StorageBackend(
        storage_name, demo_template, tmp_path_factory.mktemp("storage"), worker_id
    )
    yield backend
    backend.close()


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own (``initdb`` + ``pg_ctl`` in a temporary directory, on a
    free loopback port, trust authentication) that a test may stop and start: the machine's
    server at 127.0.0.1:5432 is shared and is never stopped. Run as the ``postgres`` user when
    the suite runs as root (the server refuses to run as root)."""

    def __init__(self) -> None:
        import tempfile

        # Not under pytest's tmp_path: that sits in a directory only root may enter.
        self.directory = directory = Path(tempfile.mkdtemp(prefix="itsm-pg-"))
        self.data = directory / "data"
        self.port = free_port()
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            pytest.fail("PostgreSQL's initdb is not installed (apt-get install postgresql)")
        self.bin = bins[-1].parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"{tool} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c shared_buffers=16MB -c max_connections=50"
        )
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def server(self) -> Postgres:
        return Postgres(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres")

    def remove(self) -> None:
        """Stop the cluster if it runs, and delete it."""
        with contextlib.suppress(BaseException):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
