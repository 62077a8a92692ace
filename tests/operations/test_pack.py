"""R13: ``itsm-pack --days 1`` while the desk writes (on ZEO, as in production), then read
everything: no POSKeyError, every blob present, ``fsrefs`` clean, every write kept.

For "older than a day" to mean something the history is written first with the storage's
clock set three days back (the transaction ids FileStorage gives), then the desk runs on the
real clock while the pack goes on.
"""

from __future__ import annotations

import subprocess
import threading
import time
import types

import pytest
import ZODB.BaseStorage
import ZODB.FileStorage
import ZODB.utils

from tests.conftest import logged_in
from tests.operations.desk import attach, edit, ini_for, report, run, token_for
from tests.operations.snapshot import blobs, objects, tickets_json
from tests.plugins.storages import BIN, ZeoServer, file_uri

DAY = 86400.0


def records_before(data_fs, cutoff: float) -> int:
    """Data records of transactions older than ``cutoff`` (a time.time()) in a FileStorage."""
    from persistent.TimeStamp import TimeStamp

    storage = ZODB.FileStorage.FileStorage(str(data_fs), read_only=True)
    try:
        return sum(
            len(list(txn)) for txn in storage.iterator() if TimeStamp(txn.tid).timeTime() < cutoff
        )
    finally:
        storage.close()


@pytest.fixture
def old_history(make_app, tmp_path, monkeypatch):
    """A FileStorage whose demo data, tickets, files and many edits are three days old."""
    real = time.time
    shifted = types.SimpleNamespace(time=lambda: real() - 3 * DAY, gmtime=time.gmtime)
    monkeypatch.setattr(ZODB.BaseStorage, "time", shifted)
    monkeypatch.setattr(ZODB.utils, "time", shifted)
    from itsm.demo import load_demo

    directory = tmp_path / "desk"
    directory.mkdir()
    app = make_app(demo=False, **{"zodbconn.uri": file_uri(directory)})
    app.write(lambda root: load_demo(root, with_accounts=True))
    headers = token_for(app, "agent")
    agent = logged_in(app, "agent")
    numbers = [report(app.client(), headers, f"old ticket {i}") for i in range(4)]
    for number in numbers:
        attach(agent, number)
        for round_ in range(5):  # revisions the pack may drop
            edit(app.client(), headers, number, f"old edit {round_}")
    app.close()
    monkeypatch.undo()
    return directory, headers, numbers


def test_pack_to_one_day_during_writes_keeps_everything_current(old_history, make_app, tmp_path):
    directory, headers, old_numbers = old_history
    cutoff = time.time() - DAY
    old_records = records_before(directory / "Data.fs", cutoff)
    server = ZeoServer(directory)
    server.start()
    try:
        app = make_app(**{"zodbconn.uri": server.uri(tmp_path / "cache")})
        ini = ini_for(server.uri(tmp_path / "pack-cache"), tmp_path / "zeo.ini")
        agent = logged_in(app, "agent")
        written: list[str] = []
        failures: list[BaseException] = []
        packing = threading.Event()

        def writer() -> None:
            try:
                while packing.is_set() or len(written) < 3:
                    number = report(
                        app.client(), headers, f"written during the pack {len(written)}"
                    )
                    attach(agent, number)
                    written.append(number)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                failures.append(exc)

        packing.set()
        thread = threading.Thread(target=writer)
        thread.start()
        pack = subprocess.run(
            [str(BIN / "itsm-pack"), str(ini), "--days", "1"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        packing.clear()
        thread.join(120)
        assert pack.returncode == 0, pack.stderr
        assert "packed; history before" in pack.stdout
        assert not failures, failures
        assert len(written) >= 3

        # Read everything: every object reachable from the root and every blob file.
        everything = objects(app.db)
        files = blobs(everything)
        assert len(files) >= len(old_numbers) + len(written)
        tickets = tickets_json(app.client(), headers)
        assert set(old_numbers) | set(written) <= set(tickets)
        last = app.read(lambda root: list(root["incidents"][old_numbers[0]].journal)[-1].body)
        assert last == "old edit 4"
        app.close()
    finally:
        server.stop()
    assert run("fsrefs", directory / "Data.fs").stdout.strip() == ""
    assert records_before(directory / "Data.fs", cutoff) < old_records  # history went


def test_pack_on_a_filestorage_the_desk_holds_says_so(make_app, demo_template, tmp_path):
    import shutil

    shutil.copytree(demo_template, tmp_path / "held")
    app = make_app(**{"zodbconn.uri": file_uri(tmp_path / "held")})
    ini = ini_for(app.settings["zodbconn.uri"], tmp_path / "held.ini")
    held = run("itsm-pack", ini, expect=1)
    assert "is in use by another process" in held.stderr and "Traceback" not in held.stderr
