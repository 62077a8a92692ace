"""200 open chats on one server process: poll latency, message round trip, memory, beside a
bare Pyramid + ZODB page in the same run.

    .venv/bin/python bench/chat_bench.py [--chats 200] [--seconds 30] [--dir DIR]

The script makes a desk (``bench/load.py``'s INI and demo data, ``--chats`` employees with
API tokens, the SLA calendar open around the clock), starts ``pserve`` (waitress, 4 threads)
and the bare stack of ``bench/http_bench.py``, opens one chat per employee through
``POST /api/v1/chats`` and hands each to the live-chat queue ("talk to a person"). Then, for
``--seconds``, every employee polls their chat every 2 seconds as the portal page does
(``GET /api/v1/chats/{key}?after=N``, one keep-alive connection each), while an agent answers
one chat after another (``POST /api/v1/chats/{key}/messages``); it measures:

- the poll's latency (p50, p99) and the polls answered per second;
- an agent's message: the POST's latency, and the round trip from sending until the
  employee's poll has it (this includes up to one poll interval);
- the employee's message answered by the virtual agent (a fresh chat per message: the POST
  that runs the knowledge base search);
- the server's resident memory before the chats and at the end;
- the bare page polled the same way by as many clients, for the ceiling of the machine.

Only 127.0.0.1 is contacted. It takes about ``2 * seconds`` plus a minute of set-up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_bench import (  # noqa: E402 - after the path
    BARE_APP,
    PSERVE,
    PYTHON,
    build_bare,
    ini_port,
    wait_for_port,
)
from incidents_bench import free_port, rss_mib  # noqa: E402
from load import add_people, write_ini  # noqa: E402

POLL_SECONDS = 2.0


def prepare(ini: Path, chats: int) -> dict[str, str]:
    """The desk's data: demo, ``chats`` employees with tokens, a 24x7 calendar. Returns
    login -> token (the agent's too)."""
    import plaster
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.demo import load_demo
    from itsm.security.tokens import create_token
    from itsm.sla.calendar import BusinessCalendar
    from itsm.sla.models import get_sla_settings

    app = main({"itsm.scheduler": "off"}, **dict(plaster.get_settings(str(ini), "app:main")))
    db = get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        load_demo(root, with_accounts=True)
        logins = add_people(root, chats)
        tokens = {login: create_token(root.tokens, login, "bench") for login in logins}
        tokens["agent"] = create_token(root.tokens, "agent", "bench")
        settings = get_sla_settings(root)
        hours = {day: [("00:00", "24:00")] for day in range(7)}
        settings.set_calendar(BusinessCalendar("Standard", "Europe/Moscow", hours))
    conn.close()
    db.close()
    return tokens


class Api:
    """One keep-alive connection with a bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        started = time.perf_counter()
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
        return response.status, json.loads(raw) if raw.startswith(b"{") else raw, elapsed


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def poll_all(
    port: int, paths: list[str], tokens: list[str], seconds: float, seen: dict[str, Any]
) -> dict[str, Any]:
    """Every client polls its path every 2 s for ``seconds``; latencies and errors. ``seen``
    (path -> {text: time}) records when a poll first saw an agent's message."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        api = Api(port, tokens[index])
        path = paths[index]
        after = 0
        # Spread the clients over the interval, as 200 pages opened at different times are.
        next_at = time.monotonic() + POLL_SECONDS * index / len(paths)
        while True:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # the poll interval of the page, not a wait for luck
            if time.monotonic() > stop_at:
                return
            try:
                query = f"?after={after}" if "/api/" in path else ""
                status, body, elapsed = api.call("GET", path + query)
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                api = Api(port, tokens[index])
                next_at += POLL_SECONDS
                continue
            now = time.perf_counter()
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors[0] += 1
            if isinstance(body, dict):
                for message in body.get("messages", ()):
                    after = max(after, message["seq"])
                    if message["role"] == "agent":
                        seen.setdefault(path, {}).setdefault(message["text"], now)
            next_at += POLL_SECONDS

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(paths))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {
        "polls": len(latencies),
        "per second": len(latencies) / wall,
        "p50 ms": percentile(latencies, 0.5) * 1000,
        "p99 ms": percentile(latencies, 0.99) * 1000,
        "errors": errors[0],
    }


