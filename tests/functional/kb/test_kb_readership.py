"""Counting views and searches: the pages ask our own script to send a POST; the GETs write
nothing; the POST is CSRF-checked, permission-checked, and a repeat within 30 minutes writes
nothing either."""

from __future__ import annotations

from tests.conftest import csrf_of, desk_today, logged_in


def _number_of(app, title):
    return app.read(lambda root: next(a.number for a in root["kb"].values() if a.title == title))


def _views(app, number):
    from datetime import date

    from itsm.kb.readership import views_between

    today = date.fromisoformat(desk_today(app))
    return app.read(lambda root: views_between(root.kb_readership, today, today).get(number, 0))


def _events(app):
    return app.read(lambda root: [key[1:] for key in root.kb_readership.events.keys()])


def test_the_article_page_sends_a_view_beacon_and_its_get_writes_nothing(app):
    number = _number_of(app, "Connect to the VPN on Windows")
    employee = logged_in(app, "employee")
    before = app.db.lastTransaction()
    page = employee.get(f"/kb/{number}/")
    assert app.db.lastTransaction() == before
    beacon = page.html.select_one("[data-kb-beacon]")
    assert beacon["data-kb-beacon"] == f"http://localhost/kb/{number}/@@viewed"
    assert beacon["data-kb-token"] == csrf_of(page)
    assert any(s["src"].endswith("/kb.js") for s in page.html.select("script[src]"))
    assert employee.get("/kb-static/kb.js").content_type in (
        "application/javascript",
        "text/javascript",
    )

    employee.post(beacon["data-kb-beacon"], {"csrf_token": csrf_of(page)}, status=204)
    assert _views(app, number) == 1
    assert _events(app) == [("employee", "view", number)]
    # Reading it again at once counts nothing and commits nothing.
    counted = app.db.lastTransaction()
    employee.post(beacon["data-kb-beacon"], {"csrf_token": csrf_of(page)}, status=204)
    assert app.db.lastTransaction() == counted
    assert _views(app, number) == 1


def test_a_view_without_the_csrf_token_is_refused(app):
    number = _number_of(app, "Connect to the VPN on Windows")
    employee = logged_in(app, "employee")
    employee.get(f"/kb/{number}/")
    response = employee.post(f"/kb/{number}/@@viewed", {}, status="*")
    assert response.status_int in (400, 403)
    assert _views(app, number) == 0


def test_nobody_counts_a_view_of_an_article_they_may_not_read(app, write_article):
    draft = write_article("Unfinished printer guide", "zzzdraft", publish=False)
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get("/kb/"))
    employee.post(f"/kb/{draft['number']}/@@viewed", {"csrf_token": token}, status=404)
    assert _events(app) == []


def test_the_search_results_page_sends_the_search_and_staff_are_left_out_of_deflection(app):
    employee = logged_in(app, "employee")
    page = employee.get("/kb/", params={"q": "VPN  Windows"})
    beacon = page.html.select_one("[data-kb-beacon]")
    assert beacon["data-kb-beacon"] == "http://localhost/kb/@@searched"
    assert beacon["data-kb-query"] == "VPN  Windows"
    assert employee.get("/kb/").html.select_one("[data-kb-beacon]") is None  # no search
    form = {"csrf_token": csrf_of(page), "q": beacon["data-kb-query"]}
    employee.post(beacon["data-kb-beacon"], form, status=204)
    assert _events(app) == [("employee", "search", "vpn windows")]

    number = _number_of(app, "Connect to the VPN on Windows")
    agent = logged_in(app, "agent")
    article = agent.get(f"/kb/{number}/")
    agent.post(f"/kb/{number}/@@viewed", {"csrf_token": csrf_of(article)}, status=204)
    assert _views(app, number) == 1
    assert _events(app) == [("employee", "search", "vpn windows")]
    # The author sees the article's views of the last 30 days.
    assert agent.get(f"/kb/{number}/").html.select_one("#kb-views").get_text() == "1"


def test_the_kb_report_shows_a_view_at_once(app):
    number = _number_of(app, "Connect to the VPN on Windows")
    today = desk_today(app)
    admin = logged_in(app, "admin")

    def most_viewed():
        body = admin.get("/api/v1/reports/kb", params={"start": today, "end": today}).json
        table = next(t for t in body["tables"] if t["name"] == "most_viewed")
        return [(r["number"], r["views"]) for r in table["rows"]]

    assert most_viewed() == []
    employee = logged_in(app, "employee")
    page = employee.get(f"/kb/{number}/")
    employee.post(f"/kb/{number}/@@viewed", {"csrf_token": csrf_of(page)}, status=204)
    assert most_viewed() == [(number, 1)]


def test_other_clients_count_a_view_through_the_api(app, api, write_article):
    number = _number_of(app, "Connect to the VPN on Windows")
    body = api("employee").post(f"/api/v1/kb/{number}/views", {}, status=202).json
    assert body == {"number": number, "counted": True}
    again = api("employee").post(f"/api/v1/kb/{number}/views", {}, status=202).json
    assert again["counted"] is False
    assert _views(app, number) == 1
    draft = write_article("Unfinished printer guide", "zzzdraft", publish=False)
    api("employee").post(f"/api/v1/kb/{draft['number']}/views", {}, status=404)
    assert _events(app) == [("employee", "view", number)]
