"""The incident pages: report, my incidents, queues, the incident and its actions, downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from webtest.forms import Radio

from tests.conftest import AppHandle, base_settings, csrf_of, logged_in

HOSTILE = "<script>alert(1)</script>"


# -- helpers ------------------------------------------------------------------------------------


def report(
    client: webtest.TestApp,
    title: str = "Printer on floor 3 is jammed",
    description: str = "It says paper jam.\nThere is no paper inside.",
    impact: str = "low",
    urgency: str = "medium",
    files: tuple[tuple[str, bytes], ...] = (),
    status: int = 303,
) -> Any:
    """Fill in and send the report form like a browser does."""
    form = client.get("/incidents/new").forms["report-form"]
    form["title"] = title
    form["description"] = description
    radios = [name for name, fields in form.fields.items() if isinstance(fields[0], Radio)]
    form[radios[0]] = impact
    form[radios[1]] = urgency
    form["upload"] = [webtest.Upload(name, content) for name, content in files]
    return form.submit("submit", status=status)


def report_number(client: webtest.TestApp, **kw: Any) -> str:
    response = report(client, **kw)
    match = re.search(r"/incidents/(INC-\d{6})/$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def page(client: webtest.TestApp, number: str, status: int = 200) -> Any:
    return client.get(f"/incidents/{number}/", status=status)


def act(client: webtest.TestApp, number: str, view: str, status: int = 303, **fields: Any) -> Any:
    """POST one of the incident's action forms with a fresh CSRF token."""
    token = csrf_of(page(client, number))
    upload_files = fields.pop("upload_files", None)
    return client.post(
        f"/incidents/{number}/@@{view}",
        {"csrf_token": token, **fields},
        upload_files=upload_files,
        status=status,
    )


def status_of(app: Any, number: str) -> str:
    return app.read(lambda root: root["incidents"][number].status)


@pytest.fixture(scope="module")
def app(storage_backend: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHandle]:
    """One app for the module: each test makes its own incidents (with words of its own to
    search for), and the templates are compiled once instead of once per test."""
    from itsm import main

    database = storage_backend.new_database(tmp_path_factory.mktemp("incident-ui") / "db")
    settings = base_settings()
    settings["zodbconn.uri"] = database.uri
    handle = AppHandle(main({}, **settings), settings)
    yield handle
    handle.close()
    database.remove()


@pytest.fixture(scope="module")
def employee(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "employee")


@pytest.fixture(scope="module")
def employee2(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "employee2")


@pytest.fixture(scope="module")
def agent(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "agent")


@pytest.fixture(scope="module")
def agent2(app: AppHandle) -> webtest.TestApp:
    return logged_in(app, "agent2")


# -- reporting ----------------------------------------------------------------------------------


def test_employee_reports_an_incident_and_sees_it_in_my_incidents(app, employee):
    response = report(employee, title="Printer on floor 3 is jammed")
    number = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    shown = response.follow()
    assert f"Incident {number} is registered." in shown.text
    assert "Printer on floor 3 is jammed" in shown.text
    mine = employee.get("/incidents/")
    assert "My incidents" in mine.text and number in mine.text
    assert "IT will look at it shortly." in mine.text or "Assigned; someone" in mine.text
    # The report form asks in the employee's terms, and has the knowledge-base box.
    form = employee.get("/incidents/new")
    for words in ("How bad is it?", "Only me", "The whole company", "It blocks my work"):
        assert words in form.text
    assert 'id="kb-suggestions"' in form.text


def test_report_without_title_is_400_with_messages_and_keeps_the_typed_text(app, employee):
    before = app.read(lambda root: len(root["incidents"]))
    response = report(employee, title="", description="Nothing prints since Monday", status=400)
    assert "Nothing prints since Monday" in response.text
    assert "is-invalid" in response.text and "Required" in response.text
    assert app.read(lambda root: len(root["incidents"])) == before


def test_report_with_a_too_large_file_is_refused_and_keeps_the_text(make_app):
    app = make_app(**{"itsm.attachments.max_bytes": "1000"})
    client = logged_in(app, "employee")
    before = app.read(lambda root: len(root["incidents"]))
    response = report(
        client,
        title="Screen flickers",
        description="Since the update",
        files=(("big.png", b"x" * 2000),),
        status=400,
    )
    assert "Too large: big.png" in response.text
    assert "Screen flickers" in response.text and "Since the update" in response.text
    assert app.read(lambda root: len(root["incidents"])) == before


