"""Upgrade steps run in order, once, and the root records its generation."""

from __future__ import annotations

import subprocess
import sys

import transaction
import ZODB
import ZODB.FileStorage

from itsm.evolve.runner import evolve, latest_generation
from itsm.tree import get_or_create_root


def make_db(path):
    return ZODB.DB(ZODB.FileStorage.FileStorage(str(path)))


def test_a_new_database_starts_at_the_latest_generation(tmp_path, app_registry):
    db = make_db(tmp_path / "Data.fs")
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        assert root.generation == latest_generation() >= 1
    conn.close()
    db.close()


def test_old_database_is_upgraded_step_by_step_and_only_once(tmp_path, app_registry):
    calls = []
    steps = (
        (1, "one", lambda root: calls.append(1)),
        (2, "two", lambda root: calls.append(2)),
    )
    db = make_db(tmp_path / "Data.fs")
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        root.generation = 0  # as made by a version before generations existed
    assert evolve(lambda: conn.root()["itsm"], tm, steps) == [1, 2]
    assert evolve(lambda: conn.root()["itsm"], tm, steps) == []
    assert calls == [1, 2]
    with tm:
        assert conn.root()["itsm"].generation == 2
    conn.close()
    db.close()


def test_itsm_evolve_command(tmp_path, app_registry):
    ini = tmp_path / "evolve.ini"
    ini.write_text(
        "[app:main]\nuse = egg:itsm\n"
        f"zodbconn.uri = file://{tmp_path}/Data.fs\n"
        "itsm.session.secret = " + "s" * 40 + "\n",
        encoding="utf-8",
    )
    db = make_db(tmp_path / "Data.fs")
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        root.generation = 0
    conn.close()
    db.close()
    first = subprocess.run(
        [sys.executable, "-m", "itsm.scripts.evolve", str(ini)], capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert "generation 0 -> 3" in first.stdout
    second = subprocess.run(
        [sys.executable, "-m", "itsm.scripts.evolve", str(ini)], capture_output=True, text=True
    )
    assert "nothing to do" in second.stdout


def test_step_2_gives_an_old_tree_its_typed_containers_and_keeps_their_items(
    tmp_path, app_registry
):
    from itsm.containers import KnowledgeBase
    from itsm.evolve.steps import STEPS
    from itsm.folder import Folder
    from itsm.incidents.models import Incidents

    db = make_db(tmp_path / "Data.fs")
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        # What generation 1 made: plain folders, with something inside.
        for name in ("incidents", "kb"):
            plain = Folder()
            root.data[name] = plain
            plain.__parent__, plain.__name__ = root, name
        item = Folder()
        root["kb"].add("KB-000001", item)
        root.generation = 1
    done = evolve(lambda: conn.root()["itsm"], tm, STEPS)
    with tm:
        root = conn.root()["itsm"]
        assert done == [2, 3] and root.generation == 3
        assert type(root["incidents"]) is Incidents and type(root["kb"]) is KnowledgeBase
        assert root["kb"]["KB-000001"].__parent__ is root["kb"] and len(root["kb"]) == 1
    conn.close()
    db.close()
