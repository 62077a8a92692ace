"""``itsm-sync INI [--dry-run]`` in its own process: the diff printed, the exit codes (0, 3 for
the safety stop, 75 when the directory does not answer)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = [pytest.mark.ldap, pytest.mark.filestorage]


def write_ini(app, path):
    settings = "\n".join(f"{k} = {v}" for k, v in app.settings.items() if k != "use")
    path.write_text(f"[app:main]\nuse = egg:itsm\n{settings}\n", encoding="utf-8")
    return path


def itsm_sync(ini, *args):
    return subprocess.run(
        [sys.executable, "-m", "itsm.sync.cli", str(ini), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def ini(make_app, sync_settings, tmp_path):
    """An ini on a FileStorage that no process holds (the app made it and let it go)."""
    app = make_app(demo=False, **sync_settings())
    app.close()
    return write_ini(app, tmp_path / "sync.ini")


def test_dry_run_prints_the_diff_and_changes_nothing_then_a_run_applies_it(ini):
    dry = itsm_sync(ini, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "+ lena (new)" in dry.stdout
    assert "dry run, nothing changed: 26 added" in dry.stdout
    again = itsm_sync(ini, "--dry-run")
    assert "26 added" in again.stdout  # the dry run wrote nothing
    done = itsm_sync(ini)
    assert done.returncode == 0, done.stderr
    assert "directory sync: 26 added" in done.stdout
    assert "0 added, 0 changed" in itsm_sync(ini).stdout


def test_safety_stop_exits_3_and_says_so(ini, directory):
    assert itsm_sync(ini).returncode == 0
    for login in ("lena", "olga", "petr"):
        directory.remove(login)
    stopped = itsm_sync(ini)
    assert stopped.returncode == 3
    assert "safety stop" in stopped.stderr and "3 of 26" in stopped.stderr
    assert "nothing was changed" in stopped.stderr
    assert "- lena (gone: inactive)" in stopped.stdout  # what it refused to do


def test_directory_unreachable_exits_75(ini, ldap_server):
    ldap_server.stop()
    failed = itsm_sync(ini)
    assert failed.returncode == 75, failed.stderr
    assert "the directory is unavailable" in failed.stderr


def test_itsm_sync_is_a_console_script():
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["itsm-sync"] == "itsm.sync.cli:main"
