"""The cluster job on a controlled clock: a set of incidents where the right cluster is known.
It offers the cluster to the problem managers (one mail, through a real SMTP server on
loopback), never raises a problem by itself, offers it once, and forgets old incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from itsm.notify.delivery import deliver_outbox
from itsm.problems.jobs import cluster_job, digest_job
from tests.conftest import logged_in
from tests.functional.problems.conftest import BASE, ci_number, job_context, mails

PROPOSAL = "itsm.problems:templates/mail/proposal.pt"
DIGEST = "itsm.problems:templates/mail/linked_digest.pt"


@pytest.fixture
def app(make_app: Callable[..., Any], smtp_server: Any) -> Any:
    return make_app(**smtp_server.settings_overrides())


def _report_set(app: Any, api: Any) -> dict[str, list[str]]:
    """Five VPN drops (one cluster by title), three on the mail server (below the minimum of
    five), and unrelated noise."""
    employee = api("employee")
    vpn_titles = (
        "VPN drops every few minutes",
        "VPN connection drops",
        "vpn keeps dropping",
        "The VPN dropped again",
        "VPN drops at home",
    )
    vpn = [employee.report(t, category="network")["number"] for t in vpn_titles]
    mail_ci = ci_number(app, "mail01")
    mail = [
        employee.report(t, category="email", cis=[mail_ci])["number"]
        for t in ("Mail is slow", "Cannot send", "Outlook hangs")
    ]
    noise = [
        employee.report("Printer out of toner", category="hardware")["number"],
        employee.report("VPN certificate question", category="access")["number"],
    ]
    return {"vpn": vpn, "mail": mail, "noise": noise}


def _created(app: Any, number: str) -> datetime:
    return app.read(lambda root: root["incidents"][number].created)


def test_the_job_offers_the_known_cluster_once_to_the_problem_managers(
    app: Any, api: Any, smtp_server: Any
) -> None:
    reported = _report_set(app, api)
    now = _created(app, reported["noise"][-1]) + timedelta(minutes=5)
    assert cluster_job(job_context(app, now)) == "1 proposal(s)"
    proposals = api("agent").get(f"{BASE}/proposals").json["items"]
    assert len(proposals) == 1
    assert sorted(proposals[0]["incidents"]) == sorted(reported["vpn"])
    assert proposals[0]["basis"] == "category"
    assert api("agent").get(BASE).json["total"] == 0  # never a problem by itself
    # Running again (a retried or overlapping run) offers nothing new.
    assert cluster_job(job_context(app, now + timedelta(minutes=15))) is None
    sent = [m for m in mails(app) if m[1] == PROPOSAL]
    # The problem managers: members of Service Desk (itsm.roles.problem_manager in test.ini).
    assert sorted(m[0] for m in sent) == ["admin@example.com", "agent@example.com"]
    queued = len(mails(app))  # the incidents' own mails too
    deliver_outbox(job_context(app, now + timedelta(minutes=16)))
    received = smtp_server.wait_for(queued)
    (offer, _second) = [r for r in received if "Possible problems" in r.message["Subject"]]
    text = offer.message.get_body(("plain",)).get_content()
    assert all(n in text for n in reported["vpn"]), text
    assert reported["noise"][0] not in text


def test_a_sixth_similar_incident_joins_the_open_proposal_without_a_new_mail(
    app: Any, api: Any
) -> None:
    reported = _report_set(app, api)
    now = _created(app, reported["noise"][-1]) + timedelta(minutes=5)
    cluster_job(job_context(app, now))
    sixth = api("employee").report("VPN drops in the office", category="network")["number"]
    assert cluster_job(job_context(app, now + timedelta(minutes=30))) == "1 proposal(s)"
    (proposal,) = api("agent").get(f"{BASE}/proposals").json["items"]
    assert sixth in proposal["incidents"]
    assert len([m for m in mails(app) if m[1] == PROPOSAL]) == 2  # one each, the first time


def test_incidents_older_than_the_window_make_no_cluster(app: Any, api: Any) -> None:
    reported = _report_set(app, api)
    later = _created(app, reported["noise"][-1]) + timedelta(days=7, hours=1)
    assert cluster_job(job_context(app, later)) is None
    assert api("agent").get(f"{BASE}/proposals").json["items"] == []


def test_a_lower_minimum_also_finds_the_ci_cluster(make_app: Any, api: Any) -> None:
    app = make_app(**{"itsm.problems.cluster_min": "3"})
    from tests.functional.problems.conftest import ProblemClient

    reported = _report_set(app, lambda login: ProblemClient(app, login))
    now = _created(app, reported["noise"][-1]) + timedelta(minutes=5)
    assert cluster_job(job_context(app, now)) == "2 proposal(s)"
    bases = app.read(
        lambda root: sorted(p.basis for p in root["settings"]["problems"].proposals.values())
    )
    assert bases == ["category", "ci"]


def test_raising_from_the_proposal_links_its_incidents_and_closes_it(app: Any, api: Any) -> None:
    reported = _report_set(app, api)
    now = _created(app, reported["noise"][-1]) + timedelta(minutes=5)
    cluster_job(job_context(app, now))
    agent = logged_in(app, "agent")
    listing = agent.get("/problems/")
    assert 'id="proposals"' in listing.text
    form = next(f for f in listing.forms.values() if f.action.endswith("/problems/proposal"))
    detail = form.submit("decision", value="accept").follow()
    assert "PRB-000001" in detail.text
    linked = app.read(lambda root: root["problems"]["PRB-000001"].incidents)
    assert sorted(linked) == sorted(reported["vpn"])
    assert 'id="proposals"' not in agent.get("/problems/").text
    # Its incidents now belong to a problem: no new proposal for them.
    assert cluster_job(job_context(app, now + timedelta(hours=1))) is None


def test_the_assignee_gets_one_digest_of_newly_linked_incidents(app: Any, api: Any) -> None:
    agent = api("agent")
    number = agent.raise_problem(title="Slow logins", assignee="agent2")["number"]
    incidents = [api("employee").report(f"Slow login {n}")["number"] for n in range(3)]
    for incident in incidents:
        agent.post(f"{BASE}/{number}/incidents", {"incidents": [incident]}, status=200)
    now = _created(app, incidents[-1]) + timedelta(minutes=15)
    assert digest_job(job_context(app, now)) == "1 digest(s)"
    assert digest_job(job_context(app, now + timedelta(minutes=15))) is None
    sent = [m for m in mails(app) if m[1] == DIGEST]
    assert [(m[0], number in m[2]) for m in sent] == [("agent2@example.com", True)]
