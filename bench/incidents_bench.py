"""Incident management at scale: load N incidents, then measure the desk as a client sees it.

Loads ``--n`` incidents (default 100,000) with English and Russian text through the same
function the portal uses (``create_incident``: numbering, routing, assignment, SLA clocks,
catalog), with a realistic mix of open, resolved and closed ones spread over 90 days. Then it
serves the app with waitress in a separate process on a free loopback port and measures:

- incidents created per second through the API with 1 and 4 concurrent clients;
- the agent queue page (HTML, all open, sorted by priority then age) and the same queue
  through the API: requests/s with 4 clients, p50/p99 latency with 1 client;
- a text search (stemmed, English and Russian words) p50/p99;
- the server's resident memory;
- one SLA sweep (the worker's minute job): the catch-up batch after the load, and a steady
  sweep with nothing due.

    .venv/bin/python bench/incidents_bench.py --n 100000 [--keep DIR]

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EN = [
    ("VPN disconnects every {n} minutes", "Since {day} the VPN drops when I work from home."),
    ("Printer on floor {n} does not print", "The printer shows a paper jam but there is no paper."),
    (
        "Outlook asks for my password again",
        "After the update Outlook keeps asking, {n} times a day.",
    ),
    ("Laptop battery drains in {n} hours", "My laptop battery lasts only {n} hours since {day}."),
    ("Cannot open the shared drive", "Error {n} when I open the finance share."),
    ("Wi-Fi in meeting room {n} is slow", "Video calls freeze in room {n}."),
    ("Excel crashes when I open report {n}", "Excel closes itself as soon as the file opens."),
    ("New monitor for desk {n}", "My monitor flickers and went black twice {day}."),
]
RU = [
    ("Не работает VPN, разрывы каждые {n} минут", "С {day} VPN отключается при работе из дома."),
    ("Принтер на {n} этаже не печатает", "Принтер пишет «замятие бумаги», но бумаги нет."),
    ("Outlook снова спрашивает пароль", "После обновления Outlook просит пароль {n} раз в день."),
    ("Ноутбук быстро разряжается", "Батарея ноутбука держит только {n} часа с {day}."),
    ("Нет доступа к общей папке", "Ошибка {n} при открытии папки бухгалтерии."),
    ("Медленная сеть в переговорной {n}", "Видеозвонки зависают в переговорной {n}."),
    ("Excel закрывается при открытии отчёта {n}", "Файл открывается и Excel сразу падает."),
    ("Мерцает монитор на месте {n}", "Монитор мигает и дважды гас {day}."),
]
DAYS = ["Monday", "Tuesday", "yesterday", "понедельника", "вторника", "вчера"]
LEVELS = ("high", "medium", "low")
SEARCH_WORDS = ["printers", "принтера", "vpn", "outlook", "ноутбук", "password", "сеть"]


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory of process ``pid`` (this one by default) in MiB; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+)", text)
    return int(match.group(1)) / 1024 if match else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(directory: Path) -> dict[str, str]:
    import plaster

    settings = dict(plaster.get_settings(str(ROOT / "etc" / "test.ini"), "app:main"))
    settings["zodbconn.uri"] = (
        f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs&connection_cache_size=100000"
    )
    return settings


def load(directory: Path, n: int, batch: int = 500) -> dict[str, Any]:
    """Create ``n`` incidents; returns timings and the bearer tokens for the clients."""
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.demo import load_demo
    from itsm.incidents import actions
    from itsm.incidents.intake import create_incident
    from itsm.security.tokens import create_token
    from itsm.tickets.context import ActionContext

    app = main({}, **settings_for(directory))
    registry, db = app.registry, get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        load_demo(root, with_accounts=True)
        tokens = {who: create_token(root.tokens, who, "bench") for who in ("agent", "employee")}
    rng = random.Random(42)
    start_at = datetime.now(UTC) - timedelta(days=90)
    started = time.perf_counter()
    made = 0
    while made < n:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            for _ in range(min(batch, n - made)):
                moment = start_at + timedelta(seconds=90 * 86400 * made / n)
                title, body = rng.choice(EN if rng.random() < 0.5 else RU)
                values = {"n": rng.randint(2, 99), "day": rng.choice(DAYS)}
                requester = rng.choice(("employee", "employee2"))
                ctx = ActionContext.system(root, registry, moment)
                ctx.actor = requester
                incident = create_incident(
                    ctx,
                    requester=requester,
                    title=title.format(**values),
                    description=body.format(**values),
                    impact=rng.choice(LEVELS),
                    urgency=rng.choice(LEVELS),
                )
                age = datetime.now(UTC) - moment
                staff = ActionContext(
                    root,
                    registry,
                    moment + timedelta(hours=1),
                    "agent",
                    frozenset({"agent", "employee"}),
                )
                if age > timedelta(days=3) and rng.random() < 0.85:
                    actions.transition(
                        staff,
                        incident,
                        "resolve",
                        {"resolution_code": "fixed", "resolution": "Done."},
                    )
                    if rng.random() < 0.9:
                        staff.now += timedelta(days=1)
                        actions.transition(staff, incident, "close", {})
                made += 1
            root.outbox.pending.clear()  # as if delivered: the bench is not about mail
        if made % 10000 == 0 or made == n:
            rate = made / (time.perf_counter() - started)
            print(f"  loaded {made} incidents ({rate:.0f}/s)", flush=True)
    conn.close()
    db.close()
    return {"load_seconds": time.perf_counter() - started, "tokens": tokens}


class Server:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        ini = directory / "bench.ini"
        lines = [f"{k} = {v}" for k, v in settings_for(directory).items() if k != "use"]
        ini.write_text(
            "[app:main]\nuse = egg:itsm\n"
            + "\n".join(lines)
            + f"\n\n[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{self.port}\n"
            "threads = 4\n",
            encoding="utf-8",
        )
        pserve = Path(sys.executable).parent / "pserve"
        self.process = subprocess.Popen(
            [str(pserve), str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def rss_mib(self) -> float:
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def timed_requests(
    port: int, token: str, make: Any, count: int, clients: int, limit_s: float = 60
) -> tuple[list[float], float]:
    """Run ``count`` requests split over ``clients`` threads; latencies and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + limit_s

    def worker(share: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"}
        mine = []
        for i in range(share):
            if time.monotonic() > deadline:
                break
            method, path, body = make(i)
            if body is not None:
                headers["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(count // clients,)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000
    )


def measure(directory: Path, tokens: dict[str, str]) -> dict[str, Any]:
    server = Server(directory)
    results: dict[str, Any] = {}
    try:
        port, agent, employee = server.port, tokens["agent"], tokens["employee"]
        queue_page = lambda i: ("GET", "/incidents/?queue=open&sort=priority", None)  # noqa: E731
        queue_api = lambda i: ("GET", "/api/v1/incidents?queue=open&per_page=50", None)  # noqa: E731

        def search(i: int) -> tuple[str, str, None]:
            word = SEARCH_WORDS[i % len(SEARCH_WORDS)]
            from urllib.parse import quote

            return "GET", f"/api/v1/incidents?q={quote(word)}&per_page=20", None

        def create(i: int) -> tuple[str, str, bytes]:
            title, body = (EN if i % 2 else RU)[i % 6]
            data = {
                "title": title.format(n=i, day="today"),
                "description": body.format(n=i, day="today"),
                "impact": "low",
                "urgency": "medium",
            }
            return "POST", "/api/v1/incidents", json.dumps(data).encode()

        timed_requests(port, agent, queue_page, 20, 1)  # warm the caches
        timed_requests(port, agent, search, 14, 1)
        for name, make, token in (
            ("queue page", queue_page, agent),
            ("queue API", queue_api, agent),
            ("text search", search, agent),
        ):
            lat, _wall = timed_requests(port, token, make, 300, 1)
            lat4, wall4 = timed_requests(port, token, make, 400, 4)
            results[name] = {
                "p50_ms": pct(lat, 50),
                "p99_ms": pct(lat, 99),
                "rps_4_clients": len(lat4) / wall4,
            }
        for clients in (1, 4):
            lat, wall = timed_requests(port, employee, create, 200 * clients, clients, limit_s=30)
            results[f"create, {clients} client(s)"] = {
                "per_s": len(lat) / wall,
                "p50_ms": pct(lat, 50),
                "p99_ms": pct(lat, 99),
            }
        results["server RSS MiB"] = server.rss_mib()
    finally:
        server.stop()
    return results


def sweep_timing(directory: Path) -> dict[str, float]:
    """The sweep as the worker runs it: once after the load (catching up on everything that
    became due while the data was made), then a minute later, as in steady operation."""
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.sla.sweep import sweep

    app = main({}, **settings_for(directory))
    db = get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    out: dict[str, float] = {}
    now = datetime.now(UTC)

    def one(moment: datetime) -> tuple[float, int]:
        with tm:
            t0 = time.perf_counter()
            warned, breached = sweep(conn.root()[ZODB_ROOT_KEY], app.registry, moment)
            elapsed = time.perf_counter() - t0
        return elapsed, warned + breached

    out["catch-up: first batch of 200 tickets, s"], out["catch-up: first batch alerts"] = one(now)
    total, alerts, rounds = out["catch-up: first batch of 200 tickets, s"], 0, 1
    while rounds < 1000:  # finish the catch-up, bounded
        elapsed, count = one(now)
        total, alerts, rounds = total + elapsed, alerts + count, rounds + 1
        if count == 0:
            break
    out["catch-up: whole, s"] = total
    out["catch-up: batches"] = rounds
    for minutes in (1, 2, 3):
        elapsed, count = one(now + timedelta(minutes=minutes))
        out[f"steady sweep {minutes} min later, s"] = elapsed
        out[f"steady sweep {minutes} min later, alerts"] = count
    conn.close()
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--keep", help="a directory to keep (and reuse) the loaded database in")
    parser.add_argument("--sweep-only", action="store_true", help="measure only the SLA sweep")
    args = parser.parse_args()
    directory = Path(args.keep or tempfile.mkdtemp(prefix="itsm-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    tokens_file = directory / "tokens.json"
    print(f"database: {directory}")
    if not tokens_file.exists():
        loaded = load(directory, args.n)
        tokens_file.write_text(json.dumps(loaded["tokens"]))
        print(f"load: {args.n} incidents in {loaded['load_seconds']:.0f} s")
    tokens = json.loads(tokens_file.read_text())
    results = {} if args.sweep_only else measure(directory, tokens)
    results["SLA sweep"] = sweep_timing(directory)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(
        f"machine: {os.cpu_count()} cores; reproduce: .venv/bin/python bench/incidents_bench.py "
        f"--n {args.n}"
    )
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