def test_report_with_a_stale_csrf_token_keeps_the_text(employee):
    form = employee.get("/incidents/new").forms["report-form"]
    form["title"] = "Keyboard is sticky"
    form["csrf_token"] = "stale"
    response = form.submit("submit", status=400)
    assert "Your session expired" in response.text and "Keyboard is sticky" in response.text


# -- who sees what ------------------------------------------------------------------------------


def test_other_employee_cannot_open_the_incident_or_its_attachment(app, employee, employee2):
    number = report_number(employee, files=(("note.txt", b"private"),))
    other = employee2
    page(other, number, status=404)
    other.get(f"/incidents/{number}/@@attachment?entry=0&n=0", status=404)
    assert number not in other.get("/incidents/").text
    other.post(
        f"/incidents/{number}/@@reply",
        {"body": "x", "csrf_token": csrf_of(other.get("/"))},
        status=404,
    )


def test_employee_never_sees_internal_notes_or_their_files(app, employee, agent):
    number = report_number(employee)
    act(
        agent,
        number,
        "reply",
        kind="note",
        body="Internal: the toner supplier is late",
        upload_files=[("files", "supplier.txt", b"price list")],
    )
    staff_page = page(agent, number)
    assert (
        "Internal: the toner supplier is late" in staff_page.text and "Internal" in staff_page.text
    )
    entry = re.search(r"@@attachment\?entry=(\d+)&amp;n=0", staff_page.text).group(1)
    mine = page(employee, number)
    assert "toner supplier" not in mine.text and "supplier.txt" not in mine.text
    employee.get(f"/incidents/{number}/@@attachment?entry={entry}&n=0", status=404)
    agent.get(f"/incidents/{number}/@@attachment?entry={entry}&n=0", status=200)
    # No staff controls for the employee.
    assert "@@fields" not in mine.text and 'value="take"' not in mine.text
    employee.post(
        f"/incidents/{number}/@@reply",
        {"csrf_token": csrf_of(mine), "kind": "note", "body": "sneaky"},
        status=403,
    )


# -- working an incident ------------------------------------------------------------------------


def test_agent_takes_and_replies_employee_sees_it_and_confirms_the_resolution(app, employee, agent):
    number = report_number(employee, title="Outlook asks for my password")
    follow = act(agent, number, "transition", name="take").follow()
    assert "You took the incident." in follow.text
    assert app.read(lambda root: root["incidents"][number].assignee) == "agent"
    assert status_of(app, number) == "in_progress"
    act(agent, number, "reply", kind="reply", body="Please restart Outlook.\nThen try again.")
    mine = page(employee, number)
    assert "Please restart Outlook.\nThen try again." in mine.text
    act(
        agent,
        number,
        "transition",
        name="resolve",
        resolution_code="fixed",
        resolution="Password cache cleared.",
    )
    mine = page(employee, number)
    assert "Is it solved?" in mine.text and "Password cache cleared." in mine.text
    done = act(employee, number, "transition", name="close").follow()
    assert "The incident is closed." in done.text
    assert status_of(app, number) == "closed"
    assert "Add a reply" not in page(employee, number).text


def test_agent_resolves_with_a_code_and_the_employee_reopens_with_a_reason(app, employee, agent):
    number = report_number(employee)
    refused = act(agent, number, "transition", name="resolve", resolution="done", status=400)
    assert "Required" in refused.text or "Choose a resolution code." in refused.text
    assert 'value="done"' not in refused.text  # the notes are kept in the textarea ...
    assert ">done</textarea>" in refused.text  # ... as typed
    assert status_of(app, number) != "resolved"
    act(
        agent,
        number,
        "transition",
        name="resolve",
        resolution_code="workaround",
        resolution="Use the printer on floor 2.",
    )
    assert status_of(app, number) == "resolved"
    act(employee, number, "transition", name="reopen", reason="", status=400)
    act(employee, number, "transition", name="reopen", reason="Floor 2 is too far away")
    assert status_of(app, number) == "in_progress"
    assert "Floor 2 is too far away" in page(agent, number).text


