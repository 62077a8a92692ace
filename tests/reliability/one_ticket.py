"""R3: 16 threads change one ticket at once over HTTP on a real ``pserve`` (waitress):
journal appends, distinct fields, the same field. No entry may be lost, every change must be
in the history, no 500; at least 99 % succeed within ``retry.attempts = 5``; p99 < 1 s."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import Desk, Timings, copy_demo, make_tokens, request, run_clients

LEVELS = ("low", "medium", "high")
#: What each thread of the "distinct fields" round writes (thread index modulo this).
DISTINCT = ("title", "impact", "urgency")


@dataclass
class Contention:
    """What the three rounds saw, and what the ticket kept."""

    timings: dict[str, Timings] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    succeeded: int = 0
    conflicts: int = 0

    @property
    def success_share(self) -> float:
        return self.succeeded / self.requests if self.requests else 0.0

    def p99(self) -> float:
        return max((t.p(99) for t in self.timings.values()), default=0.0)

    @property
    def server_errors(self) -> int:
        return sum(
            n for t in self.timings.values() for status, n in t.statuses.items() if status >= 500
        )


def contend(template: Path, directory: Path, threads: int = 16, per_thread: int = 5) -> Contention:
    """The three rounds on one incident; checks journal and history afterwards."""
    copy_demo(template, directory)
    tokens = make_tokens(directory, ("employee", "agent"))
    agent = tokens["agent"]
    desk = Desk(directory)
    desk.start()
    result = Contention()
    try:
        status, incident = request(
            desk.port,
            "POST",
            "/api/v1/incidents",
            {"title": "Shared ticket", "description": "", "impact": "low", "urgency": "low"},
            tokens["employee"],
        )
        assert status == 201, incident
        path = f"/api/v1/incidents/{incident['number']}"
        notes: set[str] = set()
        written: dict[str, list[str]] = {name: [] for name in DISTINCT}

        def timed(round_name: str, method: str, url: str, body: dict) -> int:
            timings = result.timings.setdefault(round_name, Timings())
            started = time.perf_counter()
            try:
                status, answer = request(desk.port, method, url, body, agent, 60)
            except OSError as exc:
                timings.fail(f"{type(exc).__name__}: {exc}")
                return 0
            timings.record(time.perf_counter() - started, status)
            if status >= 400:
                timings.fail(f"{status}: {str(answer)[:200]}")
            return status

        def journal(index: int) -> None:
            for n in range(per_thread):
                text = f"note {index}-{n} {uuid.uuid4().hex}"
                note = {"kind": "note", "body": text}
                if timed("journal appends", "POST", path + "/journal", note) == 201:
                    with result.timings["journal appends"].lock:
                        notes.add(text)

        def fields(round_name: str, choose: tuple[str, ...]) -> None:
            def body(index: int) -> None:
                name = choose[index % len(choose)]
                for n in range(per_thread):
                    value = (
                        f"Title {index}-{n} {uuid.uuid4().hex[:6]}"
                        if name == "title"
                        else LEVELS[(index + n) % len(LEVELS)]
                    )
                    if timed(round_name, "PATCH", path, {name: value}) == 200:
                        with result.timings[round_name].lock:
                            written[name].append(value)

            run_clients(threads, body)

        run_clients(threads, journal)
        fields("distinct fields", DISTINCT)
        fields("same field", ("title",))

        status, entries = request(desk.port, "GET", path + "/journal", None, agent)
        kept = {entry["body"] for entry in entries["items"]}
        if missing := notes - kept:
            result.problems.append(f"{len(missing)} acknowledged journal entries missing")
        status, history = request(desk.port, "GET", path + "/history", None, agent)
        result.problems += check_history(history["items"], written)
        status, final = request(desk.port, "GET", path, None, agent)
        for name in DISTINCT:
            changes = [r for r in history["items"] if r["field"] == name]
            if changes and final[name] != changes[-1]["after"]:
                result.problems.append(f"{name} is {final[name]!r}, its history ends elsewhere")
    finally:
        desk.stop()
    for timings in result.timings.values():
        result.requests += sum(timings.statuses.values()) + sum(
            1 for e in timings.errors if not e[:3].isdigit()
        )
        result.succeeded += sum(n for s, n in timings.statuses.items() if s in (200, 201))
    result.conflicts = desk.conflicts()
    return result


def check_history(records: list[dict], written: dict[str, list[str]]) -> list[str]:
    """Every acknowledged title in the history once; each field's records a chain (each change
    starts where the one before ended): no update was lost or overwritten unseen."""
    problems: list[str] = []
    titles = [r["after"] for r in records if r["field"] == "title"]
    for value in written["title"]:
        if titles.count(value) != 1:
            problems.append(f"title {value!r} is {titles.count(value)} times in the history")
    for name in DISTINCT:
        chain = [r for r in records if r["field"] == name]
        for before, after in zip(chain, chain[1:], strict=False):
            if after["before"] != before["after"]:
                problems.append(
                    f"{name}: a change from {after['before']!r} follows one to "
                    f"{before['after']!r} (an update was lost)"
                )
    return problems
