"""Knowledge base pages for each role: search, read, vote, write, versions, restore."""

from __future__ import annotations

from tests.conftest import csrf_of, logged_in
from tests.unit.kb.test_kb_rendering import assert_inert


def _number_of(app, title):
    def find(root):
        return next(a.number for a in root["kb"].values() if a.title == title)

    return app.read(find)


def test_nav_has_the_knowledge_base_and_the_report_form_asks_it(app):
    employee = logged_in(app, "employee")
    home = employee.get("/")
    assert 'href="http://localhost/kb/"' in home.text
    report = employee.get("/incidents/new")
    assert 'data-kb-url="http://localhost/api/v1/kb"' in report.text


def test_employee_searches_vpn_and_sees_highlighted_results(app):
    employee = logged_in(app, "employee")
    page = employee.get("/kb/", params={"q": "vpn"})
    assert "Connect to the VPN on Windows" in page.text
    assert "<mark>VPN</mark>" in page.text or "<mark>vpn</mark>" in page.text
    russian = employee.get("/kb/", params={"q": "пароль", "language": "ru"})
    assert "Как сбросить пароль" in russian.text
    assert "<mark>пароль</mark>" in russian.text.lower()
    assert "Connect to the VPN" not in russian.text


def test_employee_does_not_see_drafts_or_staff_articles(app, write_article):
    write_article("Core switch runbook", "zzzrunbook", audience="staff")
    draft = write_article("Unfinished printer guide", "zzzdraft", publish=False)
    employee = logged_in(app, "employee")
    assert "Core switch runbook" not in employee.get("/kb/").text
    assert "Unfinished printer guide" not in employee.get("/kb/", params={"q": "zzzdraft"}).text
    employee.get(f"/kb/{draft['number']}/", status=404)
    agent = logged_in(app, "agent")
    listing = agent.get("/kb/", params={"status": "draft"}).text
    assert "Unfinished printer guide" in listing and "Core switch runbook" not in listing
    assert "Core switch runbook" in agent.get("/kb/").text


def test_employee_reads_and_votes_and_can_change_the_vote(app):
    number = _number_of(app, "Connect to the VPN on Windows")
    employee = logged_in(app, "employee")
    page = employee.get(f"/kb/{number}/")
    assert "OpenVPN Connect" in page.text
    assert "Подключение к VPN в Windows" in page.text  # the linked translation
    assert 'href="https://vpn.example.com"' in page.text
    assert "/edit" not in page.text
    form = {"csrf_token": csrf_of(page), "helpful": "yes"}
    employee.post(f"/kb/{number}/vote", form, status=303)
    employee.post(f"/kb/{number}/vote", form, status=303)
    assert app.read(lambda root: dict(root["kb"][number].votes)) == {"employee": True}
    employee.post(f"/kb/{number}/vote", {**form, "helpful": "no"}, status=303)
    assert app.read(lambda root: dict(root["kb"][number].votes)) == {"employee": False}
    employee.post(f"/kb/{number}/vote", {"helpful": "yes"}, status=400)  # no CSRF token


def test_employee_cannot_write_or_edit(app):
    number = _number_of(app, "Set up a printer")
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get("/kb/"))
    employee.get("/kb/new", status=403)
    employee.post("/kb/new", {"csrf_token": token, "title": "x", "language": "en"}, status=403)
    employee.get(f"/kb/{number}/edit", status=403)
    employee.post(f"/kb/{number}/edit", {"csrf_token": token, "title": "x"}, status=403)
    employee.get(f"/kb/{number}/versions", status=403)
    employee.post(f"/kb/{number}/restore", {"csrf_token": token, "version": "1"}, status=403)
    employee.post(f"/kb/{number}/transition", {"csrf_token": token, "name": "retire"}, status=403)


def test_agent_writes_edits_publishes_and_restores_a_version(app):
    agent = logged_in(app, "agent")
    form_page = agent.get("/kb/new")
    token = csrf_of(form_page)
    fields = {
        "csrf_token": token,
        "title": "Map a network drive",
        "body": "1. Open Explorer\n2. Type \\\\files\\share",
        "language": "en",
        "audience": "everyone",
        "tags": "Files, Windows",
        "review_date": "2027-01-31",
    }
    created = agent.post("/kb/new", fields, status=303)
    page = created.follow()
    assert "Map a network drive" in page.text
    number = _number_of(app, "Map a network drive")
    assert app.read(lambda root: root["kb"][number].tags) == ("files", "windows")
    edit = agent.get(f"/kb/{number}/edit")
    assert "Map a network drive" in edit.text
    agent.post(
        f"/kb/{number}/edit",
        {**fields, "body": "1. Open Explorer\n2. Type \\\\files\\public", "note": "new share"},
        status=303,
    )
    versions = agent.get(f"/kb/{number}/versions")
    assert "new share" in versions.text
    assert "- 2. Type \\\\files\\share" in versions.text
    assert "+ 2. Type \\\\files\\public" in versions.text
    agent.post(f"/kb/{number}/restore", {"csrf_token": token, "version": "1"}, status=303)
    assert app.read(lambda root: root["kb"][number].body).endswith("\\\\files\\share")
    assert app.read(lambda root: len(root["kb"][number].versions)) == 3
    agent.post(f"/kb/{number}/transition", {"csrf_token": token, "name": "publish"}, status=303)
    assert app.read(lambda root: root["kb"][number].status) == "published"
    employee = logged_in(app, "employee")
    assert "Map a network drive" in employee.get("/kb/", params={"q": "network drive"}).text


