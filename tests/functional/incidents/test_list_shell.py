"""The queue page's shell (itsm.ui.shell): served from the cache between writes, never stale
after one, each session with its own CSRF token."""

from __future__ import annotations

from typing import Any

from tests.conftest import AppHandle, csrf_of, logged_in

QUEUE = "/incidents/?queue=open&sort=priority"


def shells(app: AppHandle) -> Any:
    return app.registry.itsm_shells["incidents.list"]


def agent_options(text: str) -> str:
    start = text.index('id="f-assignee"')
    return text[start : text.index("</select>", start)]


def test_the_shell_is_kept_until_a_write(app: AppHandle) -> None:
    agent = logged_in(app, "agent")
    first = agent.get(QUEUE).text
    cache = shells(app)
    hits = cache.hits
    second = agent.get(QUEUE).text
    assert cache.hits == hits + 1
    assert second == first

    # A new agent: the filter form offers them on the next page.
    def promote(root: Any) -> None:
        person = root["people"]["employee2"]
        person.roles = (*person.roles, "agent")
        person.name = "Zoë Newagent"

    app.write(promote)
    text = agent.get(QUEUE).text
    assert "Zoë Newagent" in agent_options(text)
    assert "Zoë Newagent" not in agent_options(first)


def test_a_saved_view_shows_on_the_next_page(app: AppHandle) -> None:
    agent = logged_in(app, "agent")
    page = agent.get(QUEUE)
    assert "Cached view test" not in page.text
    form = page.forms["save-view-form"]
    form["name"] = "Cached view test"
    form.submit(status=303)
    # The redirect's page has a flash message (not kept); the plain queue after it is cached
    # from before the write and must not be the one served.
    agent.get(QUEUE)
    assert "Cached view test" in agent.get(QUEUE).text


def test_a_language_switch_and_new_rows(app: AppHandle) -> None:
    agent = logged_in(app, "agent")
    english = agent.get(QUEUE)
    assert 'lang="en"' in english.text
    agent.post(
        "/language",
        {"language": "ru", "csrf_token": csrf_of(english), "came_from": QUEUE},
        status=303,
    )
    russian = agent.get(QUEUE).text
    assert 'lang="ru"' in russian and "Выйти" in russian
    found = russian.count("INC-")
    employee = logged_in(app, "employee")
    form = employee.get("/incidents/new").forms["report-form"]
    form["title"] = "A row written after the shell was kept"
    form["description"] = "The printer is out of toner."
    form.submit("submit", status=303)
    after = agent.get(QUEUE).text
    assert "A row written after the shell was kept" in after
    assert after.count("INC-") > found


def test_each_session_gets_its_own_csrf_token(app: AppHandle) -> None:
    one, two = logged_in(app, "agent"), logged_in(app, "agent")
    first, second = one.get(QUEUE), two.get(QUEUE)
    assert csrf_of(first) != csrf_of(second)
    hits = shells(app).hits
    again = one.get(QUEUE)
    assert shells(app).hits == hits + 1
    assert csrf_of(again) == csrf_of(first)
    # The token works: the language form of the cached page is accepted.
    one.post(
        "/language",
        {"language": "en", "csrf_token": csrf_of(again), "came_from": QUEUE},
        status=303,
    )
    assert "itsmslot" not in again.text


def test_kept_rows_follow_the_incident_and_the_names_they_show(app: AppHandle) -> None:
    employee = logged_in(app, "employee")
    form = employee.get("/incidents/new").forms["report-form"]
    form["title"] = "Kept row probe"
    form["description"] = "The scanner is offline."
    form.submit("submit", status=303)
    agent = logged_in(app, "agent")

    def row_of(text: str) -> str:
        start = text.index("Kept row probe")
        return text[text.rindex("<tr", 0, start) : text.index("</tr>", start)]

    def assign(root: Any) -> str:
        from itsm.search.catalog import mark_changed

        found = [i for i in root["incidents"].values() if i.title == "Kept row probe"]
        found[0].assignee = "agent2"
        mark_changed(root, found[0])
        return found[0].number

    number = app.write(assign)
    first = row_of(agent.get(QUEUE).text)
    assert row_of(agent.get(QUEUE).text) == first  # kept
    assert f'data-number="{number}"' in first

    # A write to the incident: its row is made again.
    def retitle(root: Any) -> None:
        root["incidents"][number].title = "Kept row probe, retitled"

    app.write(retitle)
    assert "Kept row probe, retitled" in row_of(agent.get(QUEUE).text)

    # A write elsewhere (the assignee's name): the row shows the new name.
    def rename(root: Any) -> None:
        root["people"]["agent2"].name = "Agent Renamed"

    app.write(rename)
    assert "<td>Agent Renamed</td>" in row_of(agent.get(QUEUE).text)
