"""R12: ``itsm-backup`` / ``itsm-restore`` round trips give back identical data and blobs.

FileStorage: repozo full, writes, incremental, pack, full again, restore into a new place.
RelStorage: a FileStorage moved into PostgreSQL with ``zodbconvert``, then ``pg_dump`` and
``pg_restore`` through the two commands into a second database. "Identical" is every object
reachable from the root (record and tid), the sha256 of every blob, and the JSON of every ticket
as the API answers it (tests/operations/snapshot.py).
"""

from __future__ import annotations

import secrets
import shutil

import pytest

from tests.conftest import logged_in
from tests.operations.desk import attach, edit, ini_for, report, run, token_for
from tests.operations.snapshot import blobs, objects, tickets_json
from tests.plugins.storages import Postgres, file_uri


def write_some(app, headers, count, word):
    """``count`` incidents, each with a file and a note; their numbers."""
    agent = logged_in(app, "agent")
    numbers = [report(app.client(), headers, f"{word} {i}") for i in range(count)]
    for number in numbers:
        attach(agent, number)
        edit(app.client(), headers, number, f"{word}: looked at {number}")
    return numbers


def state_of(app, headers):
    snapshot = objects(app.db)
    return snapshot, tickets_json(app.client(), headers)


@pytest.fixture
def file_desk(demo_template, make_app, tmp_path):
    directory = tmp_path / "live"
    shutil.copytree(demo_template, directory)
    uri = file_uri(directory)
    app = make_app(**{"zodbconn.uri": uri})
    return app, uri, ini_for(uri, tmp_path / "live.ini"), directory


def test_repozo_full_incremental_pack_and_restore_give_identical_data_and_blobs(
    file_desk, make_app, tmp_path
):
    app, uri, ini, live = file_desk
    backup = tmp_path / "backup"
    headers = token_for(app, "agent")
    write_some(app, headers, 3, "first")

    # The desk keeps running (this process holds Data.fs) while repozo reads it.
    assert "full backup" in run("itsm-backup", ini, backup).stdout
    write_some(app, headers, 3, "second")
    out = run("itsm-backup", ini, backup).stdout
    assert "incremental backup" in out and "new blob file(s) copied" in out

    app.close()  # a FileStorage is packed while the desk is stopped
    assert "packed" in run("itsm-pack", ini, "--days", "0").stdout
    app = make_app(**{"zodbconn.uri": uri})
    write_some(app, headers, 2, "third")
    assert "full backup" in run("itsm-backup", ini, backup).stdout  # repozo: packed → full
    expected, expected_tickets = state_of(app, headers)
    assert len(blobs(expected)) >= 8 and len(expected_tickets) >= 8

    restored_dir = tmp_path / "restored"
    restored_ini = ini_for(file_uri(restored_dir), tmp_path / "restored.ini")
    out = run("itsm-restore", restored_ini, backup).stdout
    assert f"restored {restored_dir / 'Data.fs'}" in out
    assert run("fsrefs", restored_dir / "Data.fs").stdout.strip() == ""  # nothing dangling

    restored = make_app(**{"zodbconn.uri": file_uri(restored_dir)})
    got, got_tickets = state_of(restored, headers)
    assert got == expected
    assert blobs(got) == blobs(expected)
    assert got_tickets == expected_tickets

    # A second restore does not overwrite a database silently, nor one the desk holds.
    again = run("itsm-restore", restored_ini, backup, expect=1)
    assert "is in use" in again.stderr or "pass --force" in again.stderr
    restored.close()
    again = run("itsm-restore", restored_ini, backup, expect=1)
    assert "exists; pass --force to replace it" in again.stderr
    out = run("itsm-restore", restored_ini, backup, "--force").stdout
    assert "the previous database is kept as" in out


def test_backup_and_restore_refuse_clearly(tmp_path):
    missing = run("itsm-backup", tmp_path / "nothing.ini", tmp_path / "b", expect=1)
    assert "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    zeo_ini = ini_for("zeo://127.0.0.1:8100?blob_dir=/tmp/x", tmp_path / "zeo.ini")
    on_zeo = run("itsm-backup", zeo_ini, tmp_path / "b", expect=1)
    assert "ZEO server" in on_zeo.stderr and "zeo.conf" in on_zeo.stderr
    empty = run("itsm-restore", zeo_ini, tmp_path, expect=1)
    assert "ZEO server" in empty.stderr


@pytest.fixture
def postgres():
    pg = Postgres()
    names: list[str] = []

    def database() -> str:
        names.append(pg.create(f"itsm_ops_{secrets.token_hex(5)}"))
        return names[-1]

    yield pg, database
    for name in names:
        pg.drop(name)
    pg.close()


def test_zodbconvert_into_postgresql_then_pg_dump_and_restore_give_identical_data(
    file_desk, make_app, postgres, tmp_path
):
    app, uri, ini, live = file_desk
    pg, database = postgres
    headers = token_for(app, "agent")
    write_some(app, headers, 3, "moved")
    expected, expected_tickets = state_of(app, headers)
    app.close()

    # FileStorage → PostgreSQL, as the README's "Operating the desk" says.
    first = database()
    conf = tmp_path / "convert.conf"
    conf.write_text(
        f"<filestorage source>\n  path {live / 'Data.fs'}\n  blob-dir {live / 'blobs'}\n"
        "</filestorage>\n%import relstorage\n<relstorage destination>\n  keep-history true\n"
        f"  shared-blob-dir false\n  blob-dir {tmp_path / 'convert-cache'}\n  <postgresql>\n"
        f"    dsn {pg.dsn_of(first)}\n  </postgresql>\n</relstorage>\n",
        encoding="utf-8",
    )
    run("zodbconvert", conf)
    on_pg = make_app(**{"zodbconn.uri": pg.uri(first, tmp_path / "cache1")})
    assert state_of(on_pg, headers) == (expected, expected_tickets)

    # pg_dump with the desk running; restore into another (empty) database.
    first_ini = ini_for(pg.uri(first, tmp_path / "cache1"), tmp_path / "first.ini")
    backup = tmp_path / "backup"
    out = run("itsm-backup", first_ini, backup).stdout
    assert f"dump of the PostgreSQL database {first}" in out
    second = database()
    second_ini = ini_for(pg.uri(second, tmp_path / "cache2"), tmp_path / "second.ini")
    out = run("itsm-restore", second_ini, backup).stdout
    assert f"restored the PostgreSQL database {second}" in out
    restored = make_app(**{"zodbconn.uri": pg.uri(second, tmp_path / "cache2")})
    got, got_tickets = state_of(restored, headers)
    assert got == expected and blobs(got) == blobs(expected) and len(blobs(got)) >= 3
    assert got_tickets == expected_tickets

    refused = run("itsm-restore", second_ini, backup, expect=1)
    assert "holds data; pass --force" in refused.stderr
