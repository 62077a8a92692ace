"""R1: API clients create tickets, the server is killed with SIGKILL at a random point and
started again. Every ticket that got a 201 must be there with its number and body, no number
is handed out twice, and ``fstest`` and ``fsrefs`` find the FileStorage clean."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import Desk, copy_demo, make_tokens, request, storage_check

LOGINS = ("employee", "employee2")


@dataclass
class KillRun:
    """What one run saw."""

    acknowledged: dict[str, tuple[str, str]] = field(default_factory=dict)  # number → body
    killed_after: int = 0
    unanswered: int = 0
    server_errors: int = 0
    lost: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    storage_problems: dict[str, str] = field(default_factory=dict)
    restart_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.changed
            or self.reused
            or self.server_errors
            or any(self.storage_problems.values())
        )


def kill_run(
    template: Path, directory: Path, tickets: int = 1000, clients: int = 8, seed: int | None = None
) -> KillRun:
    """One run: ``clients`` threads create up to ``tickets`` incidents through the API of a
    real ``pserve``; it is killed after a random number of 201s, started again and checked."""
    rng = random.Random(seed)
    copy_demo(template, directory)
    tokens = make_tokens(directory, (*LOGINS, "agent"))
    run = KillRun()
    kill_at = rng.randint(max(1, tickets // 10), max(2, tickets * 9 // 10))
    lock = threading.Lock()
    reached = threading.Event()
    desk = Desk(directory)
    desk.start()

    def client(index: int) -> None:
        token = tokens[LOGINS[index % len(LOGINS)]]
        for n in range(index, tickets, clients):
            title = f"R1 {index}-{n} {uuid.uuid4().hex[:8]}"
            body = {
                "title": title,
                "description": f"Body of {title}: {uuid.uuid4().hex}",
                "impact": "low",
                "urgency": "medium",
            }
            try:
                status, answer = request(desk.port, "POST", "/api/v1/incidents", body, token, 30)
            except OSError:
                with lock:
                    run.unanswered += 1
                return  # the server is gone
            with lock:
                if status == 201:
                    run.acknowledged[answer["number"]] = (body["title"], body["description"])
                    if len(run.acknowledged) >= kill_at:
                        reached.set()
                elif status >= 500:
                    run.server_errors += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    reached.wait(600)
    # A random moment within the next few requests, so the kill also lands mid-commit.
    time.sleep(rng.uniform(0, 0.05))
    desk.kill()
    with lock:
        run.killed_after = len(run.acknowledged)
    for thread in threads:
        thread.join(60)
    acknowledged = dict(run.acknowledged)

    run.restart_seconds = desk.start()
    try:
        agent = tokens["agent"]
        for number, (title, description) in acknowledged.items():
            status, answer = request(desk.port, "GET", f"/api/v1/incidents/{number}", None, agent)
            if status != 200:
                run.lost.append(number)
            elif (answer["title"], answer["description"]) != (title, description):
                run.changed.append(number)
        # New tickets after the restart never take a number handed out before the kill.
        highest = max((int(n.split("-")[1]) for n in acknowledged), default=0)
        for n in range(3):
            body = {"title": f"after {n}", "description": "", "impact": "low", "urgency": "low"}
            status, answer = request(
                desk.port, "POST", "/api/v1/incidents", body, tokens[LOGINS[0]]
            )
            assert status == 201, (status, answer)
            number = answer["number"]
            if number in acknowledged or int(number.split("-")[1]) <= highest:
                run.reused.append(number)
    finally:
        desk.stop()
    run.storage_problems = storage_check(directory)
    return run
