"""Problems through the API and the pages, by role: raise (from scratch and from incidents),
link, analyse, move through the workflow, resolve the linked incidents once."""

from __future__ import annotations

from typing import Any

from itsm.problems.actions import resolve_linked_incidents
from itsm.tickets.context import ActionContext
from tests.conftest import logged_in
from tests.functional.problems.conftest import BASE, ci_number, mails


def _reported(api: Any, *titles: str, **fields: Any) -> list[str]:
    return [api("employee").report(t, **fields)["number"] for t in titles]


def test_agent_raises_a_problem_from_incidents_linked_on_both_sides(app: Any, api: Any) -> None:
    vpn = ci_number(app, "VPN")
    numbers = _reported(api, "VPN drops every few minutes", "VPN drops again")
    agent = api("agent")
    agent.patch(f"/api/v1/incidents/{numbers[0]}", {"cis": [vpn]}, status=200)
    problem = agent.raise_problem(incidents=numbers)
    assert problem["number"] == "PRB-000001"
    assert problem["title"] == "VPN drops every few minutes"
    assert problem["status"] == "new"
    assert problem["incidents"] == numbers
    assert problem["cis"] == [vpn]
    assert "investigate" in problem["transitions"]
    assert app.read(lambda root: root["incidents"][numbers[1]].problem) == "PRB-000001"
    page = logged_in(app, "agent").get(f"/incidents/{numbers[1]}/")
    assert 'id="incident-problem-link"' in page.text and "PRB-000001" in page.text
    detail = logged_in(app, "agent").get("/problems/PRB-000001/")
    assert numbers[0] in detail.text and 'id="timeline"' in detail.text


def test_unknown_incidents_are_refused_and_nothing_is_made(app: Any, api: Any) -> None:
    refused = api("agent").raise_problem(status=400, title="x", incidents=["INC-999999"])
    assert "incidents" in refused["error"]["fields"]
    assert api("agent").get(BASE).json["total"] == 0


def test_employees_never_see_problems(app: Any, api: Any) -> None:
    (number,) = _reported(api, "Printer jams")
    problem = api("agent").raise_problem(incidents=[number])
    api("agent").post(
        f"{BASE}/{problem['number']}/journal", {"body": "Secret analysis"}, status=201
    )
    employee = api("employee")
    employee.get(BASE, status=404)
    employee.get(f"{BASE}/{problem['number']}", status=404)
    employee.get(f"{BASE}/{problem['number']}/journal", status=404)
    employee.get("/api/v1/known-errors", status=404)
    employee.post(BASE, {"title": "Mine"}, status=404)
    browser = logged_in(app, "employee")
    browser.get("/problems/", status=404)
    browser.get(f"/problems/{problem['number']}/", status=404)
    page = browser.get(f"/incidents/{number}/")
    assert problem["number"] not in page.text and "Secret analysis" not in page.text
    assert "Problems" not in browser.get("/").html.select_one("#itsm-nav").get_text()
    assert "Problems" in logged_in(app, "agent").get("/").html.select_one("#itsm-nav").get_text()


def test_workflow_roles_agents_investigate_problem_managers_resolve(app: Any, api: Any) -> None:
    (number,) = _reported(api, "Mail bounces")
    agent2 = api("agent2")  # IT staff (Network), not a problem manager
    problem = agent2.raise_problem(incidents=[number])["number"]
    agent2.move(problem, "investigate")
    refused = agent2.move(problem, "root_cause", status=409).json
    assert "root cause" in refused["error"]["message"].lower()
    moved = agent2.move(problem, "root_cause", root_cause="Full disk", workaround="Resend").json
    assert moved["status"] == "root_cause_known" and moved["known_error"] is True
    assert moved["root_cause_at"]
    agent2.move(problem, "fix", status=409)  # no change linked yet
    assert agent2.move(problem, "resolve", status=403, resolution="Disk grown").json["error"]
    resolved = api("agent").move(problem, "resolve", resolution="Disk grown").json
    assert resolved["status"] == "resolved" and resolved["known_error"] is False
    api("agent").move(problem, "close")
    assert api("agent").problem(problem)["status"] == "closed"


def test_fix_in_progress_links_the_change(app: Any, api: Any) -> None:
    from tests.functional.changes.conftest import at, change_body, raise_change

    change = raise_change(
        api("agent"), change_body([ci_number(app, "mail01")], at(5), type_="standard")
    )
    agent = api("agent")
    problem = agent.raise_problem(title="Mail server disk fills", root_cause="Logs")["number"]
    agent.move(problem, "root_cause")
    refused = agent.move(problem, "fix", status=400, change="CHG-999999").json
    assert "change" in refused["error"]["fields"]
    moved = agent.move(problem, "fix", change=change["number"]).json
    assert moved["status"] == "fix_in_progress" and moved["changes"] == [change["number"]]
    assert app.read(lambda root: root["changes"][change["number"]].problem) == problem


