"""Fixtures shared by the whole suite: the app on a temporary FileStorage, demo data, login."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import plaster
import pytest
import transaction
import webtest
import ZODB
import ZODB.FileStorage

# Every test builds its own app, and Chameleon compiles templates per template object: without
# a shared cache each test compiled the pages it rendered again (most of a page test's time).
# Compiled templates go to one directory for the run (xdist workers inherit it from the
# controller's environment); set before anything imports chameleon.
if not os.environ.get("CHAMELEON_CACHE"):
    _cache = tempfile.mkdtemp(prefix="itsm-chameleon-")
    os.environ["CHAMELEON_CACHE"] = _cache
    atexit.register(shutil.rmtree, _cache, True)

# Property tests judge results, not speed: on a loaded 2-core machine Hypothesis' timing checks
# (the per-example deadline, "input generation is slow") fail runs that are otherwise right.
from hypothesis import HealthCheck, settings  # noqa: E402 - after the environment above

settings.register_profile(
    "itsm", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# The reliability runs (RELIABILITY.md R9): ``--hypothesis-profile=reliability`` gives every
# property test that takes its example count from the profile 10,000 examples.
settings.register_profile("reliability", parent=settings.get_profile("itsm"), max_examples=10_000)
settings.load_profile("itsm")

ROOT = Path(__file__).resolve().parent.parent
TEST_INI = ROOT / "etc" / "test.ini"

pytest_plugins = [
    f"tests.plugins.{name}"
    for name in ("slapd", "smtp", "dovecot", "storages", "telegram")
    if (ROOT / "tests" / "plugins" / f"{name}.py").exists()
]


def base_settings() -> dict[str, str]:
    return dict(plaster.get_settings(str(TEST_INI), "app:main"))


def file_uri(directory: Path) -> str:
    return f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"


@pytest.fixture(scope="session")
def app_registry() -> Any:
    """The registry of the app as configured by etc/test.ini (on a database in memory, closed
    again): what the packages registered, e.g. the parts of the tree (itsm.tree)."""
    from itsm import main
    from itsm.db import get_db

    registry = main({}, **base_settings()).registry
    get_db(registry).close()
    return registry


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, app_registry: Any) -> Path:
    """A FileStorage with the tree and the demo data, made once; tests get copies of it
    (hashing six demo passwords with argon2 for every test would be slow)."""
    from itsm.demo import load_demo
    from itsm.tree import get_or_create_root

    directory = tmp_path_factory.mktemp("demo-template")
    storage = ZODB.FileStorage.FileStorage(
        str(directory / "Data.fs"), blob_dir=str(directory / "blobs")
    )
    db = ZODB.DB(storage)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        load_demo(root, with_accounts=True)
    conn.close()
    db.close()
    return directory


class AppHandle:
    """A running app and the means to reach into its database from a test."""

    def __init__(self, app: Any, settings: dict[str, str]) -> None:
        self.wsgi = app
        self.settings = settings
        self.registry = app.registry

    @property
    def db(self) -> Any:
        from itsm.db import get_db

        return get_db(self.registry)

    def client(self, **extra_environ: Any) -> webtest.TestApp:
        environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost"}
        environ.update(extra_environ)
        return webtest.TestApp(self.wsgi, extra_environ=environ)

    def read(self, func: Callable[[Any], Any]) -> Any:
        """Run ``func(root)`` in a fresh transaction that is then aborted."""
        tm = transaction.TransactionManager(explicit=True)
        conn = self.db.open(transaction_manager=tm)
        tm.begin()
        try:
            return func(conn.root()["itsm"])
        finally:
            tm.abort()
            conn.close()

    def write(self, func: Callable[[Any], Any]) -> Any:
        """Run ``func(root)`` in a committed transaction."""
        tm = transaction.TransactionManager(explicit=True)
        conn = self.db.open(transaction_manager=tm)
        try:
            with tm:
                return func(conn.root()["itsm"])
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def make_app(tmp_path: Path, storage_backend: Any) -> Iterator[Callable[..., AppHandle]]:
    """``make_app(demo=True, **setting_overrides)``: the real app on a copy of the demo
    database (or an empty one with ``demo=False``), on the storage of this run
    (``--storage`` / ``ITSM_TEST_STORAGE``: tests/plugins/storages.py). A ``zodbconn.uri``
    override puts the app on a database of the test's own choosing instead."""
    handles: list[AppHandle] = []
    databases: list[Any] = []

    def factory(demo: bool = True, **overrides: str) -> AppHandle:
        from itsm import main

        settings = base_settings()
        if "zodbconn.uri" not in overrides:
            database = storage_backend.new_database(tmp_path / f"db{len(handles)}", demo)
            databases.append(database)
            settings["zodbconn.uri"] = database.uri
        settings.update(overrides)
        handle = AppHandle(main({}, **settings), settings)
        handles.append(handle)
        return handle

    yield factory
    for handle in handles:
        handle.close()
    for database in databases:
        database.remove()


@pytest.fixture
def app(make_app: Callable[..., AppHandle]) -> AppHandle:
    return make_app()


@pytest.fixture
def client(app: AppHandle) -> webtest.TestApp:
    return app.client()


def demo_person(app: AppHandle, login: str, **fields: Any) -> str:
    """The record of the demo account ``login``, made the way logging in makes it, with
    ``fields`` set on it (a committed transaction); its mail address."""
    from itsm.directory import make_directory
    from itsm.people.records import find_or_fetch

    def write(root: Any) -> str:
        record = find_or_fetch(
            root["people"],
            make_directory(app.registry, root),
            login,
            app.registry.itsm_settings.roles,
        )
        for name, value in fields.items():
            setattr(record, name, value)
        return record.email

    return app.write(write)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(response: webtest.TestResponse) -> str:
    match = CSRF_RE.search(response.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: webtest.TestApp, user: str, password: str = "demo", status: Any = 303) -> Any:
    """Log in through the real form; returns the response to the POST."""
    page = client.get("/login")
    form = page.forms["login-form"]
    form["login"] = user
    form["password"] = password
    return form.submit(status=status)


def logged_in(app: AppHandle, user: str, password: str = "demo") -> webtest.TestApp:
    client = app.client()
    login(client, user, password)
    return client


def desk_today(app: AppHandle) -> str:
    """Today in the desk's report timezone (``itsm.reports.timezone``), as ISO text: a report's
    date range is read in that zone, so a test run near midnight UTC must not use UTC's date."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    zone = app.registry.settings.get("itsm.reports.timezone") or "UTC"
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date().isoformat()
