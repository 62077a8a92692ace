"""Numbers stay unique under concurrent creation; reading pages never commits."""

from __future__ import annotations

import threading

from tests.conftest import logged_in


def test_incident_numbers_are_unique_when_8_threads_create_at_once(app, api):
    clients = [api(login) for login in ("employee", "employee2")]
    per_thread, threads = 4, 8
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def create(index: int) -> None:
        client = clients[index % 2]
        try:
            start.wait()
            for n in range(per_thread):
                body = client.report(f"Concurrent {index}-{n}")
                with lock:
                    numbers.append(body["number"])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=create, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    assert len(numbers) == per_thread * threads
    assert len(set(numbers)) == len(numbers)
    stored = app.read(lambda root: sorted(root["incidents"].keys()))
    assert sorted(numbers) == stored
    assert app.read(lambda root: len(root["incidents"])) == len(numbers)


def test_reading_pages_and_the_api_never_commits(app, api):
    employee_api, agent_api = api("employee"), api("agent")
    number = employee_api.report("Monitor flickers")["number"]
    agent_api.post(f"/api/v1/incidents/{number}/journal", {"kind": "note", "body": "n"}, status=201)
    employee = logged_in(app, "employee")
    agent = logged_in(app, "agent")
    before = app.db.lastTransaction()
    for _round in range(3):
        for client, paths in (
            (employee, ["/", "/incidents/", f"/incidents/{number}/", "/people/employee/"]),
            (agent, ["/", "/incidents/?queue=open", f"/incidents/{number}/", "/people/"]),
        ):
            for path in paths:
                client.get(path, status=200)
        employee_api.get("/api/v1/incidents")
        agent_api.get(f"/api/v1/incidents/{number}")
        agent_api.get(f"/api/v1/incidents/{number}/journal")
        agent_api.get(f"/api/v1/incidents/{number}/history")
        agent_api.get("/api/v1/me")
        app.client().get("/healthz")
    assert app.db.lastTransaction() == before
