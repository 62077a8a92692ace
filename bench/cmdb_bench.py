"""The CMDB at scale: load N configuration items, then measure its lists as a client sees them.

Loads ``--n`` CIs (default 50,000: laptops, desktops, monitors, phones, servers, with owners
among 2,000 people, 12 departments, 20 locations, warranties over six years, notes in English
and Russian) through the same function the forms, the API and ``itsm-import`` use
(``create_ci``: validation, unique serials, history, catalog). Then it serves the app with
waitress in a separate process on a free loopback port and measures, with one client, the
p50/p99 latency of:

- the list page (HTML, first page of 50 and the total) filtered by class, status, owner,
  department, location, "warranty ends before", text (a name word, a serial, a notes word),
  and all of those combined;
- the CSV export of a filtered list (every matching row, not one page);
- a CI's page;

plus the load time and the resident memory of the loader and of the server.

    .venv/bin/python bench/cmdb_bench.py --n 50000 [--keep DIR]

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from incidents_bench import Server, pct, settings_for, timed_requests  # noqa: E402

CLASSES = (("Laptop", 0.4), ("Desktop", 0.2), ("Monitor", 0.25), ("Phone", 0.1), ("Server", 0.05))
MODELS = {
    "Laptop": ("ThinkPad T14", "ThinkPad E14", "MacBook Air", "MacBook Pro", "Dell Latitude"),
    "Desktop": ("OptiPlex 7010", "HP EliteDesk", "Lenovo M70q"),
    "Monitor": ("Dell P2422H", "LG 27UL500", "Samsung S24"),
    "Phone": ("iPhone 13", "iPhone 15", "Galaxy S23"),
    "Server": ("PowerEdge R650", "ProLiant DL380"),
}
STATES = (("deployed", 0.7), ("in_stock", 0.15), ("in_repair", 0.05), ("retired", 0.07))
STATES += (("ordered", 0.03),)
DEPARTMENTS = tuple(f"Dept {i:02d}" for i in range(12))
LOCATIONS = tuple(f"Office {i:02d}" for i in range(20))
NOTES = (
    "battery replaced under warranty",
    "экран заменён по гарантии",
    "keyboard sticky, spare ordered",
    "подключён к док-станции",
    "",
    "",
    "",
)
PEOPLE = 2000


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(directory: Path, n: int, batch: int = 1000) -> dict[str, Any]:
    """Create ``n`` CIs; returns timings, the agent's bearer token and sample values."""
    import transaction as txn

    from itsm import main
    from itsm.cmdb.register import create_ci
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.demo import load_demo
    from itsm.numbering import next_number
    from itsm.people.models import Person
    from itsm.security.tokens import create_token
    from itsm.tickets.context import ActionContext

    app = main({}, **settings_for(directory))
    registry, db = app.registry, get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    rng = random.Random(50)
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        load_demo(root, with_accounts=True)
        token = create_token(root.tokens, "agent", "bench")
        for i in range(PEOPLE):
            person = Person(f"user{i:04d}")
            person.name = f"User {i:04d}"
            person.department = DEPARTMENTS[i % len(DEPARTMENTS)]
            root["people"].add(person.login, person)
    started = time.perf_counter()
    made = 0
    serials: list[str] = []
    numbers: list[str] = []
    today = date.today()
    while made < n:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            ctx = ActionContext(root, registry, datetime.now(UTC), "agent", frozenset({"agent"}))
            for _ in range(min(batch, n - made)):
                cls = _pick(rng, CLASSES)
                status = _pick(rng, STATES)
                owner = f"user{rng.randrange(PEOPLE):04d}" if status == "deployed" else ""
                values: dict[str, Any] = {
                    "name": f"{rng.choice(MODELS[cls])} #{made}",
                    "serial": f"SN{made:07d}{rng.choice('ABCDEFGH')}",
                    "status": status,
                    "owner": owner,
                    "location": rng.choice(LOCATIONS),
                    "department": rng.choice(DEPARTMENTS),
                    "purchase_date": (today - timedelta(days=rng.randrange(2000))).isoformat(),
                    "warranty_end": (
                        today + timedelta(days=rng.randrange(-1000, 1200))
                    ).isoformat(),
                    "cost": str(rng.randrange(10_000, 300_000)),
                    "notes": rng.choice(NOTES),
                    "fields": {"imei": f"35{made:013d}"} if cls == "Phone" else {},
                }
                ci = create_ci(ctx, cls, values, number=next_number(root.counters, "ci"))
                if made % 997 == 0:
                    serials.append(ci.serial)
                    numbers.append(ci.number)
                made += 1
        if made % 10000 == 0 or made == n:
            rate = made / (time.perf_counter() - started)
            print(f"  loaded {made} CIs ({rate:.0f}/s)", flush=True)
    conn.close()
    db.close()
    return {
        "load_seconds": time.perf_counter() - started,
        "loader_rss_mib": _rss_mib(),
        "token": token,
        "serials": serials,
        "numbers": numbers,
    }


