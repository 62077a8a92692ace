"""Software install takes a free licence seat from the CMDB when fulfilment starts."""

from __future__ import annotations


def _licence(api, name: str, seats: int) -> str:
    body = {
        "class": "Software licence",
        "name": name,
        "status": "deployed",
        "fields": {"seats": seats},
    }
    return api("admin").post("/api/v1/cis", body, status=201).json["number"]


def _laptop_of(app, login: str) -> str:
    return app.read(
        lambda root: next(
            ci.number
            for ci in root["cmdb"].values()
            if ci.owner == login and ci.ci_class == "Laptop"
        )
    )


def _outgoing(app, number: str) -> list[tuple[str, str]]:
    return app.read(lambda root: list(root["cmdb"][number].outgoing))


def test_a_free_licence_is_licensed_to_the_requesters_computer(app, api):
    licence = _licence(api, "Inkscape Pro licences", 2)
    laptop = _laptop_of(app, "employee")
    number = api("employee").order("software-install")["number"]
    request = api("employee").request(number)
    assert request["licences"] == [licence]
    assert _outgoing(app, licence) == [("licensed_to", laptop)]
    task = api("agent").tasks(number)[0]
    assert task["licence"] == licence
    assert (
        f"Licence {licence} (Inkscape Pro licences) taken for Inkscape" in task["notes"][0]["body"]
    )
    history = app.read(lambda root: [h.note for h in root["requests"][number].history])
    assert any(licence in note and "taken" in note for note in history)
    page = api("agent").client.get(f"/requests/{number}", headers=api("agent").headers)
    assert licence in page.html.find(id="request-licences").text


def test_no_free_seat_notes_the_task_and_does_not_block(app, api):
    licence = _licence(api, "Inkscape licences", 1)
    first = api("employee").order("software-install")["number"]
    second = api("employee2").order("software-install")["number"]
    assert api("employee").request(first)["licences"] == [licence]
    assert api("employee2").request(second)["licences"] == []
    task = api("agent").tasks(second)[0]
    assert task["notes"][0]["body"] == "No free licence for Inkscape."
    assert task["status"] == "open"
    api("agent").work(task["id"], "done")
    assert api("employee2").request(second)["status"] == "resolved"
    assert len(_outgoing(app, licence)) == 1


def test_a_licence_for_other_software_is_not_taken(app, api):
    other = _licence(api, "Photoshop licences", 5)
    number = api("employee").order("software-install")["number"]
    assert api("employee").request(number)["licences"] == []
    assert _outgoing(app, other) == []


def test_cancelling_the_request_gives_the_seat_back(app, api):
    licence = _licence(api, "Inkscape licences", 1)
    number = api("employee").order("software-install")["number"]
    assert len(_outgoing(app, licence)) == 1
    api("employee").post(
        f"/api/v1/requests/{number}/transitions",
        {"name": "cancel", "reason": "Not needed"},
        status=200,
    )
    assert _outgoing(app, licence) == []
    second = api("employee2").order("software-install")["number"]
    assert api("employee2").request(second)["licences"] == [licence]


def test_the_demo_office_licence_is_taken_for_an_office_install(app, api):
    office = app.read(
        lambda root: next(
            ci.number for ci in root["cmdb"].values() if ci.name.startswith("Microsoft Office")
        )
    )
    number = api("employee").order("software-install", {"software": "Microsoft Office"})["number"]
    assert api("employee").request(number)["licences"] == [office]
