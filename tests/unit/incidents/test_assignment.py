"""Assignment within a group: round robin, least loaded, people marked away."""

from __future__ import annotations

from dataclasses import dataclass, field

from itsm.incidents.assignment import pick_assignee
from itsm.people.groups import SupportGroup


@dataclass
class P:
    login: str
    groups: tuple = ("Network",)
    roles: tuple = ("employee", "agent")
    away: bool = False
    extra: dict = field(default_factory=dict)


PEOPLE = [P("ann"), P("bob"), P("cid"), P("dan", away=True), P("eve", roles=("employee",))]


def test_round_robin_takes_turns_and_wraps():
    group = SupportGroup("Network", strategy="round_robin")
    chosen = [pick_assignee(group, PEOPLE, lambda _l: 0).assignee for _ in range(4)]
    assert chosen == ["ann", "bob", "cid", "ann"]


def test_least_loaded_picks_the_least_open_work_and_reports_the_loads():
    group = SupportGroup("Network", strategy="least_loaded")
    loads = {"ann": 3, "bob": 1, "cid": 2}
    decision = pick_assignee(group, PEOPLE, loads.__getitem__)
    assert decision.assignee == "bob"
    assert dict(decision.loads) == loads


def test_people_away_and_non_staff_are_skipped():
    group = SupportGroup("Network", strategy="least_loaded")
    decision = pick_assignee(group, PEOPLE, lambda _l: 0)
    assert "dan" in decision.skipped_away
    assert decision.assignee in {"ann", "bob", "cid"}


def test_nobody_available_leaves_it_in_the_group_queue():
    group = SupportGroup("Network", strategy="round_robin")
    decision = pick_assignee(group, [P("dan", away=True)], lambda _l: 0)
    assert decision.assignee is None and decision.skipped_away == ("dan",)


def test_a_rotation_that_cannot_see_the_group_falls_back_to_the_group_itself():
    group = SupportGroup("Network", strategy="round_robin")
    decision = pick_assignee(group, PEOPLE, lambda _l: 0, rotate=lambda available: None)
    assert decision.assignee == "ann" and group.last_assigned == "ann"
