"""The directory sync against a real slapd: people added, changed, disabled, removed and back
again; role changes from groups; the safety stop; the dry run; the timer."""

from __future__ import annotations

import pytest

from itsm.worker.jobs import JobContext
from tests.conftest import logged_in, login
from tests.plugins.slapd import PASSWORD, PEOPLE

pytestmark = pytest.mark.ldap


def people_of(app):
    return app.read(
        lambda root: {
            p.login: (p.name, p.email, p.department, p.manager, p.roles, p.active)
            for p in root["people"].values()
        }
    )


def test_first_sync_adds_everyone_with_roles_and_managers(sync_app, run_sync):
    outcome = run_sync(sync_app)
    assert outcome.status == "applied"
    assert sorted(outcome.diff.added) == sorted(p.login for p in PEOPLE)
    people = people_of(sync_app)
    assert people["agent"] == (
        "Anna Agent",
        "agent@example.com",
        "IT",
        "manager",
        ("agent", "employee", "manager", "problem_manager"),  # Sam and Sara report to Anna
        True,
    )
    assert "manager" in people["manager"][4] and "change_board" in people["manager"][4]
    assert people["orphan"][3] is None  # their manager left the directory
    assert run_sync(sync_app).diff.empty  # a second run finds nothing to do


def test_added_changed_disabled_removed_and_back(sync_app, directory, run_sync):
    run_sync(sync_app)
    directory.add("newbie", "Nora Newbie", departmentNumber="Sales")
    directory.replace("lena", mail="lena.larsen@example.com")
    directory.add_to_group("olga", "Service Desk")
    directory.disable("tom")
    outcome = run_sync(sync_app)
    diff = outcome.diff
    assert outcome.status == "applied"
    assert diff.added == ["newbie"]
    assert diff.changed == [("lena", {"email": ("lena@example.com", "lena.larsen@example.com")})]
    assert diff.disabled == [("tom", "disabled")]
    olga_roles = ("agent", "employee", "problem_manager")
    assert diff.roles == [("olga", ("employee",), olga_roles)]
    people = people_of(sync_app)
    assert people["newbie"][:3] == ("Nora Newbie", "newbie@example.com", "Sales")
    assert people["lena"][1] == "lena.larsen@example.com"
    assert people["olga"][4] == olga_roles
    assert people["tom"][5] is False

    directory.remove("uma")
    assert run_sync(sync_app).diff.disabled == [("uma", "gone")]
    reason = sync_app.read(lambda root: root["people"]["uma"].inactive_reason)
    assert reason == "gone"
    assert people_of(sync_app)["uma"][5] is False  # kept, not deleted

    directory.enable("tom")
    outcome = run_sync(sync_app)
    assert outcome.diff.reactivated == ["tom"]
    assert people_of(sync_app)["tom"][5] is True


def test_a_real_run_records_the_diff_in_the_audit_log(sync_app, directory, run_sync):
    run_sync(sync_app)
    directory.replace("petr", title="Head of key accounts")
    run_sync(sync_app)
    admin = logged_in(sync_app, "admin", PASSWORD)
    events = admin.get("/api/v1/audit", params={"kind": "sync"}).json["items"]
    assert events[0]["outcome"] == "applied"
    assert "~ petr: title Key account manager -> Head of key accounts" in events[0]["detail"]


def test_dry_run_shows_the_diff_and_changes_nothing(sync_app, directory, run_sync):
    run_sync(sync_app)
    directory.replace("vera", displayName="Vera Volkova-Smith")
    directory.disable("will")
    before = sync_app.db.lastTransaction()
    outcome = run_sync(sync_app, dry_run=True)
    assert outcome.status == "dry_run"
    assert outcome.diff.lines() == [
        "~ vera: name Vera Volkova -> Vera Volkova-Smith",
        "- will (disabled: inactive)",
    ]
    assert sync_app.db.lastTransaction() == before
    assert people_of(sync_app)["will"][5] is True


def test_safety_stop_refuses_to_disable_more_than_the_share(sync_app, directory, run_sync):
    run_sync(sync_app)
    # 26 active people: 5 % is 1.3, so one may go, two may not.
    directory.disable("xenia")
    directory.remove("zoe")
    before = people_of(sync_app)
    outcome = run_sync(sync_app)
    assert outcome.status == "stopped"
    assert "safety stop" in outcome.message and "2 of 26" in outcome.message
    assert people_of(sync_app) == before  # nothing changed
    admin = logged_in(sync_app, "admin", PASSWORD)
    events = admin.get("/api/v1/audit", params={"kind": "sync"}).json["items"]
    assert events[0]["outcome"] == "stopped"


def test_safety_stop_takes_a_count(make_app, sync_settings, directory, run_sync):
    app = make_app(demo=False, **sync_settings(**{"itsm.ldap.sync_max_disable": "2"}))
    run_sync(app)
    directory.disable("xenia")
    directory.remove("zoe")
    assert run_sync(app).status == "applied"
    directory.disable("ruth")
    directory.disable("olga")
    directory.disable("petr")
    assert run_sync(app).status == "stopped"