def test_waiting_for_the_requester_resumes_when_they_reply(app, employee, agent):
    number = report_number(employee)
    act(agent, number, "transition", name="take")
    act(agent, number, "transition", name="wait", reason="Which printer exactly?")
    assert status_of(app, number) == "waiting"
    mine = page(employee, number)
    assert "Which printer exactly?" in mine.text and "IT needs an answer from you." in mine.text
    act(employee, number, "reply", body="The one near the kitchen.")
    assert status_of(app, number) == "in_progress"


def test_refusals_are_shown_never_a_500(app, employee, agent):
    number = report_number(employee)
    response = act(agent, number, "transition", name="merge", into="INC-999999", status=400)
    assert "No such incident." in response.text
    response = act(employee, number, "transition", name="cancel", reason="x", status=403)
    assert "alert-danger" in response.text
    response = act(agent, number, "transition", name="fly", status=400)
    assert "Unknown action" in response.text
    act(agent, number, "reply", kind="reply", body="", status=400)


def test_staff_change_fields_link_cis_use_canned_replies_and_see_the_history(app, employee, agent):
    number = report_number(employee, title="Printer is slow")
    act(
        agent,
        number,
        "fields",
        title="Printer is very slow",
        category="hardware",
        impact="medium",
        urgency="high",
    )
    act(agent, number, "link", cis="ci-000042, CI-000043")
    data = app.read(lambda root: root["incidents"][number])
    assert (data.title, data.priority, data.cis) == (
        "Printer is very slow",
        2,
        ("CI-000042", "CI-000043"),
    )
    staff_page = page(agent, number)
    history = staff_page.text[staff_page.text.index('id="h-history"') :]
    assert "Printer is slow" in history and "Printer is very slow" in history
    assert "Why it went here" in staff_page.text
    canned = re.findall(
        r'<option value="([^"]+)"', staff_page.text[staff_page.text.index('id="canned"') :]
    )
    filled = act(agent, number, "reply", canned=canned[0], body="", apply_canned="1", status=200)
    body = re.search(r'id="reply-body"[^>]*>([^<]*)</textarea>', filled.text).group(1)
    assert body.strip(), "the canned reply fills the box"
    assert app.read(lambda root: len(root["incidents"][number].journal)) == 0


def test_major_incident_resolves_its_children(app, employee, employee2, agent):
    parent = report_number(employee, title="Network down on floor 3")
    child = report_number(employee2, title="No network on floor 3")
    act(agent, parent, "major", children=child)
    assert app.read(lambda root: root["incidents"][child].parent) == parent
    act(
        agent,
        parent,
        "transition",
        name="resolve",
        resolution_code="fixed",
        resolution="Switch replaced.",
    )
    assert status_of(app, child) == "resolved"


# -- lists and queues ---------------------------------------------------------------------------


def test_queues_list_the_incident_under_the_right_tab(app, employee, agent, agent2):
    number = report_number(employee, title="Excel crashes with quokka macros")
    act(agent, number, "transition", name="take")
    assert number in agent.get("/incidents/", {"q": "quokka"}).text  # default tab: mine
    assert number in agent.get("/incidents/", {"queue": "open", "q": "quokka"}).text
    assert number not in agent2.get("/incidents/", {"queue": "mine", "q": "quokka"}).text
    act(agent, number, "transition", name="assign", group="Service Desk")  # back to the queue
    assert number in agent.get("/incidents/", {"queue": "groups", "q": "quokka"}).text
    assert number not in agent.get("/incidents/", {"queue": "mine", "q": "quokka"}).text
    assert number not in agent2.get("/incidents/", {"queue": "groups", "q": "quokka"}).text


