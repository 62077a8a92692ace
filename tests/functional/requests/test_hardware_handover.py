"""Items that deliver hardware hand the delivered CI to the requester when the delivery task
is done (owner, status deployed, history), and the request links it."""

from __future__ import annotations

from tests.conftest import logged_in


def _spare_laptop(app) -> str:
    return app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.serial == "PF-9Z8Y7X")
    )


def _deliver_task(api) -> tuple[str, str]:
    number = api("employee").order("new-laptop")["number"]
    api("manager").decide(f"{number}-1", "approve")
    prepare, deliver = api("agent").tasks(number)
    assert deliver["delivers"] == "Laptop"
    api("agent").work(prepare["id"], "done")
    return number, deliver["id"]


def test_done_with_a_ci_hands_it_over_through_the_api(app, api):
    spare = _spare_laptop(app)
    number, deliver = _deliver_task(api)
    done = api("agent").post(
        f"/api/v1/tasks/{deliver}/transitions", {"name": "done", "ci": spare}, status=200
    )
    assert done.json["ci"] == spare
    request = api("employee").request(number)
    assert request["status"] == "resolved" and request["delivered"] == [spare]
    ci = api("agent").get(f"/api/v1/cis/{spare}").json
    assert ci["owner"] == "employee" and ci["status"] == "deployed"
    history = app.read(
        lambda root: [(h.action, h.field, h.after) for h in root["cmdb"][spare].history]
    )
    assert ("owner", "owner", "employee") in history
    assert ("request", "request", number) in history
    notes = app.read(lambda root: [h.action for h in root["requests"][number].history])
    assert "delivered" in notes


def test_wrong_or_unavailable_ci_is_refused_and_nothing_changes(app, api):
    number, deliver = _deliver_task(api)
    agent = api("agent")
    owned = app.read(
        lambda root: next(
            ci.number
            for ci in root["cmdb"].values()
            if ci.owner == "employee2" and ci.ci_class == "Laptop"
        )
    )
    phone = app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.ci_class == "Phone")
    )
    path = f"/api/v1/tasks/{deliver}/transitions"
    missing = agent.post(path, {"name": "done", "ci": "CI-999999"}, status=400).json["error"]
    assert missing["fields"]["ci"] == "No configuration item CI-999999."
    wrong = agent.post(path, {"name": "done", "ci": phone}, status=400).json["error"]
    assert wrong["message"] == f"{phone} is a Phone, not a Laptop."
    taken = agent.post(path, {"name": "done", "ci": owned}, status=400).json["error"]
    assert taken["message"] == f"{owned} is not in stock."
    assert agent.get(f"/api/v1/tasks/{deliver}").json["status"] == "open"
    assert api("employee").request(number)["status"] == "in_fulfilment"
    assert agent.get(f"/api/v1/cis/{owned}").json["owner"] == "employee2"
    # A task that delivers nothing takes no CI.
    other = api("employee").order("software-install")["number"]
    install = agent.tasks(other)[0]["id"]
    agent.post(f"/api/v1/tasks/{install}/transitions", {"name": "done", "ci": phone}, status=400)


def test_delivery_from_the_request_page_offers_stock_and_links_the_ci(app, api):
    spare = _spare_laptop(app)
    number, deliver = _deliver_task(api)
    agent = logged_in(app, "agent")
    page = agent.get(f"/requests/{number}")
    stock = page.html.find(id=f"stock-{deliver}")
    assert spare in [o["value"] for o in stock.find_all("option")]
    form = page.forms[f"work-{deliver}"]
    form["ci"] = spare
    page = form.submit("name", value="done").follow()
    link = page.html.find(id="request-delivered").find("a")
    assert link.text.startswith(spare) and link["href"].endswith(f"/cmdb/{spare}/")
    employee_page = logged_in(app, "employee").get(f"/requests/{number}")
    assert spare in employee_page.html.find(id="request-delivered").text
