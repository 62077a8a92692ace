"""Offboarding: each done return task brings the leaver's CI back (equipment to stock,
accounts retired), with the request in the CI's history."""

from __future__ import annotations

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
    number = api("employee").order("offboarding")["number"]
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
