"""``itsm-worker INI --once`` in its own process, against a FileStorage."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
import transaction
import ZODB
import ZODB.FileStorage

from itsm.db import ZODB_ROOT_KEY

#: About a FileStorage itself (held by one process, read offline): run on the file run only.
pytestmark = pytest.mark.filestorage


def write_ini(app, path):
    settings = "\n".join(f"{k} = {v}" for k, v in app.settings.items() if k != "use")
    path.write_text(f"[app:main]\nuse = egg:itsm\n{settings}\n", encoding="utf-8")
    return path


def data_fs(app):
    return app.settings["zodbconn.uri"].removeprefix("file://").split("?")[0]


def itsm_worker(ini, *args):
    return subprocess.run(
        [sys.executable, "-m", "itsm.worker.cli", str(ini), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_database(path, func):
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path, read_only=True))
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:
        with tm:
            return func(conn.root()[ZODB_ROOT_KEY])
    finally:
        conn.close()
        db.close()


def test_once_runs_each_job_prints_its_result_and_releases_the_lease(
    make_app, smtp_server, tmp_path
):
    app = make_app(**smtp_server.settings_overrides())
    app.write(
        lambda root: root.outbox.add(
            ["employee@example.com"], "Queued before the run", "Hello", now=datetime.now(UTC)
        )
    )
    jobs = sorted(app.registry.itsm_jobs)
    ini = write_ini(app, tmp_path / "worker.ini")
    app.close()  # a FileStorage is held by one process at a time

    out = itsm_worker(ini, "--once")

    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "itsm-worker: deliver_outbox: sent 1, failed 0" in lines
    assert sorted(line.split(":")[1].strip() for line in lines) == jobs
    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Queued before the run"
    assert read_database(data_fs(app), lambda root: root.worker_lease.holder) is None


def test_once_runs_nothing_while_another_worker_holds_the_lease(make_app, smtp_server, tmp_path):
    from itsm.worker.scheduler import Worker

    app = make_app(**smtp_server.settings_overrides())
    app.write(
        lambda root: root.outbox.add(
            ["employee@example.com"], "Not by me", "Hello", now=datetime.now(UTC)
        )
    )
    assert Worker(app.registry, app.db, lease_seconds=300).renew_lease()
    ini = write_ini(app, tmp_path / "worker.ini")
    app.close()

    out = itsm_worker(ini, "--once")

    assert out.returncode == 0, out.stderr
    assert out.stdout == "itsm-worker: another worker holds the lease; nothing was run\n"
    assert smtp_server.messages == []


def test_database_held_by_another_process_is_one_clear_line(app, tmp_path):
    ini = write_ini(app, tmp_path / "worker.ini")
    app.close()
    path = data_fs(app)
    held = ZODB.FileStorage.FileStorage(path)  # as pserve would hold it
    try:
        out = itsm_worker(ini, "--once")
    finally:
        held.close()

    assert out.returncode != 0
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    (line,) = out.stderr.splitlines()
    assert line.startswith(f"itsm-worker: {path} is in use by another process")
