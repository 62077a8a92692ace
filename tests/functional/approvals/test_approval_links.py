"""Approving from the mail: a single-use signed link that works without logging in."""

from __future__ import annotations

from tests.conftest import logged_in
from tests.functional.requests.conftest import LINK_RE, mails


def _link_for(app, number: str, to: str) -> str:
    texts = [t for addr, _k, _s, t in mails(app, number) if addr == to]
    links = [m.group(1) for t in texts for m in LINK_RE.finditer(t)]
    assert len(links) == 1, texts
    return links[0]


def test_mail_link_approves_once_without_login(app, api):
    number = api("employee").order("new-laptop")["number"]
    link = _link_for(app, number, "manager@example.com")
    anonymous = app.client()
    before = app.db.lastTransaction()
    page = anonymous.get(link)
    assert app.db.lastTransaction() == before  # opening the link decides nothing
    assert number in page.text
    form = page.forms["link-form"]
    done = form.submit("decision", value="approve")
    assert "link-done" in done.text
    assert api("employee").request(number)["status"] == "in_fulfilment"
    step = api("employee").request(number)["approval"]["steps"][0]
    assert step["decisions"][0]["login"] == "manager"
    # Used once: neither the page nor a replayed POST works again.
    app.client().get(link, status=403)
    token = link.split("token=")[1]
    replay = app.client().post(link.split("?")[0], {"token": token, "decision": "reject",
                                                    "reason": "x"}, status=403)  # fmt: skip
    assert "link-error" in replay.text


def test_guessed_or_foreign_token_fails(app, api):
    number = api("employee").order("vpn-access")["number"]
    base = f"/approvals/{number}-1/mail"
    app.client().get(base + "?token=" + "A" * 43, status=403)
    app.client().get(base, status=403)
    app.client().post(base, {"token": "guess", "decision": "approve"}, status=403)
    app.client().get(f"/approvals/{number}-7/mail?token=x", status=403)
    assert api("employee").request(number)["status"] == "awaiting_approval"


def test_mail_link_rejection_needs_a_reason_and_keeps_the_link_usable(app, api):
    number = api("employee").order("new-phone")["number"]
    link = _link_for(app, number, "manager@example.com")
    page = app.client().get(link)
    refused = page.forms["link-form"].submit("decision", value="reject", status=400)
    assert "link-error" in refused.text
    form = refused.forms["link-form"]
    form["reason"] = "Use the pool phone"
    form.submit("decision", value="reject")
    assert api("employee").request(number)["status"] == "rejected"


def test_token_is_stored_hashed(app, api):
    number = api("employee").order("new-laptop")["number"]
    token = _link_for(app, number, "manager@example.com").split("token=")[1]
    assert len(token) >= 43  # 32 random bytes, URL-safe: 256 bits
    stored = app.read(lambda root: list(root["requests"][number].approval.steps[0].tokens.keys()))
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_waiting_for_me_page_approves_and_rejects(app, api):
    laptop = api("employee").order("new-laptop")["number"]
    vpn = api("employee2").order("vpn-access")["number"]
    manager = logged_in(app, "manager")
    before = app.db.lastTransaction()
    page = manager.get("/approvals/")
    assert app.db.lastTransaction() == before
    assert f"approval-{laptop}-1" in page.text and f"approval-{vpn}-1" in page.text
    page.forms[f"decide-{laptop}-1"].submit("decision", value="approve").follow()
    page = manager.get("/approvals/")
    form = page.forms[f"decide-{vpn}-1"]
    form.submit("decision", value="reject").follow()  # no reason: refused
    assert api("employee2").request(vpn)["status"] == "awaiting_approval"
    form["reason"] = "Not now"
    form.submit("decision", value="reject").follow()
    assert api("employee").request(laptop)["status"] == "in_fulfilment"
    assert api("employee2").request(vpn)["status"] == "rejected"
    assert "approval-" not in manager.get("/approvals/").text


def test_employee_page_shows_nothing_waiting_and_cannot_decide(app, api):
    number = api("employee").order("new-laptop")["number"]
    employee = logged_in(app, "employee")
    page = employee.get("/approvals/")
    assert f"approval-{number}-1" not in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    employee.post(
        f"/approvals/{number}-1/decide",
        {"csrf_token": token, "decision": "approve"},
        status=404,
    )


def test_home_page_lists_approvals_waiting_for_the_manager(app, api):
    number = api("employee").order("new-laptop")["number"]
    home = logged_in(app, "manager").get("/")
    assert 'id="portal-waiting"' in home.text
    assert f'data-waiting="{number}"' in home.text
