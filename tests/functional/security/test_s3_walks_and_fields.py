"""RELIABILITY.md S3, the parts a route list does not reach: walking ticket numbers, fields an
employee may not set, search, CSV exports, attachments and the people look-up."""

from __future__ import annotations

import re
from typing import Any

from tests.functional.security.conftest import Session
from tests.functional.security.test_s3_no_leaks import normalize

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _report(session: Session, title: str) -> str:
    body = {"title": title, "description": "", "impact": "low", "urgency": "low"}
    return session.api("POST", "/api/v1/incidents", body, status=201).json["number"]


def test_employee_b_walking_incident_numbers_learns_nothing(sessions):
    a, b = sessions["A"], sessions["B"]
    for index in range(5):
        _report(a, f"Walk {index}")
    own = _report(b, "Mine")
    missing = "INC-999999"
    for path in ("/incidents/{}/", "/api/v1/incidents/{}", "/api/v1/incidents/{}/journal"):
        nothing = b.client.get(path.format(missing), expect_errors=True)
        assert nothing.status_int == 404
        for seq in range(1, 10):
            number = f"INC-{seq:06d}"
            if number == own:
                continue
            answer = b.client.get(path.format(number), expect_errors=True)
            assert answer.status_int == 404, (number, answer.status)
            assert normalize(answer.text, number) == normalize(nothing.text, missing), number


def test_employee_cannot_set_priority_assignee_group_or_status(app, sessions):
    b = sessions["B"]
    number = _report(b, "Slow laptop")
    before = app.read(lambda root: _fields(root["incidents"][number]))
    for change in (
        {"priority": 1},
        {"assignee": "agent"},
        {"group": "Network"},
        {"status": "resolved"},
        {"urgency": "high", "assignee": "agent2"},
    ):
        answer = b.api("PATCH", f"/api/v1/incidents/{number}", change)
        assert answer.status_int in (400, 403), (change, answer.status, answer.text)
    assert app.read(lambda root: _fields(root["incidents"][number])) == before
    page = b.client.get(f"/incidents/{number}/")
    answer = b.client.post(
        f"/incidents/{number}/@@fields",
        {"csrf_token": b.csrf, "priority": "1", "assignee": "agent", "group": "Network"},
        expect_errors=True,
    )
    assert answer.status_int in (400, 403, 404), answer.status
    assert app.read(lambda root: _fields(root["incidents"][number])) == before
    assert "@@fields" not in page.text


def _fields(incident: Any) -> tuple[Any, ...]:
    return (incident.priority, incident.assignee, incident.group, incident.status)


def test_search_and_csv_exports_show_an_employee_only_their_own(sessions):
    a, b = sessions["A"], sessions["B"]
    number = _report(b, "Zebracorn salary question")
    own = _report(a, "Zebracorn printer question")
    found = a.client.get("/api/v1/incidents", {"q": "Zebracorn"}).json
    assert [item["number"] for item in found["items"]] == [own]
    page = a.client.get("/incidents/", {"q": "Zebracorn"}, expect_errors=True)
    assert number not in page.text
    for path in ("/api/v1/incidents.csv", "/incidents/export.csv", "/api/v1/requests.csv"):
        answer = a.client.get(path, expect_errors=True)
        assert number not in answer.text and "salary" not in answer.text, path
    # Agents find it (the search works at all).
    staff = sessions["X"].client.get("/api/v1/incidents", {"q": "Zebracorn"}).json
    assert number in [item["number"] for item in staff["items"]]


def test_someone_elses_attachment_looks_like_a_missing_one(sessions):
    a, b = sessions["A"], sessions["B"]
    number = _report(b, "Payslip attached")
    b.client.post(
        f"/incidents/{number}/@@reply",
        {"csrf_token": b.csrf, "kind": "reply", "body": "here"},
        upload_files=[("files", "payslip.pdf", PDF, "application/pdf")],
        status=303,
    )
    page = b.client.get(f"/incidents/{number}/").text
    entry = re.search(r"@@attachment\?entry=(\d+)&amp;n=0", page).group(1)
    query = f"@@attachment?entry={entry}&n=0"
    assert b.client.get(f"/incidents/{number}/{query}").body == PDF
    hidden = a.client.get(f"/incidents/{number}/{query}", expect_errors=True)
    missing = a.client.get(f"/incidents/INC-999999/{query}", expect_errors=True)
    assert hidden.status_int == missing.status_int == 404
    assert normalize(hidden.text, number) == normalize(missing.text, "INC-999999")


def test_people_look_up_gives_an_employee_no_one_else(sessions):
    a = sessions["A"]
    found = a.client.get("/api/v1/people", {"q": "employee2"}, expect_errors=True)
    if found.status_int == 200:
        logins = {item["login"] for item in found.json["items"]}
        assert logins <= {"employee", "manager"}, logins
    else:
        assert found.status_int in (403, 404)
    staff = sessions["X"].client.get("/api/v1/people", {"q": "employee2"}).json
    assert "employee2" in {item["login"] for item in staff["items"]}