def test_invalid_form_is_shown_again_with_messages(app):
    agent = logged_in(app, "agent")
    token = csrf_of(agent.get("/kb/new"))
    page = agent.post(
        "/kb/new",
        {"csrf_token": token, "title": "", "body": "kept", "language": "en", "audience": "x"},
        status=400,
    )
    assert "kept" in page.text and "is-invalid" in page.text


def test_hostile_article_is_neutralised_on_the_page(app, write_article):
    article = write_article(
        'Fix <img src=x onerror="alert(1)">',
        "<script>alert(1)</script>\n\n[fix](javascript:alert(1))\n\n"
        '<a href="javascript:alert(2)" onmouseover="alert(3)">x</a>\n\n'
        "![pic](javascript:alert(4))",
    )
    employee = logged_in(app, "employee")
    page = employee.get(f"/kb/{article['number']}/")
    body = page.text.split('id="kb-body"', 1)[1].split("</div>", 1)[0]
    assert_inert("<div " + body)
    assert "<script>alert(1)</script>" not in page.text
    assert '<img src=x onerror="alert(1)">' not in page.text
    listing = employee.get("/kb/", params={"q": "fix"})
    assert '<img src=x onerror="alert(1)">' not in listing.text
    assert "<script>alert(1)" not in listing.text


def test_draft_from_a_resolved_incident_is_prefilled_in_the_form(app, api):
    number = api("employee").report("Teams has no sound", description="Headset is fine.")["number"]
    api("agent").fire(number, "start")
    api("agent").fire(
        number, "resolve", resolution_code="fixed", resolution="Pick the headset in Teams."
    )
    agent = logged_in(app, "agent")
    page = agent.get("/kb/new", params={"incident": number})
    assert "Teams has no sound" in page.text and "Pick the headset in Teams." in page.text
    assert f'name="source_incident" value="{number}"' in page.text


def test_agent_links_an_article_to_an_incident_from_the_page(app, api):
    incident = api("employee").report("VPN drops")["number"]
    number = _number_of(app, "Connect to the VPN on Windows")
    agent = logged_in(app, "agent")
    token = csrf_of(agent.get(f"/kb/{number}/"))
    agent.post(f"/kb/{number}/link", {"csrf_token": token, "incident": incident}, status=303)
    assert app.read(lambda root: root["incidents"][incident].kb_links) == (number,)
    assert incident in agent.get(f"/kb/{number}/").text


def test_pages_never_commit(app):
    number = _number_of(app, "Set up a printer")
    employee, agent = logged_in(app, "employee"), logged_in(app, "agent")
    employee.get("/kb/")
    agent.get("/kb/")
    before = app.db.lastTransaction()
    employee.get("/kb/", params={"q": "printer"})
    employee.get(f"/kb/{number}/")
    agent.get("/kb/", params={"q": "vpn", "status": "published"})
    agent.get(f"/kb/{number}/")
    agent.get(f"/kb/{number}/edit")
    agent.get(f"/kb/{number}/versions")
    agent.get("/kb/new")
    assert app.db.lastTransaction() == before


def test_images_are_stored_as_blobs_and_served_from_the_article(app, write_article):
    number = write_article("With a picture", "See ![the dialog](files/dialog.png)")["number"]
    agent = logged_in(app, "agent")
    edit = agent.get(f"/kb/{number}/edit")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    fields = [(k, v) for k, v in edit.forms["kb-form"].submit_fields() if k != "images"]
    agent.post(
        f"/kb/{number}/edit",
        fields,
        upload_files=[("images", "dialog.png", png, "image/png")],
        status=303,
    )
    employee = logged_in(app, "employee")
    assert 'src="files/dialog.png"' in employee.get(f"/kb/{number}/").text
    image = employee.get(f"/kb/{number}/files/dialog.png")
    assert image.content_type == "image/png" and image.body == png
    employee.get(f"/kb/{number}/files/nothing.png", status=404)


def test_report_form_script_counts_a_deflection_with_the_session_cookie(app):
    """What incidents.js sends when the employee leaves the form after opening a suggestion."""
    number = _number_of(app, "Set up a printer")
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get("/incidents/new"))
    path = f"/api/v1/kb/{number}/deflections"
    employee.post(path, headers={"X-CSRF-Token": token, "Accept": "application/json"}, status=202)
    employee.post(path, headers={"Accept": "application/json"}, status=400)  # no token
    assert app.read(lambda root: root["kb"][number].deflection_count) == 1
