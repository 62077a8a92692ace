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


def test_people_the_directory_sync_made_inactive_get_nothing():
    gone = P("ann")
    gone.active = False
    group = SupportGroup("Network", strategy="round_robin")
    chosen = {pick_assignee(group, [gone, P("bob")], lambda _l: 0).assignee for _ in range(3)}
    assert chosen == {"bob"}


def test_nobody_available_leaves_it_in_the_group_queue():
    group = SupportGroup("Network", strategy="round_robin")
    decision = pick_assignee(group, [P("dan", away=True)], lambda _l: 0)
    assert decision.assignee is None and decision.skipped_away == ("dan",)


def test_a_rotation_that_cannot_see_the_group_falls_back_to_the_group_itself():
    group = SupportGroup("Network", strategy="round_robin")
    decision = pick_assignee(group, PEOPLE, lambda _l: 0, rotate=lambda available: None)
    assert decision.assignee == "ann" and group.last_assigned == "ann"


def test_the_round_robin_turn_moves_in_the_transaction_and_never_conflicts(tmp_path):
    import transaction
    import ZODB
    from ZODB.FileStorage import FileStorage

    from itsm.incidents.assignment import rotate_in_transaction

    db = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    with db.transaction() as conn:
        group = conn.root()["group"] = SupportGroup("Network", strategy="round_robin")
        group.last_assigned = "ann"  # a group from before the Turn: it carries on from there
    available = ["ann", "bob", "cid"]
    tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
    one, two = db.open(transaction_manager=tm1), db.open(transaction_manager=tm2)
    assert rotate_in_transaction(one.root()["group"], available) == "bob"
    tm1.commit()
    tm1.begin(), tm2.begin()
    # Two processes assigning at the same moment: both commit, the later state wins.
    assert rotate_in_transaction(one.root()["group"], available) == "cid"
    assert rotate_in_transaction(two.root()["group"], available) == "cid"
    tm1.commit()
    tm2.commit()
    tm1.begin()
    assert rotate_in_transaction(one.root()["group"], available) == "ann"
    tm1.commit()
    one.close(), two.close()
    db.close()
