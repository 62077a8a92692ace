"""Satisfaction: asked on resolve, in the portal and by a single-use link that needs no login."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import csrf_of, logged_in
from tests.functional.incidents.conftest import ApiClient

SURVEY_RE = re.compile(r"http://localhost/survey\?token=([A-Za-z0-9_\-]+)")
INVALID = "This survey link is not valid any more."


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client


def resolved_incident(api: Any, title: str = "Excel crashes") -> str:
    number = api("employee").report(title)["number"]
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="Reinstalled")
    return number


def resolution_mails(app: Any, number: str) -> list[Any]:
    def read(root: Any) -> list[tuple]:
        return [
            (m.to, m.text, m.html)
            for m in root.outbox
            if m.ticket == number and "resolved" in m.subject.lower()
        ]

    return app.read(read)


def survey_token(app: Any, number: str) -> str:
    (to, text, html) = next(
        m for m in resolution_mails(app, number) if m[0] == ("employee@example.com",)
    )
    match = SURVEY_RE.search(text)
    assert match, text
    assert match.group(0) in html
    return match.group(1)


def test_the_resolution_mail_carries_a_survey_link_for_the_requester_only(app, api):
    number = api("employee").report("Excel crashes")["number"]
    app.write(lambda root: setattr(root["incidents"][number], "watchers", ("employee2",)))
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="Reinstalled")
    mails = resolution_mails(app, number)
    by_recipient = {m[0][0]: m for m in mails}
    assert SURVEY_RE.search(by_recipient["employee@example.com"][1])
    assert not SURVEY_RE.search(by_recipient["employee2@example.com"][1])
    token = survey_token(app, number)
    assert len(token) >= 43  # 32 random bytes: 256 bits
    # Only the hash is stored.
    stored = app.read(lambda root: list(root.surveys.keys()))
    assert token not in stored and len(stored) == 1


def test_the_link_works_without_login_exactly_once(app, api):
    number = resolved_incident(api)
    token = survey_token(app, number)
    anonymous = app.client()
    before = app.db.lastTransaction()
    page = anonymous.get(f"/survey?token={token}")
    assert number in page.text and 'id="survey-form"' in page.text
    assert app.db.lastTransaction() == before  # reading the survey commits nothing
    form = page.forms["survey-form"]
    form["score"] = "4"
    form["comment"] = "Quick, thanks"
    done = form.submit()
    assert "Thank you for your answer." in done.text
    score, comment, _at = app.read(lambda root: root["incidents"][number].satisfaction)
    assert (score, comment) == (4, "Quick, thanks")
    # Indexed for the reports.
    docids = app.read(lambda root: list(root.catalog["satisfaction"].applyEq(4)))
    assert app.read(lambda root: root["incidents"][number].docid) in docids
    # The second time, in the page and in the API, the link is refused.
    again = anonymous.get(f"/survey?token={token}", status=404)
    assert INVALID in again.text
    second = anonymous.post(f"/survey?token={token}", {"token": token, "score": "1"}, status=404)
    assert INVALID in second.text
    api_again = anonymous.post_json("/api/v1/surveys", {"token": token, "score": 2}, status=404)
    assert INVALID in api_again.json["error"]["message"]
    assert app.read(lambda root: root["incidents"][number].satisfaction[0]) == 4


def test_a_guessed_token_fails_with_the_same_message_as_a_used_one(app, api):
    number = resolved_incident(api)
    token = survey_token(app, number)
    anonymous = app.client()
    anonymous.post_json("/api/v1/surveys", {"token": token, "score": 5}, status=201)
    used = anonymous.post_json("/api/v1/surveys", {"token": token, "score": 5}, status=404)
    guessed = anonymous.post_json(
        "/api/v1/surveys", {"token": "A" * len(token), "score": 5}, status=404
    )
    assert used.json == guessed.json
    used_page = anonymous.get(f"/survey?token={token}", status=404)
    guessed_page = anonymous.get("/survey?token=nope", status=404)
    assert INVALID in used_page.text and INVALID in guessed_page.text
    assert number not in guessed_page.text and number not in used_page.text


@pytest.mark.parametrize("score", ["0", "6", "x", ""])
def test_the_score_must_be_1_to_5_and_a_bad_one_keeps_the_link(app, api, score):
    number = resolved_incident(api)
    token = survey_token(app, number)
    anonymous = app.client()
    refused = anonymous.post(f"/survey?token={token}", {"token": token, "score": score}, status=400)
    assert "Choose a score from 1 to 5." in refused.text
    assert app.read(lambda root: root["incidents"][number].satisfaction) is None
    anonymous.post(f"/survey?token={token}", {"token": token, "score": "3"}, status=200)
    assert app.read(lambda root: root["incidents"][number].satisfaction[0]) == 3


def test_api_survey_validates_the_score(app, api):
    number = resolved_incident(api)
    token = survey_token(app, number)
    anonymous = app.client()
    for score in (0, 6, "5"):
        body = anonymous.post_json(
            "/api/v1/surveys", {"token": token, "score": score}, status=400
        ).json
        assert "score" in body["error"]["fields"]
    anonymous.post_json("/api/v1/surveys", {"token": token, "score": 5}, status=201)


def test_requester_rates_in_the_portal_once_and_the_link_is_then_spent(app, api):
    number = resolved_incident(api)
    token = survey_token(app, number)
    employee = logged_in(app, "employee")
    home = employee.get("/")
    assert f"/incidents/{number}/@@satisfaction" in home.text
    page = employee.get(f"/incidents/{number}/@@satisfaction")
    form = page.forms["survey-form"]
    form["score"] = "2"
    form["comment"] = "Took long"
    assert form.submit(status=303).location.endswith(f"/incidents/{number}/")
    assert app.read(lambda root: root["incidents"][number].satisfaction[:2]) == (2, "Took long")
    assert f"/incidents/{number}/@@satisfaction" not in employee.get("/").text
    app.client().get(f"/survey?token={token}", status=404)
    # Posting again in the portal is refused.
    employee.post(
        f"/incidents/{number}/@@satisfaction",
        {"score": "5", "csrf_token": csrf_of(home)},
        status=409,
    )


def test_the_portal_form_needs_a_csrf_token(app, api):
    number = resolved_incident(api)
    employee = logged_in(app, "employee")
    employee.post(f"/incidents/{number}/@@satisfaction", {"score": "5"}, status=400)
    assert app.read(lambda root: root["incidents"][number].satisfaction) is None


def test_only_the_requester_may_rate(app, api):
    number = resolved_incident(api)
    api("agent").post(f"/api/v1/incidents/{number}/satisfaction", {"score": 5}, status=403)
    api("employee2").post(f"/api/v1/incidents/{number}/satisfaction", {"score": 5}, status=404)
    other = logged_in(app, "employee2")
    other.get(f"/incidents/{number}/@@satisfaction", status=404)


def test_api_rating_once_and_only_when_resolved(app, api):
    employee = api("employee")
    number = employee.report("Mouse broken")["number"]
    early = employee.post(f"/api/v1/incidents/{number}/satisfaction", {"score": 5}, status=409)
    assert early.json["error"]["code"] == "conflict"
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="New mouse")
    employee.post(f"/api/v1/incidents/{number}/satisfaction", {"score": 7}, status=400)
    rated = employee.post(
        f"/api/v1/incidents/{number}/satisfaction", {"score": 5, "comment": "Great"}, status=201
    ).json
    assert rated["score"] == 5 and rated["comment"] == "Great" and rated["number"] == number
    employee.post(f"/api/v1/incidents/{number}/satisfaction", {"score": 1}, status=409)
    # Closing keeps the score.
    employee.fire(number, "close")
    assert app.read(lambda root: root["incidents"][number].satisfaction[0]) == 5


def test_the_rating_can_be_read_by_the_requester_and_it_staff(app, api):
    number = resolved_incident(api)
    api("agent").get(f"/api/v1/incidents/{number}/satisfaction", status=404)
    api("employee").post(f"/api/v1/incidents/{number}/satisfaction", {"score": 4}, status=201)
    for login in ("employee", "agent"):
        assert api(login).get(f"/api/v1/incidents/{number}/satisfaction").json["score"] == 4
    api("employee2").get(f"/api/v1/incidents/{number}/satisfaction", status=404)


def test_an_expired_link_fails_with_the_same_message(app, api):
    from datetime import timedelta

    number = resolved_incident(api)
    token = survey_token(app, number)

    def age(root: Any) -> None:
        survey = root["incidents"][number].survey
        survey.created -= timedelta(days=31)

    app.write(age)
    anonymous = app.client()
    assert INVALID in anonymous.get(f"/survey?token={token}", status=404).text
    body = anonymous.post_json("/api/v1/surveys", {"token": token, "score": 4}, status=404).json
    assert INVALID in body["error"]["message"]


def test_rating_is_possible_after_closing(app, api):
    number = resolved_incident(api)
    token = survey_token(app, number)
    api("employee").fire(number, "close")
    app.client().post_json("/api/v1/surveys", {"token": token, "score": 3}, status=201)


def test_a_new_resolution_replaces_the_old_link(app, api):
    number = resolved_incident(api)
    first = survey_token(app, number)
    api("employee").fire(number, "reopen", reason="Still broken")
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="Again")
    tokens = {
        SURVEY_RE.search(m[1]).group(1)
        for m in resolution_mails(app, number)
        if m[0] == ("employee@example.com",)
    }
    assert len(tokens) == 2 and first in tokens
    (second,) = tokens - {first}
    anonymous = app.client()
    anonymous.post_json("/api/v1/surveys", {"token": first, "score": 3}, status=404)
    anonymous.post_json("/api/v1/surveys", {"token": second, "score": 3}, status=201)


def test_the_endpoints_are_in_the_openapi_description(app):
    paths = app.client().get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/surveys"]
    assert "post" in paths["/api/v1/incidents/{number}/satisfaction"]


def test_a_rated_ticket_resolved_again_asks_nothing_and_mails_no_link(app, api):
    number = resolved_incident(api)
    api("employee").post(f"/api/v1/incidents/{number}/satisfaction", {"score": 2}, status=201)
    api("employee").fire(number, "reopen", reason="Still broken")
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="Again")
    mails = [m for m in resolution_mails(app, number) if m[0] == ("employee@example.com",)]
    assert len(mails) == 2
    assert sum(1 for m in mails if SURVEY_RE.search(m[1])) == 1


def test_the_incident_page_asks_the_requester_to_rate_and_then_shows_the_score(app, api):
    number = resolved_incident(api)
    employee = logged_in(app, "employee")
    page = employee.get(f"/incidents/{number}/")
    assert f"/incidents/{number}/@@satisfaction" in page.text
    api("employee").post(f"/api/v1/incidents/{number}/satisfaction", {"score": 4}, status=201)
    page = employee.get(f"/incidents/{number}/")
    assert f"/incidents/{number}/@@satisfaction" not in page.text
    assert "Satisfaction: <span>4</span> / 5" in page.text
    assert api("agent").get(f"/api/v1/incidents/{number}").json["satisfaction"]["score"] == 4
