"""The desk on RelStorage and PostgreSQL: the same app, one ``zodbconn.uri`` changed.

Needs a PostgreSQL server that lets us create a database: ``ITSM_TEST_POSTGRES`` (a libpq
connection string, default ``host=127.0.0.1 port=5432 dbname=postgres``). Each test session
makes its own throwaway database and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AppHandle, csrf_of, logged_in, login

DEFAULT_DSN = "host=127.0.0.1 port=5432 dbname=postgres connect_timeout=5"


def _connect_maintenance() -> Any:
    """A connection to the server's maintenance database, as the default user (libpq's:
    PGUSER or the login name) or else as ``postgres``."""
    import psycopg2

    dsn = os.environ.get("ITSM_TEST_POSTGRES", DEFAULT_DSN)
    errors = []
    for user in (None, "postgres"):
        try:
            conn = psycopg2.connect(dsn, **({"user": user} if user else {}))
        except psycopg2.OperationalError as exc:
            errors.append(str(exc).strip().splitlines()[0])
            continue
        conn.autocommit = True
        return conn
    message = f"no PostgreSQL to test RelStorage on ({dsn}): {'; '.join(errors)}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI runs on machines with PostgreSQL at 127.0.0.1:5432)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[dict[str, Any]]:
    """A new, empty PostgreSQL database for this test session (and xdist worker)."""
    admin = _connect_maintenance()
    params = admin.get_dsn_parameters()
    name = f"itsm_test_{worker_id}_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"host": params["host"], "port": params["port"], "user": params["user"], "name": name}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def relstorage_uri(database: dict[str, Any], blob_cache: Path) -> str:
    """RelStorage's zodburi form: ``postgres://user[:password]@host:port/dbname?...``; blobs
    live in PostgreSQL, ``blob_dir`` is this process's cache of them."""
    return (
        f"postgres://{database['user']}@{database['host']}:{database['port']}/{database['name']}"
        f"?connect_timeout=5&blob_dir={blob_cache}&shared_blob_dir=false"
    )


@pytest.fixture
def desk_on_postgres(
    pg_database: dict[str, Any], make_app: Callable[..., AppHandle], tmp_path: Path
) -> AppHandle:
    from itsm.demo import load_demo

    app = make_app(demo=False, **{"zodbconn.uri": relstorage_uri(pg_database, tmp_path / "blobs")})
    app.write(lambda root: load_demo(root, with_accounts=True))
    return app


def test_the_tree_and_the_demo_data_are_stored_in_postgresql(desk_on_postgres, pg_database):
    import psycopg2

    assert desk_on_postgres.read(lambda root: sorted(root.accounts.keys()))[:2] == [
        "admin",
        "agent",
    ]
    conn = psycopg2.connect(
        host=pg_database["host"],
        port=pg_database["port"],
        user=pg_database["user"],
        dbname=pg_database["name"],
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM object_state")
            (objects,) = cursor.fetchone()
    finally:
        conn.close()
    assert objects > 20


def test_employee_logs_in_and_out_and_healthz_is_ok(desk_on_postgres):
    client = desk_on_postgres.client()
    login(client, "employee")
    home = client.get("/", status=200)
    assert "Elena Employee" in home.text
    health = client.get("/healthz", status=200).json
    assert health["status"] == "ok" and health["storage"]["ok"] is True
    client.post("/logout", {"csrf_token": csrf_of(home)}, status=303)
    client.get("/", status=302)


def test_a_second_process_sees_the_first_ones_commits(
    desk_on_postgres, pg_database, make_app, tmp_path
):
    """Two apps on one database, as two pserve processes would be."""
    from itsm.security.tokens import create_token

    logged_in(desk_on_postgres, "agent")  # the person record a token needs

    other = make_app(
        demo=False, **{"zodbconn.uri": relstorage_uri(pg_database, tmp_path / "other-blobs")}
    )
    token = other.write(lambda root: create_token(root.tokens, "agent", "relstorage"))
    me = desk_on_postgres.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["login"] == "agent"