def test_filters_sorting_paging_and_text_search(app, employee, agent):
    vpn = report_number(
        employee, title="VPN drops for the wombat team", impact="high", urgency="high"
    )
    excel = report_number(employee, title="Excel macro of the wombat team fails")
    listing = agent.get("/incidents/", {"queue": "all", "q": "wombat vpn"})
    assert vpn in listing.text and excel not in listing.text
    listing = agent.get("/incidents/", {"queue": "all", "q": "wombat", "priority": "1"})
    assert vpn in listing.text and excel not in listing.text
    listing = agent.get(
        "/incidents/", {"queue": "all", "q": "wombat", "group": "Network", "sort": "newest"}
    )
    assert vpn in listing.text and excel not in listing.text
    listing = agent.get("/incidents/", {"queue": "all", "q": "wombat", "sort": "oldest"})
    assert listing.text.index(vpn) < listing.text.index(excel)
    # Nonsense in the query string is ignored, never a 500.
    agent.get(
        "/incidents/",
        {"queue": "x", "priority": "nine", "page": "-3", "sort": "evil", "status": "<b>"},
    )
    mine = employee.get("/incidents/", {"q": "wombat excel"})
    assert excel in mine.text and vpn not in mine.text


def test_page_links_keep_the_filters(app, agent):
    from itsm.incidents.intake import create_incident
    from itsm.tickets.context import ActionContext

    def many(root: Any) -> None:
        ctx = ActionContext.system(root, app.registry)
        ctx.actor = "employee"
        for n in range(55):
            create_incident(ctx, requester="employee", title=f"Platypus monitor {n} is dark")

    app.write(many)
    first = agent.get("/incidents/", {"queue": "all", "q": "platypus"})
    assert re.search(r"Found: <span>55</span>", first.text)
    assert first.text.count("Platypus monitor") == 50
    link = re.search(r'href="([^"]*page=2[^"]*)"', first.text).group(1).replace("&amp;", "&")
    assert "q=platypus" in link and "queue=all" in link
    second = agent.get(link)
    assert second.text.count("Platypus monitor") == 5


# -- attachments --------------------------------------------------------------------------------


def test_attachments_upload_and_download_with_safe_headers(app, employee, agent):
    number = report_number(employee, files=(("Отчёт <1>.dat", b"<h1>hi</h1>"),))
    mine = page(employee, number)
    assert "Отчёт _1_.dat" in mine.text
    download = employee.get(f"/incidents/{number}/@@attachment?entry=0&n=0")
    assert download.body == b"<h1>hi</h1>"
    assert download.content_type == "application/octet-stream"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20_1_.dat" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    act(
        employee,
        number,
        "reply",
        body="Here is a screenshot",
        upload_files=[
            ("files", "shot.png", b"\x89PNG\r\n\x1a\n..."),
            ("files", "log.txt", b"line 1\n"),
        ],
    )
    text = page(agent, number).text
    entry = re.search(r"@@attachment\?entry=(\d+)&amp;n=1", text).group(1)
    log = agent.get(f"/incidents/{number}/@@attachment?entry={entry}&n=1")
    assert log.body == b"line 1\n" and log.content_type == "text/plain"
    agent.get(f"/incidents/{number}/@@attachment?entry={entry}&n=2", status=404)
    agent.get(f"/incidents/{number}/@@attachment?entry=abc&n=0", status=404)


# -- safety and languages -----------------------------------------------------------------------


def test_a_hostile_title_is_escaped_on_every_page(app, employee, agent):
    number = report_number(employee, title=HOSTILE, description=HOSTILE)
    act(agent, number, "reply", kind="reply", body=HOSTILE)
    pages = [
        page(employee, number),
        page(agent, number),
        employee.get("/incidents/"),
        agent.get("/incidents/?queue=all"),
        employee.get("/"),
    ]
    for response in pages:
        assert HOSTILE not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pages_answer_in_both_languages(app, employee, agent, language):
    number = report_number(employee)
    headers = {"Accept-Language": language}
    for client, path in (
        (employee, "/incidents/new"),
        (employee, "/incidents/"),
        (employee, f"/incidents/{number}/"),
        (employee, "/"),
        (agent, "/incidents/"),
        (agent, f"/incidents/{number}/"),
        (agent, "/"),
    ):
        response = client.get(path, headers=headers)
        assert response.status_int == 200
        assert f'lang="{language}"' in response.text