def agent_turns(
    port: int, token: str, keys: list[str], seconds: float, seen: dict[str, Any]
) -> dict[str, Any]:
    """The agent answers chat after chat, one message every 0.25 s."""
    api = Api(port, token)
    sent: list[tuple[str, str, float]] = []
    latencies = []
    stop_at = time.monotonic() + seconds - 2 * POLL_SECONDS - 1
    n = 0
    while time.monotonic() < stop_at:
        key = keys[n % len(keys)]
        text = f"Agent message {n}"
        at = time.perf_counter()
        status, _body, elapsed = api.call("POST", f"/api/v1/chats/{key}/messages", {"text": text})
        if status == 201:
            sent.append((f"/api/v1/chats/{key}", text, at))
            latencies.append(elapsed)
        n += 1
        time.sleep(0.25)  # the agent's pace
    time.sleep(2 * POLL_SECONDS + 0.5)  # the last messages reach the pollers
    trips = [seen[p][t] - at for p, t, at in sent if t in seen.get(p, {})]
    return {
        "messages": len(sent),
        "post p50 ms": percentile(latencies, 0.5) * 1000,
        "post p99 ms": percentile(latencies, 0.99) * 1000,
        "delivered": len(trips),
        "round trip p50 ms": percentile(trips, 0.5) * 1000,
        "round trip p99 ms": percentile(trips, 0.99) * 1000,
    }


def bot_turns(port: int, token: str, count: int = 40) -> dict[str, Any]:
    """An employee's question answered by the virtual agent (a new chat each time)."""
    api = Api(port, token)
    questions = ["How do I set up VPN on my phone?", "Как настроить принтер?", "pritner setup"]
    latencies = []
    for n in range(count):
        status, _body, elapsed = api.call("POST", "/api/v1/chats", {"text": questions[n % 3]})
        if status == 201:
            latencies.append(elapsed)
    return {
        "answers": len(latencies),
        "p50 ms": percentile(latencies, 0.5) * 1000,
        "p99 ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "chat-bench")
    args = parser.parse_args()

    shutil.rmtree(args.dir, ignore_errors=True)
    ini = write_ini(args.dir / "desk" / "bench.ini", {"itsm.scheduler": "off"})
    # One keep-alive connection per open chat, as browsers keep: more than waitress' default
    # of 100 (with it, half the clients waited for a connection; README, "Chat").
    ini.write_text(
        ini.read_text().replace("threads = 4\n", "threads = 4\nconnection_limit = 1000\n")
    )
    print(f"preparing {args.chats} employees ...", flush=True)
    tokens = prepare(ini, args.chats)
    logins = [login for login in tokens if login != "agent"]
    port = ini_port(ini)
    bare_dir = args.dir / "bare"
    build_bare(bare_dir, 10_000)
    bare_script = args.dir / "bare_app.py"
    bare_script.write_text(BARE_APP.replace("threads=4,", "threads=4, connection_limit=1000,"))
    bare_port = free_port()
    log = (args.dir / "pserve.log").open("wb")  # read, never left to fill a pipe
    server = subprocess.Popen([PSERVE, str(ini)], stdout=log, stderr=subprocess.STDOUT)
    bare = subprocess.Popen([PYTHON, str(bare_script), str(bare_dir), str(bare_port)])
    try:
        wait_for_port(port, server)
        wait_for_port(bare_port, bare)
        rss_before = rss_mib(server.pid)
        print(f"opening {args.chats} chats ...", flush=True)
        keys = []
        for login in logins:
            api = Api(port, tokens[login])
            status, body, _elapsed = api.call("POST", "/api/v1/chats", {"text": "talk to a person"})
            if status != 201 or body["state"] != "waiting":
                raise SystemExit(f"chat for {login}: {status} {body}")
            keys.append(body["key"])
        paths = [f"/api/v1/chats/{key}" for key in keys]
        print(f"polling {len(paths)} chats every {POLL_SECONDS:.0f} s for {args.seconds:.0f} s ...")
        seen: dict[str, Any] = {}
        results: dict[str, Any] = {}
        agent = threading.Thread(
            target=lambda: results.update(
                agent=agent_turns(port, tokens["agent"], keys, args.seconds, seen)
            )
        )
        agent.start()
        results["poll"] = poll_all(port, paths, [tokens[x] for x in logins], args.seconds, seen)
        agent.join()
        results["bot"] = bot_turns(port, tokens[logins[0]])
        results["rss MiB"] = {"before the chats": rss_before, "at the end": rss_mib(server.pid)}
        print(f"polling the bare page by {len(paths)} clients for {args.seconds:.0f} s ...")
        results["bare poll"] = poll_all(
            bare_port, ["/"] * len(paths), ["-"] * len(paths), args.seconds, {}
        )
    finally:
        server.terminate()
        bare.terminate()
        server.wait(30)
        bare.wait(30)
    print()
    for name, figures in results.items():
        line = ", ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
        )
        print(f"{name:10s} {line}")
    print(
        f"\ncommand: .venv/bin/python bench/chat_bench.py --chats {args.chats} "
        f"--seconds {args.seconds:.0f}"
    )


if __name__ == "__main__":
    main()
