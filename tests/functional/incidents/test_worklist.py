"""The pre-sorted open work behind the queues (itsm.search.worklist) answers exactly what the
catalog answers, after every kind of write, and is rebuilt by evolve step 3 for old databases."""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import logged_in

LEVELS = ("high", "medium", "low")


def _churn(app: Any, n: int = 40, seed: int = 7) -> None:
    """Incidents in every state, reassigned, reprioritised, waiting, reopened, merged."""
    from itsm.incidents import actions
    from itsm.incidents.intake import create_incident
    from itsm.tickets.context import ActionContext

    rng = random.Random(seed)

    def write(root: Any) -> None:
        start = datetime.now(UTC) - timedelta(days=3)
        made = []
        for i in range(n):
            ctx = ActionContext.system(root, app.registry, start + timedelta(minutes=7 * i))
            ctx.actor = "employee"
            made.append(
                create_incident(
                    ctx,
                    requester="employee",
                    title=rng.choice(["VPN is down", "Printer jam", "Laptop slow", "Сеть"]),
                    description="",
                    impact=rng.choice(LEVELS),
                    urgency=rng.choice(LEVELS),
                )
            )
        staff = ActionContext(
            root, app.registry, datetime.now(UTC), "agent", frozenset({"agent", "employee"})
        )
        for incident in made:
            roll = rng.random()
            if roll < 0.15:
                actions.transition(staff, incident, "assign", {"assignee": "agent"})
                actions.transition(staff, incident, "start", {})
            elif roll < 0.25:
                actions.transition(staff, incident, "assign", {"group": "Network"})
            elif roll < 0.35:
                actions.transition(
                    staff, incident, "resolve", {"resolution_code": "fixed", "resolution": "ok"}
                )
            elif roll < 0.42:
                actions.transition(staff, incident, "cancel", {"reason": "duplicate"})
            elif roll < 0.5:
                actions.update_fields(staff, incident, {"impact": "high", "urgency": "high"})
            elif roll < 0.58:
                actions.transition(staff, incident, "assign", {"assignee": "agent"})
                actions.transition(staff, incident, "wait", {"reason": "which printer?"})
            elif roll < 0.64:
                actions.transition(
                    staff, incident, "resolve", {"resolution_code": "fixed", "resolution": "ok"}
                )
                actions.transition(staff, incident, "reopen", {"reason": "still broken"})

    app.write(write)


QUERIES = (
    {"queue": "open"},
    {"queue": "mine"},
    {"queue": "groups"},
    {"queue": "breaching"},
    {"queue": "open", "group": "Network"},
    {"queue": "open", "group": "Service Desk", "assignee": "-"},
    {"queue": "open", "assignee": "agent"},
)


def _answers(app: Any, login: str, fast: bool) -> list[tuple[int, list[str]]]:
    """Each of QUERIES as (total, numbers of pages 1 and 2 of 7) for ``login``, from the work
    lists (``fast``) or with them hidden, so that the catalog answers."""
    from itsm.incidents import queries

    def read(root: Any) -> list[tuple[int, list[str]]]:
        request = _FakeRequest(root, login)
        if not fast:
            del root.worklists  # aborted afterwards, so the root is reloaded
        out = []
        for params in QUERIES:
            for page in (1, 2):
                total, items = queries.list_incidents(request, params, page=page, per_page=7)
                out.append((total, [i.number for i in items]))
        out.append((0, sorted(queries.queue_counts(request).items())))  # type: ignore[arg-type]
        return out

    return app.read(read)


class _Identity:
    def __init__(self, root: Any, login: str) -> None:
        self.login = login
        self.person = root["people"][login]


class _FakeRequest:
    """What list_incidents reads of a request: the root and who asks (a real person record)."""

    def __init__(self, root: Any, login: str) -> None:
        self.itsm_root = root
        self.identity = _Identity(root, login)


@pytest.fixture
def churned(app: Any) -> Any:
    logged_in(app, "agent")  # makes the person records the queues read
    logged_in(app, "agent2")
    _churn(app)
    return app


@pytest.mark.parametrize("login", ["agent", "agent2"])
def test_the_queues_from_the_work_lists_equal_the_catalog_answers(churned, login):
    fast = _answers(churned, login, fast=True)
    slow = _answers(churned, login, fast=False)
    assert fast == slow
    assert any(total for total, _numbers in fast[:-1])  # the data is not empty


