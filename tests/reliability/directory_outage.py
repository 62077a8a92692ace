"""R10: the directory (a real slapd) is killed, then hung with SIGSTOP, under a real ``pserve``
(waitress, 4 threads). Logging in says "directory unavailable" (503; the API answers 503 JSON)
within 5 s; people already logged in keep working; no thread stays stuck (more hung logins
than threads, then every page answers at once); after the directory returns the desk recovers
by itself within 30 s, no restart."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.harness import Browser, Desk, make_tokens, request

UNAVAILABLE = "The directory is unavailable, try again shortly."
#: Seconds within which a request must say the directory is unavailable (RELIABILITY R10).
ERROR_WITHIN = 5.0


@dataclass
class Outage:
    """Figures of one kind of outage ("killed" or "hung")."""

    login_seconds: float = 0.0
    api_seconds: float = 0.0
    crowd_seconds: float = 0.0  # 12 logins at once on 4 threads
    pages_after_crowd_seconds: float = 0.0
    recovered_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def bootstrap(directory: Path, settings: dict[str, str]) -> None:
    """The tree in a new FileStorage (no demo data: people come from the directory)."""
    from itsm import main
    from itsm.db import get_db
    from tests.reliability.harness import base_settings, file_uri

    raw = {**base_settings(), **settings, "zodbconn.uri": file_uri(directory)}
    directory.mkdir(parents=True, exist_ok=True)
    get_db(main({}, **raw).registry).close()


def kill_slapd(slapd: Any) -> None:
    """``kill -9`` of slapd (the fixture's ``stop()`` is a polite SIGTERM)."""
    os.kill(slapd.process.pid, signal.SIGKILL)
    slapd.process.wait(10)
    slapd.process = None


def outages(directory: Path, slapd: Any, password: str) -> dict[str, Outage]:
    settings = slapd.settings_overrides()
    bootstrap(directory, settings)
    tokens = make_tokens(directory, ("agent",))
    desk = Desk(directory, settings)
    desk.start()
    figures: dict[str, Outage] = {}
    try:
        agent, employee = Browser(desk.port), Browser(desk.port)
        for browser, login in ((agent, "agent"), (employee, "employee")):
            status, page = browser.login(login, password)
            assert status == 200 and "login-form" not in page, (login, status)
        for name, begin, end in (
            ("killed", lambda: kill_slapd(slapd), slapd.start),
            ("hung", slapd.pause, slapd.resume),
        ):
            begin()
            figures[name] = outage(desk, agent, employee, tokens["agent"], password)
            end()
            figures[name].recovered_seconds = recovery(desk, password)
    finally:
        desk.stop()
    return figures


def outage(desk: Desk, agent: Browser, employee: Browser, token: str, password: str) -> Outage:
    result = Outage()
    fresh = Browser(desk.port)
    started = time.monotonic()
    status, page = fresh.login("agent2", password)
    result.login_seconds = time.monotonic() - started
    if status != 503 or UNAVAILABLE not in page:
        result.problems.append(f"login answered {status} without the message: {page[-3000:]}")

    started = time.monotonic()
    status, answer = request(
        desk.port, "POST", "/api/v1/password-reset", {"login": "ivanov"}, None, 30
    )
    result.api_seconds = time.monotonic() - started
    if status != 503 or answer.get("error", {}).get("code") != "unavailable":
        result.problems.append(f"the API answered {status}: {answer}")

    # People logged in before the outage keep working, and so does the API with a token.
    for browser, path in ((agent, "/incidents/?queue=open"), (agent, "/"), (employee, "/")):
        status, page = browser.open(path)
        if status != 200 or "login-form" in page:
            result.problems.append(f"{path} answered {status} to a logged-in person")
    status, _ = request(desk.port, "GET", "/api/v1/incidents", None, token)
    if status != 200:
        result.problems.append(f"the API with a token answered {status}")

    # Three times as many logins as waitress has threads, at once: each waits for the
    # directory's timeout at most, and none keeps its thread.
    statuses: list[int] = []
    lock = threading.Lock()

    def log_in() -> None:
        status, _page = Browser(desk.port).login("manager", password)
        with lock:
            statuses.append(status)

    crowd = [threading.Thread(target=log_in) for _ in range(12)]
    started = time.monotonic()
    for thread in crowd:
        thread.start()
    for thread in crowd:
        thread.join(120)
    result.crowd_seconds = time.monotonic() - started
    if set(statuses) != {503} or len(statuses) != 12:
        result.problems.append(f"the crowd of logins got {sorted(statuses)}")
    # A logged-in agent's pages and a change of theirs answer at once (/healthz is left out:
    # it asks the directory by design).
    started = time.monotonic()
    for path in ("/incidents/?queue=open", "/incidents/"):
        if agent.open(path)[0] != 200:
            result.problems.append(f"{path} failed after the crowd")
    body = {"title": "During the outage", "description": "", "impact": "low", "urgency": "low"}
    if request(desk.port, "POST", "/api/v1/incidents", body, token)[0] != 201:
        result.problems.append("a change by a logged-in agent failed during the outage")
    result.pages_after_crowd_seconds = time.monotonic() - started
    return result


def recovery(desk: Desk, password: str, limit: float = 60) -> float:
    """Seconds until a new login works again (the desk is not restarted)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        status, page = Browser(desk.port).login("agent2", password)
        if status == 200 and "login-form" not in page:
            return time.monotonic() - started
        time.sleep(0.2)
    return float("inf")
