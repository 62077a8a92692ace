"""Files on CIs: IT staff attach and delete them (in the history); owners download theirs."""

from __future__ import annotations

from urllib.parse import unquote

from tests.conftest import csrf_of, logged_in


def number_of(app, serial: str) -> str:
    return app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.serial == serial)
    )


def attach(client, number: str, name: str, data: bytes, status=303):
    page = client.get(f"/cmdb/{number}/")
    form = next(f for f in page.forms.values() if f.action.endswith("/attach"))
    return client.post(
        form.action,
        {"csrf_token": form["csrf_token"].value},
        upload_files=[("file", name, data, "application/pdf")],
        status=status,
    )


def test_agent_attaches_lists_and_deletes_files_with_history(app):
    number = number_of(app, "PF-3A1B2C")  # the employee's laptop
    agent = logged_in(app, "agent")
    attach(agent, number, "счёт <1>.pdf", b"%PDF-1.4 invoice")
    page = agent.get(f"/cmdb/{number}/")
    section = page.html.select_one("#attachments")
    link = section.find("a")
    assert link.text == "счёт _1_.pdf"  # cleaned like every attachment name
    download = agent.get(link["href"])
    assert download.body == b"%PDF-1.4 invoice"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert unquote(disposition.split("UTF-8''")[1]) == "счёт _1_.pdf"

    form = next(f for f in page.forms.values() if f.action.endswith("/detach"))
    form.submit(status=303)
    page = agent.get(f"/cmdb/{number}/")
    assert page.html.select_one("#attachments").find("a") is None
    agent.get(link["href"], status=404)
    history = app.read(
        lambda root: [
            (r.action, r.before, r.after)
            for r in root["cmdb"][number].history
            if r.action == "attachment"
        ]
    )
    assert history == [
        ("attachment", None, "счёт _1_.pdf"),
        ("attachment", "счёт _1_.pdf", None),
    ]


def test_files_over_the_limit_are_refused_and_nothing_is_kept(make_app):
    app = make_app(**{"itsm.attachments.max_bytes": "10"})
    number = number_of(app, "PF-3A1B2C")
    agent = logged_in(app, "agent")
    refused = attach(agent, number, "big.pdf", b"x" * 11, status=400)
    assert "Too large: big.pdf" in refused.html.select_one("#action-error").text
    assert app.read(lambda root: root["cmdb"][number].attachments) is None
    page = agent.get(f"/cmdb/{number}/")
    agent.post(f"/cmdb/{number}/attach", {"csrf_token": csrf_of(page)}, status=400)


def test_employees_download_their_own_cis_files_only_and_never_change_them(app):
    mine = number_of(app, "PF-3A1B2C")
    theirs = number_of(app, "C02XYZ123")  # employee2's
    agent = logged_in(app, "agent")
    attach(agent, mine, "warranty.pdf", b"%PDF-1.4 mine")
    attach(agent, theirs, "other.pdf", b"%PDF-1.4 theirs")
    employee = logged_in(app, "employee")
    page = employee.get(f"/cmdb/{mine}/")
    section = page.html.select_one("#attachments")
    assert section.find("a").text == "warranty.pdf"
    assert not [f for f in page.forms.values() if f.action.endswith(("/attach", "/detach"))]
    assert employee.get(section.find("a")["href"]).body == b"%PDF-1.4 mine"
    employee.get(f"/cmdb/{theirs}/attachment", params={"n": "1"}, status=404)
    token = csrf_of(page)
    employee.post(f"/cmdb/{mine}/detach", {"csrf_token": token, "n": "1"}, status=403)
    employee.post(
        f"/cmdb/{mine}/attach",
        {"csrf_token": token},
        upload_files=[("file", "evil.pdf", b"%PDF-1.4 x")],
        status=403,
    )
    names = app.read(lambda root: [a.filename for a in root["cmdb"][mine].attachments.values()])
    assert names == ["warranty.pdf"]
    employee.get(f"/cmdb/{mine}/attachment", params={"n": "99"}, status=404)
    employee.get(f"/cmdb/{mine}/attachment", params={"n": "../1"}, status=404)