def test_reading_pages_commits_nothing(app, employee, agent):
    number = report_number(employee, files=(("a.txt", b"a"),))
    before = app.db.lastTransaction()
    for client in (employee, agent):
        client.get("/")
        client.get("/incidents/")
        client.get("/incidents/new")
        page(client, number)
        client.get(f"/incidents/{number}/@@attachment?entry=0&n=0")
    agent.get("/incidents/?queue=breaching")
    assert app.db.lastTransaction() == before


def test_actions_need_a_csrf_token(app, employee):
    number = report_number(employee)
    employee.post(f"/incidents/{number}/@@reply", {"body": "hi"}, status=400)
    assert app.read(lambda root: len(root["incidents"][number].journal)) == 0


def test_agent_escalates_and_cancels(app, employee, agent):
    number = report_number(employee, title="Outlook signature is gone")
    assert app.read(lambda root: root["incidents"][number].group) == "Service Desk"
    act(agent, number, "transition", name="escalate", mode="functional", reason="Needs tier 2")
    incident = app.read(lambda root: root["incidents"][number])
    assert (incident.group, incident.escalation_level) == ("Workplace", 1)
    assert "Needs tier 2" in page(agent, number).text  # in the history
    response = act(agent, number, "transition", name="cancel", reason="", status=400)
    assert "Required" in response.text
    act(agent, number, "transition", name="cancel", reason="Reported twice")
    assert status_of(app, number) == "cancelled"
    assert 'name="name" value="resolve"' not in page(agent, number).text


# -- reporting about a configuration item -------------------------------------------------------


def ci_owned_by(app: Any, login: str) -> tuple[str, str]:
    """The number and name of a demo CI ``login`` owns."""

    def first(root: Any) -> tuple[str, str]:
        owned = sorted((ci.number, ci.name) for ci in root["cmdb"].values() if ci.owner == login)
        assert owned, f"the demo gives {login} no CI"
        return owned[0]

    return app.read(first)


def report_about(client: webtest.TestApp, query: str, title: str) -> tuple[Any, str]:
    """Open the report form as the CMDB's link does (``?ci=…``), send it; the form and the
    new incident's number."""
    shown = client.get(f"/incidents/new?{query}")
    form = shown.forms["report-form"]
    form["title"] = title
    response = form.submit("submit", status=303)
    match = re.search(r"/incidents/(INC-\d{6})/$", response.headers["Location"])
    assert match, response.headers["Location"]
    return shown, match.group(1)


def about_block(response: Any) -> str:
    """The form's "About: CI-…" line."""
    text = response.text
    start = text.index('id="report-about"')
    return text[start : text.index("</p>", start)]


def test_report_from_a_ci_links_it_and_ignores_a_ci_of_someone_else(app, employee, api):
    mine, my_name = ci_owned_by(app, "employee")
    theirs, their_name = ci_owned_by(app, "employee2")

    shown, number = report_about(employee, f"ci={mine}", "My laptop does not start")
    about = about_block(shown)
    assert "About:" in about and mine in about and my_name in about
    assert shown.forms["report-form"]["ci"].value == mine
    assert api("employee").get(f"/api/v1/incidents/{number}").json["cis"] == [mine]

    # Another employee's CI and an unknown number are dropped, on the form and when sent.
    query = f"ci={theirs}&ci=CI-999999,{mine}"
    shown, number = report_about(employee, query, "Something else is broken")
    assert shown.forms["report-form"]["ci"].value == mine
    about = about_block(shown)
    assert mine in about and theirs not in about and their_name not in about
    assert api("employee").get(f"/api/v1/incidents/{number}").json["cis"] == [mine]

    # A forged hidden field is checked again when the form is sent.
    form = employee.get(f"/incidents/new?ci={mine}").forms["report-form"]
    form["title"] = "Forged"
    form["ci"] = f"{theirs},{mine}"
    response = form.submit("submit", status=303)
    number = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert app.read(lambda root: root["incidents"][number].cis) == (mine,)

    # Without ?ci= the form is about nothing; staff may name anyone's CI.
    assert 'id="report-about"' not in employee.get("/incidents/new").text
    staff_form = logged_in(app, "agent").get(f"/incidents/new?ci={theirs}")
    assert their_name in about_block(staff_form)
    assert staff_form.forms["report-form"]["ci"].value == theirs
