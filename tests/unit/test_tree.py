"""The tree is made from what the packages register (itsm.tree)."""

from __future__ import annotations

import pytest
import transaction
import ZODB
from pyramid.config import Configurator

from itsm.folder import Folder
from itsm.root import ServiceDesk
from itsm.tree import ensure_tree, get_or_create_root

#: The tree the app made before the packages registered their parts (root.CONTAINERS).
TOP_LEVEL = {"incidents", "requests", "changes", "problems", "cmdb", "kb", "catalog", "people"}


def new_root(registry):
    db = ZODB.DB(None)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root, created = get_or_create_root(conn.root(), registry)
    return root, created


def test_the_app_makes_the_same_tree_as_before(app_registry):
    from itsm.containers import Cmdb, KnowledgeBase
    from itsm.incidents.models import Incidents, IncidentSettings
    from itsm.notify.outbox import Outbox
    from itsm.root import People, Settings
    from itsm.sla.models import SlaSettings
    from itsm.worker.lease import Lease

    root, created = new_root(app_registry)
    from itsm.mailin.models import MailIn

    # /settings came with the directives, /mail with the email channel (itsm.mailin), /admin
    # with the administrators' pages (audit, inactive people), /chats with the chat (itsm.chat).
    assert set(root.keys()) == TOP_LEVEL | {"settings", "mail", "admin", "chats"}
    assert type(root["mail"]) is MailIn and "quarantine" in root["mail"]
    assert type(root["incidents"]) is Incidents and type(root["kb"]) is KnowledgeBase
    assert type(root["cmdb"]) is Cmdb and type(root["people"]) is People
    assert type(root["settings"]) is Settings
    assert set(root["settings"].keys()) == {"groups", "incidents", "sla"}
    assert isinstance(root["settings"]["incidents"], IncidentSettings)
    assert isinstance(root["settings"]["sla"], SlaSettings)
    assert isinstance(root.outbox, Outbox) and isinstance(root.worker_lease, Lease)
    assert root.accounts is not None and root.tokens is not None and root.catalog is not None
    assert root.audit_log is not None
    assert "incident" in root.counters and "task" in root.counters
    assert created[0] == "/" and "/settings/groups" in created and "outbox" in created
    assert ensure_tree(root, app_registry) == []  # idempotent


def test_a_package_adds_its_part_through_the_directives():
    config = Configurator()
    config.include("itsm.tree")
    config.add_itsm_container("things", Folder)
    config.add_itsm_container("settings/things", Folder)
    config.add_itsm_root_attribute("thing_cache", dict)
    config.add_itsm_setup("hello", lambda root: [] if root.title == "hi" else _greet(root))
    config.commit()
    root = ServiceDesk()
    created = ensure_tree(root, config.registry)
    assert created == ["/settings", "/things", "/settings/things", "counters", "thing_cache", "hi"]
    assert root["settings"]["things"].__parent__ is root["settings"]
    assert ensure_tree(root, config.registry) == []


def _greet(root):
    root.title = "hi"
    return ["hi"]


def test_a_child_needs_its_parent_registered_first():
    config = Configurator()
    config.include("itsm.tree")
    with pytest.raises(ValueError, match="register /nowhere"):
        config.add_itsm_container("nowhere/thing", Folder)
