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
    assert f"generation 0 -> {latest_generation()}" in first.stdout
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
        assert done == [2, 3, 4] and root.generation == 4
        assert type(root["incidents"]) is Incidents and type(root["kb"]) is KnowledgeBase
        assert root["kb"]["KB-000001"].__parent__ is root["kb"] and len(root["kb"]) == 1
    conn.close()
    db.close()


class _Doc:
    def __init__(self, **data):
        self.data = data

    def index_data(self):
        return self.data


def test_step_4_makes_the_indexes_sparse_and_they_find_what_they_found(tmp_path, app_registry):
    """Generation 3's hypatia indexes kept a set of the documents without a value, written by
    every create; step 4 keeps their trees, drops that set, and sorts still put such
    documents last."""
    from hypatia.field import FieldIndex
    from hypatia.keyword import KeywordIndex

    from itsm.evolve.steps import STEPS
    from itsm.search.catalog import (
        IndexDataKeywords,
        IndexDataValue,
        SparseFieldIndex,
        SparseKeywordIndex,
        _sorted,
    )

    docs = {
        1: _Doc(priority=2, tags=["vpn"]),
        2: _Doc(ci_class="Laptop"),
        3: _Doc(priority=1, tags=["vpn", "mail"]),
    }
    db = make_db(tmp_path / "Data.fs")
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root, _ = get_or_create_root(conn.root(), app_registry)
        catalog = root.catalog
        for name, index in (
            ("priority", FieldIndex(IndexDataValue("priority"))),
            ("ci_class", FieldIndex(IndexDataValue("ci_class"))),
            ("tags", KeywordIndex(IndexDataKeywords("tags"))),
        ):
            del catalog[name]
            catalog[name] = index
            for docid, doc in docs.items():
                index.index_doc(docid, doc)
        assert list(catalog["priority"].not_indexed()) == [2]
        root.generation = 3
    assert evolve(lambda: conn.root()["itsm"], tm, STEPS) == [4]
    with tm:
        catalog = conn.root()["itsm"].catalog
        assert type(catalog["priority"]) is SparseFieldIndex
        assert type(catalog["tags"]) is SparseKeywordIndex
        assert all(
            not index.not_indexed() for index in catalog.values() if hasattr(index, "sparse")
        )
        assert list(catalog["priority"].applyEq(1)) == [3]
        assert list(catalog["tags"].applyAny(["vpn"])) == [1, 3]
        assert list(catalog["ci_class"].applyEq("Laptop")) == [2]
        all_docs = catalog.family.IF.Set([1, 2, 3])
        # By priority: 3 (1), 1 (2), then 2, which has none.
        assert list(_sorted(catalog, all_docs, "priority", False, 10)) == [3, 1, 2]
        # A new document without a value is not written anywhere; one that loses its value
        # leaves the index.
        catalog["priority"].index_doc(4, _Doc(ci_class="Phone"))
        catalog["priority"].index_doc(1, _Doc(tags=["vpn"]))
        assert not catalog["priority"].not_indexed()
        assert list(catalog["priority"].indexed()) == [3]
    conn.close()
    db.close()
