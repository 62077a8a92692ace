"""Knowledge base readership and a manager's team KPIs (issue 13), with the bare stack beside.

Loads the demo and ``--n`` incidents (default 5,000, over 90 days, requested by the two demo
employees, whose manager is ``manager``: so the manager's team holds every ticket, the worst
case for the team pages), then ``--events`` views and searches (default 100,000) by 500 readers
over the last 90 days through :func:`itsm.kb.readership.record`, and lets the deflection job
decide them; the reports' roll-up summarises the days. Measured:

- in process, one thread: a counted view (``record`` and its commit) against a bare commit
  that bumps one ``BTrees.Length``, and a repeat within 30 minutes (writes nothing);
- over HTTP (waitress, 4 threads, own process; 2 clients, ``--requests`` each row): the
  ``kb`` report API for 30 days and 12 months, a manager's 12-month resolution page (team) and
  an administrator's (whole desk), against ``GET /healthz``.

    .venv/bin/python bench/kb_bench.py [--n 5000] [--events 100000] [--requests 200]

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incidents_bench import Server, load, pct, settings_for, timed_requests  # noqa: E402


def load_readership(directory: Path, events: int) -> dict[str, Any]:
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.kb.readership import SEARCH, VIEW, decide, record, zone
    from itsm.security.tokens import create_token

    app = main({}, **settings_for(directory))
    registry, db = app.registry, get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    rng = random.Random(13)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        numbers = sorted(root["kb"].keys())
        tokens = {who: create_token(root.tokens, who, "bench") for who in ("manager", "admin")}
    made = 0
    while made < events:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            for _ in range(min(2000, events - made)):
                at = now - timedelta(seconds=90 * 86400 * (1 - made / events))
                login = f"reader{rng.randrange(500):03d}"
                if rng.random() < 0.3:
                    record(root, registry, login, SEARCH, f"query {rng.randrange(300)}", at)
                else:
                    record(root, registry, login, VIEW, rng.choice(numbers), at)
                made += 1
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with tm:
        # As the worker's job: the days that are over are folded into one record each.
        decided = decide(conn.root()[ZODB_ROOT_KEY], now, tz=zone(registry))
    decide_s = time.perf_counter() - started
    # The whole desk's pages read stored summaries, as with a running worker.
    from itsm.reports.jobs import rollup_job
    from itsm.worker.jobs import JobContext

    rollup_job(JobContext(registry, db, now=lambda: now))

    # A counted view and its commit, against a bare commit of one Length, alternating.
    from BTrees.Length import Length

    with tm:
        conn.root()["bench_length"] = Length()
    view_s, bare_s, repeat_s = [], [], []
    for i in range(300):
        t0 = time.perf_counter()
        with tm:
            conn.root()["bench_length"].change(1)
        bare_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            record(root, registry, f"new{i:04d}", VIEW, numbers[i % len(numbers)], now)
        view_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            record(root, registry, f"new{i:04d}", VIEW, numbers[i % len(numbers)], now)
        repeat_s.append(time.perf_counter() - t0)
    conn.close()
    db.close()
    return {
        "events_load_seconds": round(load_s, 1),
        "decided": decided,
        "decide_seconds": round(decide_s, 2),
        "bare_commit_ms": [round(pct(bare_s, 50), 2), round(pct(bare_s, 99), 2)],
        "counted_view_ms": [round(pct(view_s, 50), 2), round(pct(view_s, 99), 2)],
        "repeat_view_ms": [round(pct(repeat_s, 50), 2), round(pct(repeat_s, 99), 2)],
        "tokens": tokens,
    }


def measure(directory: Path, tokens: dict[str, str], requests: int) -> dict[str, Any]:
    server = Server(directory)
    today = datetime.now(UTC).date()
    month = f"start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"
    year = f"start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    rows = {
        "bare: GET /healthz": (tokens["admin"], "/healthz"),
        "kb report API, 30 days": (tokens["admin"], f"/api/v1/reports/kb?{month}"),
        "kb report API, 12 months": (tokens["admin"], f"/api/v1/reports/kb?{year}"),
        "resolution by month, 12 months, admin (whole desk)": (
            tokens["admin"],
            f"/api/v1/reports/resolution?{year}&by=month",
        ),
        "resolution by month, 12 months, manager (team)": (
            tokens["manager"],
            f"/api/v1/reports/resolution?{year}&by=month",
        ),
    }
    results: dict[str, Any] = {}
    try:
        for name, (token, path) in rows.items():
            timed_requests(server.port, token, lambda i, p=path: ("GET", p, None), 20, 2)
            latencies, wall = timed_requests(
                server.port, token, lambda i, p=path: ("GET", p, None), requests, 2
            )
            results[name] = {
                "req_s": round(len(latencies) / wall, 1),
                "p50_ms": round(pct(latencies, 50), 1),
                "p99_ms": round(pct(latencies, 99), 1),
            }
            print(name, results[name], flush=True)
        bare = results["bare: GET /healthz"]["req_s"]
        for values in results.values():
            values["share_of_bare"] = f"{100 * values['req_s'] / bare:.0f} %"
        results["server_rss_mib"] = round(server.rss_mib())
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="itsm-kb-bench-"))
    try:
        info = load(directory, args.n)
        print(f"  {args.n} incidents in {info['load_seconds']:.0f} s", flush=True)
        readership = load_readership(directory, args.events)
        tokens = readership.pop("tokens")
        print(json.dumps(readership, indent=1), flush=True)
        print(json.dumps(measure(directory, tokens, args.requests), indent=1))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
