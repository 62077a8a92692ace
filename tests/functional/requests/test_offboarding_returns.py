"""Offboarding: each done return task brings the leaver's CI back (equipment to stock,
accounts retired), with the request in the CI's history."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.functional.requests.conftest import finish_all_tasks


def _owned(app, login):
    return app.read(
        lambda root: {
            ci.number: (ci.ci_class, ci.status)
            for ci in root["cmdb"].values()
            if getattr(ci, "owner", None) == login
        }
    )


def test_done_return_tasks_take_every_asset_back(app, api):
    owned = _owned(app, "employee2")
    assert owned, "the demo CMDB gives employee2 some assets"
    today = datetime.now(UTC).date().isoformat()  # the accounts task waits for the last day
    number = api("employee").order("offboarding", {"person": "employee2", "last_day": today})[
        "number"
    ]
    api("manager").decide(f"{number}-1", "approve")
    finish_all_tasks(api("agent"), number)

    assert api("employee").request(number)["status"] == "resolved"
    assert _owned(app, "employee2") == {}
    after = app.read(
        lambda root: {
            n: (
                root["cmdb"][n].status,
                root["cmdb"][n].owner,
                [r.after for r in root["cmdb"][n].history],
            )
            for n in owned
        }
    )
    for ci_number, (ci_class, _status) in owned.items():
        status, owner, entries = after[ci_number]
        assert owner is None
        assert status == ("retired" if ci_class == "Account" else "in_stock"), ci_number
        assert number in entries, ci_number
    returned = [t for t in api("agent").tasks(number) if t["key"].startswith("return-")]
    assert {t["ci"] for t in returned} == set(owned)


def test_a_ci_that_changed_hands_meanwhile_is_left_alone(app, api):
    owned = _owned(app, "employee2")
    number = api("employee").order("offboarding")["number"]
    api("manager").decide(f"{number}-1", "approve")
    moved = sorted(owned)[0]
    api("agent").post(f"/api/v1/cis/{moved}/transitions", {"name": "return"}, status=200)
    task = next(t for t in api("agent").tasks(number) if t["key"] == f"return-{moved}")
    api("agent").work(task["id"], "done")
    ci = app.read(lambda root: (root["cmdb"][moved].status, root["cmdb"][moved].owner))
    assert ci == ("in_stock", None)
    worked = next(t for t in api("agent").tasks(number) if t["id"] == task["id"])
    assert worked["status"] == "done"
    assert worked["ci"] is None
    assert any(moved in n["body"] and "nothing changed" in n["body"] for n in worked["notes"])


def test_accounts_are_disabled_on_the_last_day_not_before(app, api):
    from datetime import timedelta

    from itsm.requests.fulfilment import dated_tasks_job
    from itsm.worker.jobs import JobContext

    last_day = (datetime.now(UTC) + timedelta(days=5)).date()
    fields = {"person": "employee2", "last_day": last_day.isoformat()}
    number = api("employee").order("offboarding", fields)["number"]
    api("manager").decide(f"{number}-1", "approve")
    disable = next(t for t in api("agent").tasks(number) if t["key"] == "disable")
    assert disable["status"] == "waiting"
    not_before = datetime.fromisoformat(disable["not_before"])
    # 00:00 of the last day in the desk's business calendar (the demo's is Europe/Moscow)
    assert (
        not_before.astimezone(ZoneInfo("Europe/Moscow"))
        .isoformat()
        .startswith(f"{last_day.isoformat()}T00:00:00")
    )
    page = api("agent").client.get(f"/requests/{number}", headers=api("agent").headers)
    assert last_day.isoformat() in page.html.select_one(".task-not-before").text

    def sweep(moment):
        return dated_tasks_job(JobContext(app.registry, app.db, now=lambda: moment))

    assert sweep(not_before - timedelta(minutes=1)) is None
    assert sweep(not_before + timedelta(minutes=1)) == "released 1"
    assert sweep(not_before + timedelta(hours=1)) is None
    disable = next(t for t in api("agent").tasks(number) if t["key"] == "disable")
    assert disable["status"] == "open"
