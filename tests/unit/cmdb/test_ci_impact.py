"""Impact analysis on a graph built in memory: upward walk, people, cycles."""

from __future__ import annotations

from datetime import UTC, datetime

from itsm.cmdb.impact import impact_of
from itsm.cmdb.models import ConfigurationItem

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Tree(dict):
    def __getitem__(self, key):
        return self if key == "cmdb" else super().__getitem__(key)


def graph(*edges, owners=None, classes=None, gone=()):
    root = Tree()
    names = {n for s, _t, d in edges for n in (s, d)}
    for n in sorted(names):
        ci = ConfigurationItem(n, 1, NOW)
        ci.owner = (owners or {}).get(n)
        ci.ci_class = (classes or {}).get(n, "Server")
        ci.status = "retired" if n in gone else "deployed"
        dict.__setitem__(root, n, ci)
    for source, type_, target in edges:
        root[source].outgoing[(type_, target)] = NOW
        root[target].incoming[(type_, source)] = NOW
    return root


def test_a_cycle_ends_and_each_ci_is_listed_once():
    root = graph(("B", "depends_on", "A"), ("C", "runs_on", "B"), ("A", "depends_on", "C"))
    assert impact_of(root, root["A"]).cis == ["B", "C"]


def test_only_depends_on_and_runs_on_lead_upward():
    root = graph(
        ("B", "connected_to", "A"),
        ("C", "installed_on", "A"),
        ("D", "runs_on", "A"),
        ("A", "depends_on", "E"),
    )
    assert impact_of(root, root["A"]).cis == ["D"]


def test_people_are_owners_licence_holders_and_account_owners():
    root = graph(
        ("SVC", "runs_on", "SRV"),
        ("LIC", "licensed_to", "SVC"),
        ("ACC", "part_of", "SVC"),
        ("OLD", "part_of", "SVC"),
        ("LAP", "connected_to", "SVC"),
        owners={
            "SVC": "boss",
            "LIC": "lic",
            "ACC": "acc",
            "OLD": "old",
            "LAP": "lap",
            "SRV": "ops",
        },
        classes={"ACC": "Account", "OLD": "Account", "LAP": "Laptop"},
        gone={"OLD"},
    )
    impact = impact_of(root, root["SRV"])
    assert impact.cis == ["SVC"]
    assert impact.people == ["acc", "boss", "lic", "ops"]