def test_an_inactive_persons_session_and_token_stop_and_they_cannot_log_in(
    sync_app, directory, run_sync
):
    run_sync(sync_app)
    lena = logged_in(sync_app, "lena", PASSWORD)
    token = lena.post_json(
        "/api/v1/me/tokens", {}, headers={"X-CSRF-Token": csrf(lena)}, status=201
    ).json["token"]
    api = sync_app.client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).json["login"] == "lena"
    directory.remove("lena")
    run_sync(sync_app)
    lena.get("/api/v1/me", status=401)
    api.get("/api/v1/me", headers=bearer, status=401)
    # The directory no longer has her: the password is refused as any wrong one.
    page = login(sync_app.client(), "lena", PASSWORD, status=200)
    assert "Wrong login or password." in page.text


def test_an_inactive_person_whose_directory_still_takes_the_password_cannot_log_in(
    make_app, sync_settings, directory, run_sync
):
    # A filter that does not lock the account in slapd: the bind works, the desk refuses.
    settings = sync_settings(**{"itsm.ldap.disabled_filter": "(employeeType=left)"})
    app = make_app(demo=False, **settings)
    run_sync(app)
    directory.replace("ruth", employeeType="left")
    run_sync(app)
    page = login(app.client(), "ruth", PASSWORD, status=200)
    assert "Wrong login or password." in page.text
    admin = logged_in(app, "admin", PASSWORD)
    failed = admin.get("/api/v1/audit", params={"kind": "login_failed"}).json["items"]
    assert [(e["subject"], e["outcome"]) for e in failed] == [("ruth", "inactive")]


def test_inactive_page_lists_their_open_tickets_for_reassignment(sync_app, directory, run_sync):
    run_sync(sync_app)
    agent = logged_in(sync_app, "sdesk1", PASSWORD)
    form = agent.get("/incidents/new").forms["report-form"]
    form["title"] = "Printer on fire"
    form.submit("submit", status=303)
    number = sync_app.read(lambda root: next(iter(root["incidents"].values())).number)
    sync_app.write(lambda root: setattr(root["incidents"][number], "assignee", "sdesk1"))
    reindex(sync_app, number)
    directory.disable("sdesk1")
    run_sync(sync_app)
    admin = logged_in(sync_app, "admin", PASSWORD)
    page = admin.get("/admin/inactive")
    section = page.html.select_one(".inactive-person")
    assert "Sam Desk" in section.text and "Disabled in the directory" in section.text
    assert number in section.text
    queue = admin.get(section.select_one("a.reassign-link")["href"])
    assert number in queue.text
    assert "/admin/inactive" in admin.get("/admin/").text
    profile = admin.get("/people/sdesk1/")
    assert (
        "the directory sync found this person disabled"
        in profile.html.select_one("#person-inactive").text
    )


def test_the_timer_runs_the_sync(sync_app, directory):
    assert "directory_sync" in sync_app.registry.itsm_jobs
    assert sync_app.registry.itsm_jobs["directory_sync"].seconds == 3600
    from itsm.sync.jobs import directory_sync

    outcome = directory_sync(JobContext(sync_app.registry, sync_app.db))
    assert outcome.status == "applied" and len(outcome.diff.added) == len(PEOPLE)


def test_the_timer_is_off_with_interval_zero(make_app, sync_settings):
    app = make_app(demo=False, **sync_settings(**{"itsm.ldap.sync_interval_minutes": "0"}))
    assert "directory_sync" not in app.registry.itsm_jobs


def csrf(client):
    from tests.conftest import csrf_of

    return csrf_of(client.get("/"))


def reindex(app, number):
    from itsm.search.catalog import reindex as reindex_object

    app.write(lambda root: reindex_object(root, root["incidents"][number]))


def test_a_role_change_seen_at_login_is_audited(sync_app, directory):
    logged_in(sync_app, "lena", PASSWORD)
    directory.add_to_group("lena", "Network")
    logged_in(sync_app, "lena", PASSWORD)
    admin = logged_in(sync_app, "admin", PASSWORD)
    changes = admin.get("/api/v1/audit", params={"kind": "role_change"}).json["items"]
    assert [(e["subject"], e["outcome"], e["detail"]) for e in changes] == [
        ("lena", "login", "employee → agent, employee")
    ]


def test_guests_of_the_email_channel_are_left_alone(sync_app, run_sync):
    from datetime import UTC, datetime

    from itsm.mailin.intake import guest_for

    run_sync(sync_app)
    guest = sync_app.write(
        lambda root: (
            guest_for(root, "vendor@elsewhere.example", "A Vendor", datetime.now(UTC)).login
        )
    )
    assert run_sync(sync_app).diff.empty
    assert sync_app.read(lambda root: root["people"][guest].active) is True


def test_the_people_look_up_leaves_out_inactive_people(sync_app, directory, run_sync):
    from tests.functional.incidents.conftest import ApiClient

    run_sync(sync_app)
    agent = ApiClient(sync_app, "agent")
    tom = next(p for p in PEOPLE if p.login == "tom")
    word = tom.name.split()[0]

    def found() -> set[str]:
        return {i["login"] for i in agent.get("/api/v1/people", q=word).json["items"]}

    assert "tom" in found()
    directory.disable("tom")
    run_sync(sync_app)
    assert "tom" not in found()  # still in the directory, but inactive here
    directory.enable("tom")
    run_sync(sync_app)
    assert "tom" in found()
