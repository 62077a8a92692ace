"""The desk on a real ZEO server (``runzeo`` in its own process), as in production: the web app
stays connected while the admin commands write to the same database, and a server outage
gives a quick 503 instead of a hung request or a traceback."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_INI, AppHandle, csrf_of, logged_in, login
from tests.plugins.storages import BIN, ZEO_WAIT_TIMEOUT, ZeoServer

pytestmark = pytest.mark.zeo

#: Seconds a ZEO client waits for a lost server before ClientDisconnected (kept small).
WAIT_TIMEOUT = ZEO_WAIT_TIMEOUT
UNAVAILABLE = "The database is unavailable, try again shortly."


@pytest.fixture
def zeo(tmp_path: Path) -> Iterator[ZeoServer]:
    directory = tmp_path / "zeo"
    directory.mkdir()
    server = ZeoServer(directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def zeo_ini(zeo: ZeoServer, tmp_path: Path) -> Path:
    """The suite's ini with the database on the ZEO server, for the admin commands."""
    text, count = re.subn(
        r"(?m)^zodbconn\.uri = .*$",
        lambda _: f"zodbconn.uri = {zeo.uri(tmp_path / 'cli-blobs')}",
        TEST_INI.read_text(encoding="utf-8"),
    )
    assert count == 1, f"{TEST_INI} has no zodbconn.uri line"
    ini = tmp_path / "zeo.ini"
    ini.write_text(text, encoding="utf-8")
    return ini


def run_command(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """An admin command from the venv, as a separate process; fails the test when it fails."""
    result = subprocess.run(
        [str(BIN / str(args[0])), *map(str, args[1:])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def eventually(check: Callable[[], bool], wait: float = 5) -> bool:
    """ZEO delivers another client's commit to us asynchronously: wait briefly for it."""
    deadline = time.monotonic() + wait
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def desk(zeo: ZeoServer, zeo_ini: Path, make_app: Callable[..., AppHandle], tmp_path: Path):
    """The app connected to the ZEO server; demo data loaded by ``itsm-init --demo`` running
    in another process while the app stays connected."""
    app = make_app(demo=False, **{"zodbconn.uri": zeo.uri(tmp_path / "app-blobs")})
    assert app.read(lambda root: len(root.accounts)) == 0
    result = run_command("itsm-init", zeo_ini, "--demo")
    assert "itsm-init: created account employee" in result.stdout
    assert eventually(lambda: app.read(lambda root: "employee" in root.accounts))
    return app


def test_itsm_init_writes_to_the_database_the_desk_is_using(desk, zeo_ini):
    again = run_command("itsm-init", zeo_ini, "--demo")
    assert "nothing to do" in again.stdout
    assert desk.read(lambda root: sorted(root.accounts.keys())) == [
        "admin",
        "agent",
        "agent2",
        "employee",
        "employee2",
        "manager",
    ]


def test_employee_logs_in_and_out(desk):
    client = desk.client()
    assert login(client, "employee").location == "http://localhost/"
    home = client.get("/")
    assert "Elena Employee" in home.text
    assert 'data-role="employee"' in home.text and 'data-role="agent"' not in home.text
    client.post("/logout", {"csrf_token": csrf_of(home)}, status=303)
    client.get("/", status=302)


def test_agent_home_shows_their_support_groups(desk):
    home = logged_in(desk, "agent").get("/")
    assert 'data-role="agent"' in home.text
    assert "Your support groups" in home.text
    assert "Service Desk" in home.text and "Workplace" in home.text


def test_healthz_is_ok(desk):
    health = desk.client().get("/healthz", status=200).json
    assert health["status"] == "ok"
    assert health["storage"]["ok"] is True


def test_itsm_token_made_while_the_desk_runs_opens_the_api(desk, zeo_ini):
    token = run_command("itsm-token", zeo_ini, "agent").stdout.strip().splitlines()[-1]
    assert token.startswith("itsm_")
    assert eventually(lambda: desk.read(lambda root: len(root.tokens)) == 1)
    me = desk.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["login"] == "agent"
    assert me["authenticated_by"] == "token"
    assert "agent" in me["roles"]


def test_a_stopped_zeo_server_gives_a_quick_503_not_a_traceback(desk, zeo):
    agent = logged_in(desk, "agent")
    agent.get("/", status=200)
    desk.client().get("/healthz", status=200)

    zeo.stop()

    started = time.monotonic()
    health = desk.client().get("/healthz", status=503)
    assert health.json["status"] == "unavailable"
    assert health.json["storage"]["ok"] is False
    assert time.monotonic() - started < 5

    started = time.monotonic()
    page = agent.get("/", status=503)
    assert UNAVAILABLE in page.text
    assert "Traceback" not in page.text and "ClientDisconnected" not in page.text
    assert page.headers["Retry-After"]
    assert time.monotonic() - started < 5

    started = time.monotonic()
    form = desk.client().get("/login", expect_errors=True)
    assert form.status_int == 503 and UNAVAILABLE in form.text
    assert time.monotonic() - started < 5
