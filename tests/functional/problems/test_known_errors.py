"""Known errors: found from the incident page (a banner with the workaround and "link to this
known error") and the queue, in the API by words, published to the knowledge base (employees
see it in deflection) and withdrawn when the problem is resolved."""

from __future__ import annotations

from typing import Any

from tests.conftest import logged_in
from tests.functional.problems.conftest import ci_number


def _known_error(api: Any, **fields: Any) -> str:
    agent = api("agent")
    body = {
        "title": "VPN drops every few minutes",
        "category": "network",
        "root_cause": "The VPN concentrator's idle timeout is 120 s",
        "workaround": "Turn off power saving for the network adapter, then reconnect.",
        **fields,
    }
    number = agent.raise_problem(**body)["number"]
    agent.move(number, "root_cause")
    return number


def test_matching_incident_shows_the_banner_and_links_with_the_workaround_as_a_draft(
    app: Any, api: Any
) -> None:
    problem = _known_error(api)
    incident = api("employee").report("My VPN drops all the time", category="network")["number"]
    other = api("employee").report("Printer out of toner", category="hardware")["number"]
    agent = logged_in(app, "agent")
    assert f'id="known-error-{problem}"' not in agent.get(f"/incidents/{other}/").text
    page = agent.get(f"/incidents/{incident}/")
    banner = page.html.select_one(f"#known-error-{problem}")
    assert banner is not None and "Turn off power saving" in banner.get_text()
    queue = agent.get("/incidents/", params={"queue": "all"})
    row = next(tr for tr in queue.html.select("tr") if incident in tr.get_text())
    assert row.select_one(".itsm-ke-badge") is not None
    form = next(f for f in page.forms.values() if f.action.endswith("@@known-error"))
    after = form.submit().follow()
    assert after.forms["reply-form"]["body"].value.startswith("Turn off power saving")
    assert f'id="known-error-{problem}"' not in after.text  # it belongs to it now
    assert app.read(lambda root: root["incidents"][incident].problem) == problem
    assert incident in api("agent").problem(problem)["incidents"]
    # Nothing was sent: the draft is the agent's to send.
    replies = app.read(
        lambda root: [e for e in root["incidents"][incident].journal if e.kind == "reply"]
    )
    assert replies == []
    employee = logged_in(app, "employee")
    assert "known-error" not in employee.get(f"/incidents/{incident}/").text


def test_a_shared_ci_matches_whatever_the_title(app: Any, api: Any) -> None:
    vpn = ci_number(app, "VPN")
    problem = _known_error(api, cis=[vpn])
    incident = api("employee").report("Cannot reach the file share", cis=[vpn])["number"]
    page = logged_in(app, "agent").get(f"/incidents/{incident}/")
    assert f'id="known-error-{problem}"' in page.text


def test_known_errors_api_by_words_only_open_ones_with_a_workaround(app: Any, api: Any) -> None:
    problem = _known_error(api)
    api("agent").raise_problem(title="VPN certificate expired")  # no workaround: not known
    agent = api("agent")
    found = agent.get("/api/v1/known-errors", q="vpn drops").json
    assert [k["number"] for k in found["items"]] == [problem]
    assert found["items"][0]["workaround"].startswith("Turn off")
    assert agent.get("/api/v1/known-errors", q="printer").json["total"] == 0
    agent.move(problem, "resolve", resolution="Timeout raised")
    assert agent.get("/api/v1/known-errors", q="vpn").json["total"] == 0


def test_workaround_published_for_employees_and_withdrawn_on_resolution(app: Any, api: Any) -> None:
    problem = _known_error(api)
    agent = api("agent")
    published = agent.post(f"/api/v1/problems/{problem}/publish", {}, status=200).json
    article = published["kb_article"]
    assert article
    employee = api("employee")
    hits = employee.get("/api/v1/kb", q="power saving network adapter").json["items"]
    assert article in [h["number"] for h in hits]
    again = agent.post(f"/api/v1/problems/{problem}/publish", {}, status=200).json
    assert again["kb_article"] == article  # the same article, a new version
    agent.move(problem, "resolve", resolution="Timeout raised")
    hits = employee.get("/api/v1/kb", q="power saving network adapter").json["items"]
    assert article not in [h["number"] for h in hits]
    assert agent.get(f"/api/v1/kb/{article}").json["status"] == "retired"


def test_only_a_known_error_is_published(app: Any, api: Any) -> None:
    number = api("agent").raise_problem(title="Unknown yet")["number"]
    refused = api("agent").post(f"/api/v1/problems/{number}/publish", {}, status=409).json
    assert refused["error"]["code"] == "conflict"