def _list(params: dict[str, str]) -> Any:
    path = "/cmdb/?" + urlencode(params)
    return lambda i: ("GET", path, None)


def measure(directory: Path, loaded: dict[str, Any], runs: int) -> dict[str, Any]:
    server = Server(directory)
    results: dict[str, Any] = {}
    serials, numbers = loaded["serials"], loaded["numbers"]
    soon = (date.today() + timedelta(days=30)).isoformat()
    cases: list[tuple[str, Any]] = [
        ("list: no filter", _list({})),
        ("list: class", _list({"class": "Laptop"})),
        ("list: status", _list({"status": "in_repair"})),
        ("list: owner", lambda i: ("GET", f"/cmdb/?owner=user{(i * 37) % PEOPLE:04d}", None)),
        ("list: department", _list({"department": "Dept 03"})),
        ("list: location", _list({"location": "Office 07"})),
        ("list: warranty ends before", _list({"warranty_before": soon})),
        ("list: text, name word", _list({"q": "thinkpad"})),
        (
            "list: text, serial",
            lambda i: ("GET", "/cmdb/?" + urlencode({"q": serials[i % len(serials)]}), None),
        ),
        ("list: text, notes word (ru)", _list({"q": "гарантии"})),
        (
            "list: combined (class, status, department, location, warranty, text)",
            _list(
                {
                    "class": "Laptop",
                    "status": "deployed",
                    "department": "Dept 03",
                    "location": "Office 07",
                    "warranty_before": soon,
                    "q": "thinkpad",
                }
            ),
        ),
        (
            "export CSV: class + department",
            lambda i: ("GET", "/cmdb/export.csv?class=Laptop&department=Dept+03", None),
        ),
        (
            "export CSV: class (every laptop)",
            lambda i: ("GET", "/cmdb/export.csv?class=Laptop", None),
        ),
        ("CI page", lambda i: ("GET", f"/cmdb/{numbers[i % len(numbers)]}/", None)),
    ]
    try:
        port, token = server.port, loaded["token"]
        for _name, make in cases:  # warm the caches
            timed_requests(port, token, make, 5, 1)
        for name, make in cases:
            count = runs
            if name.startswith("export"):
                count = 10 if "every" in name else max(20, runs // 5)
            lat, _wall = timed_requests(port, token, make, count, 1, limit_s=120)
            results[name] = {"p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "runs": len(lat)}
        results["server RSS MiB"] = server.rss_mib()
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=200, help="requests per measure")
    parser.add_argument("--keep", help="a directory to keep (and reuse) the loaded database in")
    args = parser.parse_args()
    directory = Path(args.keep or tempfile.mkdtemp(prefix="itsm-cmdb-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    loaded_file = directory / "loaded.json"
    print(f"database: {directory}")
    if not loaded_file.exists():
        loaded = load(directory, args.n)
        loaded_file.write_text(json.dumps(loaded))
        print(f"load: {args.n} CIs in {loaded['load_seconds']:.0f} s")
    loaded = json.loads(loaded_file.read_text())
    results: dict[str, Any] = {
        "load seconds": loaded["load_seconds"],
        "loader RSS MiB": loaded["loader_rss_mib"],
    }
    results.update(measure(directory, loaded, args.runs))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(
        f"machine: {os.cpu_count()} cores; reproduce: .venv/bin/python bench/cmdb_bench.py "
        f"--n {args.n}"
    )
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
