"""Approval summaries are registered through the configurator and kept on its registry."""

from types import SimpleNamespace

from pyramid.config import Configurator

import itsm.approvals.summary as summary_module
from itsm.approvals.summary import add_approval_summary, summary_rows


def configurator():
    config = Configurator()
    config.registry.itsm_approval_summaries = {}
    config.add_directive("add_approval_summary", add_approval_summary)
    return config


def test_rows_come_from_the_summary_registered_on_that_registry_only():
    first, second = configurator(), configurator()
    first.add_approval_summary(
        "request", lambda t, root, locale: [("Item", t.title), ("Price", "")]
    )
    ticket = SimpleNamespace(kind="request", title="Laptop")
    assert summary_rows(first.registry, ticket, None) == [("Item", "Laptop")]
    assert summary_rows(second.registry, ticket, None) == []


def test_a_kind_nobody_registered_has_no_rows():
    config = configurator()
    assert summary_rows(config.registry, SimpleNamespace(kind="incident"), None) == []


def test_the_module_keeps_no_registry_of_its_own():
    names = vars(summary_module).items()
    assert not [n for n, value in names if isinstance(value, dict) and not n.startswith("__")]