def test_resolving_resolves_open_linked_incidents_once_with_a_reply(app: Any, api: Any) -> None:
    numbers = _reported(api, "Wi-Fi drops", "Wi-Fi drops too", "Wi-Fi drops here")
    agent = api("agent")
    agent.fire(numbers[2], "cancel", reason="Duplicate report")
    problem = agent.raise_problem(incidents=numbers, root_cause="AP firmware", workaround="Cable")
    number = problem["number"]
    agent.move(number, "root_cause")
    agent.move(number, "resolve", resolution="Firmware 2.1 installed on all access points")
    for incident in numbers[:2]:
        body = agent.incident(incident)
        assert body["status"] == "resolved"
    assert agent.incident(numbers[2])["status"] == "cancelled"
    replies = app.read(
        lambda root: [
            [e.body for e in root["incidents"][n].journal if e.kind == "reply"] for n in numbers
        ]
    )
    assert len(replies[0]) == 1 and "Firmware 2.1" in replies[0][0] and number in replies[0][0]
    assert replies[2] == []
    resolved_mails = [m for m in mails(app) if "resolved" in m[2].lower()]
    assert {m[0] for m in resolved_mails} == {"employee@example.com"}
    assert len(resolved_mails) == 2
    # The requester reopens one; the resolution running again (a retried job) changes nothing.
    api("employee").fire(numbers[0], "reopen", reason="Still drops")

    def again(root: Any) -> list[str]:
        ctx = ActionContext.system(root, app.registry)
        return resolve_linked_incidents(ctx, root["problems"][number])

    assert app.write(again) == []
    assert app.write(again) == []
    assert agent.incident(numbers[0])["status"] == "in_progress"
    assert len([m for m in mails(app) if "resolved" in m[2].lower()]) == 2


def test_the_resolution_reply_is_in_the_requesters_language(app: Any, api: Any) -> None:
    def russian(root: Any) -> None:
        root["people"]["employee"].language = "ru"

    app.write(russian)
    (incident,) = _reported(api, "Принтер не печатает")
    agent = api("agent")
    problem = agent.raise_problem(incidents=[incident], root_cause="Драйвер")["number"]
    agent.move(problem, "root_cause")
    agent.move(problem, "resolve", resolution="Драйвер обновлён")
    body = app.read(
        lambda root: [e.body for e in root["incidents"][incident].journal if e.kind == "reply"]
    )
    assert body and "Драйвер обновлён" in body[0] and "Причина" in body[0]


def test_bulk_selection_on_the_queue_raises_a_problem_from_these(app: Any, api: Any) -> None:
    numbers = _reported(api, "Outlook crashes", "Outlook crashes on start", "Mouse broken")
    agent = logged_in(app, "agent")
    queue = agent.get("/incidents/", params={"queue": "all"})
    form = queue.forms["bulk-form"]
    for field in form.fields["incidents"]:
        if field._value in numbers[:2]:
            field.checked = True
    page = form.submit().follow()
    assert 'id="form-incidents"' in page.text
    new = page.forms["problem-form"]
    assert new["title"].value in ("Outlook crashes", "Outlook crashes on start")
    detail = new.submit().follow()
    assert "PRB-000001" in detail.text
    linked = app.read(lambda root: root["problems"]["PRB-000001"].incidents)
    assert sorted(linked) == sorted(numbers[:2])


def test_root_cause_analysis_on_the_page_five_whys_and_notes(app: Any, api: Any) -> None:
    agent = logged_in(app, "agent")
    form = agent.get("/problems/new").forms["problem-form"]
    form["title"] = "Backups fail at night"
    page = form.submit().follow()
    rca = page.forms["analysis-form"]
    whys = rca.fields["whys"]
    assert len(whys) == 5
    whys[0].value, whys[1].value = "The job times out", "The disk is slow"
    rca["root_cause"] = "RAID rebuild at 02:00"
    rca["workaround"] = "Run the backup at 04:00"
    page = rca.submit().follow()
    assert "RAID rebuild" in page.text and 'id="known-error-badge"' in page.text
    note = page.forms["journal-form"]
    note["body"] = "Vendor ticket 42"
    page = note.submit().follow()
    assert "Vendor ticket 42" in page.text
    data = api("agent").problem("PRB-000001")
    assert data["whys"] == ["The job times out", "The disk is slow"]
    assert data["known_error"] is True


def test_a_change_raised_from_the_problem_page_is_linked_to_it(app: Any, api: Any) -> None:
    from datetime import timedelta

    from tests.functional.changes.conftest import at

    mail01 = ci_number(app, "mail01")
    number = api("agent").raise_problem(
        title="Mail queue stalls", cis=[mail01], root_cause="Old MTA version"
    )["number"]
    agent = logged_in(app, "agent")
    page = agent.get(f"/problems/{number}/")
    form_page = page.click(href=r"/changes/new\?problem=", index=0)
    assert 'id="form-problem"' in form_page.text
    form = form_page.forms["change-form"]
    assert form["title"].value == "Mail queue stalls" and form["problem"].value == number
    assert form["cis"].value == mail01
    start = at(6)
    form["planned_start"] = start.strftime("%Y-%m-%dT%H:%M")
    form["planned_end"] = (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    change_page = form.submit("action", value="raise", status=303).follow()
    assert 'id="change-problem"' in change_page.text
    assert api("agent").problem(number)["changes"] == ["CHG-000001"]
    assert api("agent").get("/api/v1/changes/CHG-000001").json["problem"] == number


def test_the_form_refuses_a_missing_title_and_keeps_what_was_typed(app: Any, api: Any) -> None:
    form = logged_in(app, "agent").get("/problems/new").forms["problem-form"]
    form["description"] = "Something keeps failing"
    page = form.submit(status=400)
    assert 'id="form-error"' in page.text and "Something keeps failing" in page.text
    form = page.forms["problem-form"]
    form["title"] = "Nightly job fails"
    form["cis"] = "CI-999999"
    page = form.submit(status=400)
    assert "CI-999999" in page.text
    assert api("agent").get(BASE).json["total"] == 0