def test_every_write_keeps_the_lists_equal_to_a_rebuild(churned):
    from itsm.search.worklist import build

    def lanes(lists: Any) -> dict[str, Any]:
        out = {}
        for kind, work in lists.items():
            for key, lane in work.lanes.items():
                if len(lane):
                    out[f"{kind}/{key}"] = (len(lane), list(lane.items))
            out[f"{kind}/checks"] = (work.checks_size(), list(work.checks))
        return out

    def compare(root: Any) -> None:
        live = lanes(root.worklists)
        build(root)  # aborted afterwards
        assert lanes(root.worklists) == live
        assert live["incident/open"][0] > 0

    churned.read(compare)


def test_a_reindex_that_changes_nothing_writes_nothing(churned):
    from itsm.search.catalog import reindex

    def check(root: Any) -> None:
        work = root.worklists["incident"]
        incident = next(i for i in root["incidents"].values() if i.is_open)
        reindex(root, incident)
        assert not work._p_changed and not work.placed._p_changed
        assert all(
            not lane._p_changed and not lane.items._p_changed for lane in work.lanes.values()
        )

    churned.read(check)


def test_the_queue_page_is_never_stale_after_a_write(app):
    employee, agent = logged_in(app, "employee"), logged_in(app, "agent")

    def counts(page: Any) -> dict[str, int]:
        found = re.findall(
            r'queue=(\w+)[^"]*"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', page
        )
        return {name: int(n) for name, n in found}

    before = agent.get("/incidents/", {"queue": "open"})
    form = employee.get("/incidents/new").forms["report-form"]
    form["title"] = "Numbat server room is on fire"
    radios = [name for name, f in form.fields.items() if f[0].__class__.__name__ == "Radio"]
    form[radios[0]], form[radios[1]] = "high", "high"  # P1: first in the queue
    number = re.search(r"INC-\d{6}", form.submit("submit").headers["Location"]).group(0)
    after = agent.get("/incidents/", {"queue": "open"})
    assert counts(after.text)["open"] == counts(before.text)["open"] + 1
    rows = re.findall(r'<a href="[^"]*/incidents/(INC-\d{6})/">INC', after.text)
    assert number in rows
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', after.text).group(1)
    agent.post(f"/incidents/{number}/@@transition", {"csrf_token": token, "name": "take"})
    mine = agent.get("/incidents/", {"queue": "mine"})
    assert number in mine.text and counts(mine.text)["mine"] == counts(after.text)["mine"] + 1
    agent.post(
        f"/incidents/{number}/@@transition",
        {"csrf_token": token, "name": "resolve", "resolution_code": "fixed", "resolution": "ok"},
    )
    gone = agent.get("/incidents/", {"queue": "open"})
    assert number not in gone.text
    assert counts(gone.text)["open"] == counts(before.text)["open"]
    assert number not in agent.get("/api/v1/incidents", {"queue": "open"}).text


def test_evolve_step_3_gives_an_old_database_its_work_lists(churned):
    """A database made by the previous version (generation 2: no ``worklists``) is served by
    the catalog until ``itsm-evolve``, then by the lists, with the same answers."""
    from itsm.evolve.runner import evolve
    from itsm.evolve.steps import STEPS

    expected = _answers(churned, "agent", fast=True)

    def downgrade(root: Any) -> None:
        del root.worklists
        root.generation = 2

    churned.write(downgrade)
    assert churned.read(lambda root: getattr(root, "worklists", None)) is None
    assert _answers(churned, "agent", fast=True) == expected  # the catalog answers meanwhile
    agent = logged_in(churned, "agent")
    assert agent.get("/incidents/", {"queue": "open"}).status_int == 200

    import transaction

    tm = transaction.TransactionManager(explicit=True)
    conn = churned.db.open(transaction_manager=tm)
    try:
        started = time.perf_counter()
        done = evolve(lambda: conn.root()["itsm"], tm, STEPS)
        assert done[0] == 3 and time.perf_counter() - started < 30  # and the steps after it
    finally:
        conn.close()
    assert churned.read(lambda root: root.generation) == STEPS[-1][0]
    assert churned.read(lambda root: len(root.worklists["incident"].lanes["open"])) > 0
    assert _answers(churned, "agent", fast=True) == expected
