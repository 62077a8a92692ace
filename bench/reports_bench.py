"""Reports at scale: N incidents of history, then each dashboard and the 12-month KPI page.

Loads ``--live`` real incidents (default 3,000) through ``create_incident`` over the last 30
days (open, waiting and resolved: the live part of the dashboards reads them from the catalog)
and ``--n`` incidents of history (default 100,000) over the last 12 months as report facts, the
way ``itsm-import-events`` stores a department's history (priorities, 10 groups, 40 agents,
8 categories, 4 channels, response and resolution times, SLA outcomes, reassignments,
reopenings, survey answers). Then the worker's roll-up summarises every day, and the app is
served by waitress (4 threads, own process) on a loopback port. Measured, 1 client, after a
warm-up: p50/p99 of each dashboard as its person sees it (agent, team lead, head of IT,
manager), the 12-month KPI page (HTML and API), a 12-month CSV export; plus load times,
summary sizes, and the server's memory.

    .venv/bin/python bench/reports_bench.py --n 100000 [--keep DIR]
    .venv/bin/python bench/reports_bench.py --n 1000000 --keep /tmp/itsm-reports-1m

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_bench import BARE_APP, PYTHON, build_bare, wait_for_port  # noqa: E402
from incidents_bench import (  # noqa: E402
    EN,
    LEVELS,
    Server,
    free_port,
    pct,
    settings_for,
    timed_requests,
)

GROUPS = ("Service Desk", "Network", "Workplace", *(f"Team {i}" for i in range(1, 8)))
AGENTS = ("agent", "agent2", "admin", *(f"agent{i:02d}" for i in range(3, 40)))
CATEGORIES = ("general", "network", "hardware", "software", "access", "email", "printing", "vpn")
CHANNELS = ("portal", "email", "phone", "api")


def load_live(root: Any, registry: Any, tm: Any, conn: Any, count: int) -> None:
    from itsm.db import ZODB_ROOT_KEY
    from itsm.incidents import actions
    from itsm.incidents.intake import create_incident
    from itsm.tickets.context import ActionContext

    rng = random.Random(7)
    now = datetime.now(UTC)
    made = 0
    while made < count:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            for _ in range(min(250, count - made)):
                moment = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
                title, body = EN[made % len(EN)]
                ctx = ActionContext.system(root, registry, moment)
                ctx.actor = "employee"
                incident = create_incident(
                    ctx,
                    requester=rng.choice(("employee", "employee2")),
                    title=title.format(n=made, day="today"),
                    description=body.format(n=made, day="today"),
                    impact=rng.choice(LEVELS),
                    urgency=rng.choice(LEVELS),
                )
                staff = ActionContext(
                    root, registry, moment + timedelta(minutes=30), "agent", frozenset({"agent"})
                )
                roll = rng.random()
                if incident.status in ("new", "assigned"):
                    if roll < 0.15:
                        actions.transition(staff, incident, "start", {})
                        staff.now += timedelta(minutes=10)
                        actions.transition(staff, incident, "wait", {"reason": "Which room?"})
                    elif roll < 0.55 and moment < now - timedelta(hours=2):
                        actions.transition(
                            staff,
                            incident,
                            "resolve",
                            {"resolution_code": "fixed", "resolution": "Done."},
                        )
                made += 1
            root.outbox.pending.clear()
    print(f"  {count} live incidents", flush=True)


def synthetic_facts(n: int, seed: int = 42) -> Any:
    """History over the last 365 days, one TicketFacts per incident."""
    from itsm.reports.facts import TicketFacts

    rng = random.Random(seed)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=365)
    span = (end - start).total_seconds()
    for i in range(n):
        created = start + timedelta(seconds=span * i / n + rng.uniform(0, 60))
        priority = rng.choices((1, 2, 3, 4, 5), (2, 8, 60, 25, 5))[0]
        response = rng.lognormvariate(7.5, 1.2)  # ~30 min median
        resolution = max(response, rng.lognormvariate(10.5, 1.3))  # ~10 h median
        resolved = created + timedelta(seconds=resolution)
        if resolved >= end:
            resolved = end - timedelta(seconds=1)
            resolution = (resolved - created).total_seconds()
        reassignments = rng.choices((0, 1, 2, 3), (70, 20, 7, 3))[0]
        reopens = 1 if rng.random() < 0.04 else 0
        agent = rng.choice(AGENTS)
        surveyed = rng.random() < 0.8
        csat = rng.choices((1, 2, 3, 4, 5), (5, 5, 10, 30, 50))[0] if rng.random() < 0.35 else None
        yield TicketFacts(
            number=f"HIST{i:08d}",
            kind="incident",
            created=created,
            priority=priority,
            group=rng.choice(GROUPS),
            category=rng.choice(CATEGORIES),
            channel=rng.choice(CHANNELS),
            assignee=agent,
            status="closed",
            first_response_at=created + timedelta(seconds=response),
            resolved_at=resolved,
            ended_at=resolved,
            response_business=response * 0.6,
            response_wall=response,
            resolution_business=resolution * 0.4,
            resolution_wall=resolution,
            response_met=rng.random() < 0.9,
            resolution_met=rng.random() < 0.85,
            reassignments=reassignments,
            reopens=reopens,
            first_agent=agent,
            resolver=agent,
            fcr=reassignments == 0 and reopens == 0,
            surveyed=surveyed,
            csat=csat if surveyed else None,
            csat_comment="ok" if csat and rng.random() < 0.2 else "",
            imported=True,
        )


def load_facts(conn: Any, tm: Any, registry: Any, zone: str, n: int, live: int) -> dict[str, Any]:
    from itsm.db import ZODB_ROOT_KEY
    from itsm.demo import load_demo
    from itsm.reports.store import ensure_store
    from itsm.security.tokens import create_token

    out: dict[str, Any] = {}
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        load_demo(root, with_accounts=True)
        out["tokens"] = {
            who: create_token(root.tokens, who, "bench") for who in ("agent", "admin", "manager")
        }
    t0 = time.perf_counter()
    load_live(None, registry, tm, conn, live)
    out["live load s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch: list[Any] = []
    done = 0
    for facts in synthetic_facts(n):
        batch.append(facts)
        if len(batch) == 20000:
            with tm:
                store = ensure_store(conn.root()[ZODB_ROOT_KEY], zone)
                for item in batch:
                    store.put(item)
            done += len(batch)
            batch = []
            conn.cacheMinimize()
            if done % 100000 == 0:
                print(f"  {done} facts ({done / (time.perf_counter() - t0):.0f}/s)", flush=True)
    if batch:
        with tm:
            store = ensure_store(conn.root()[ZODB_ROOT_KEY], zone)
            for item in batch:
                store.put(item)
    out["history load s"] = time.perf_counter() - t0
    return out


def load(directory: Path, n: int, live: int, facts_only: bool = False) -> dict[str, Any]:
    """Load the desk (unless ``facts-done.json`` says it was), then summarise every day and
    month; with ``facts_only`` stop after the facts (so a later run summarises them with the
    code of that moment)."""
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.reports.jobs import refresh_all

    app = main({}, **settings_for(directory))
    registry, db = app.registry, get_db(app.registry)
    zone = registry.itsm_reports.timezone
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    done_file = directory / "facts-done.json"
    if done_file.exists():
        out = json.loads(done_file.read_text())
    else:
        out = load_facts(conn, tm, registry, zone, n, live)
        done_file.write_text(json.dumps(out))
    if facts_only:
        conn.close()
        db.close()
        return out
    t0 = time.perf_counter()
    summarised = 0
    while True:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            store = root.reports
            days = store.stale_days()[:30]
            now = datetime.now(UTC)
            for day in days:
                store.refresh(day, now)
        conn.cacheMinimize()
        summarised += len(days)
        if not days:
            break
    out["summarise all days s"] = time.perf_counter() - t0
    out["days summarised"] = summarised
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        refresh_all(root, datetime.now(UTC))
        sizes = [len(pickle.dumps(s.kinds)) for s in root.reports.summaries.values()]
        months = [len(pickle.dumps(s.kinds)) for s in root.reports.months.values()]
        cells = [
            len(pickle.dumps(s.cells_record.cells))
            for s in root.reports.months.values()
            if s.cells_record is not None
        ]
    # Without their cells (a record of their own, read only when a question needs them).
    out["summary bytes per day (mean, max)"] = (sum(sizes) // max(1, len(sizes)), max(sizes))
    out["summary bytes per month (mean, max)"] = (sum(months) // max(1, len(months)), max(months))
    out["cells bytes per month (mean)"] = sum(cells) // max(1, len(cells))
    conn.close()
    db.close()
    return out


def cold_request(port: int, token: str, path: str, timeout: float = 600) -> float:
    """One request with a long timeout (the first of a row may load summaries cold): ms."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status >= 400:
        raise RuntimeError(f"GET {path}: {response.status}")
    return round((time.perf_counter() - t0) * 1000, 1)


class BareServer:
    """The bare Pyramid + ZODB page of ``bench/http_bench.py`` (25 rows of a 100,000-entry
    BTree, waitress with 4 threads), measured in the same run as the rows: its figure is the
    machine's ceiling at that moment."""

    def __init__(self, directory: Path) -> None:
        build_bare(directory / "bare-stack", 100_000)
        script = directory / "bare_app.py"
        script.write_text(textwrap.dedent(BARE_APP))
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, str(script), str(directory / "bare-stack"), str(self.port)]
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def measure_bare(bare: BareServer, count: int) -> dict[str, Any]:
    make = lambda i: ("GET", "/", None)  # noqa: E731
    timed_requests(bare.port, "", make, 20, 1, limit_s=60)
    latencies, _wall = timed_requests(bare.port, "", make, max(count, 100), 1, limit_s=60)
    return {
        "n": len(latencies),
        "p50_ms": round(pct(latencies, 50), 2),
        "p99_ms": round(pct(latencies, 99), 2),
    }


def measure(directory: Path, tokens: dict[str, str], count: int) -> dict[str, Any]:
    bare = BareServer(directory)
    server = Server(directory)
    results: dict[str, Any] = {}
    pages = [
        ("agent dashboard (HTML)", "agent", "/reports/agent"),
        ("team lead dashboard (HTML)", "agent", "/reports/lead"),
        ("head of IT dashboard, 30 days (HTML)", "admin", "/reports/head"),
        ("manager dashboard (HTML)", "manager", "/reports/manager"),
        ("agent dashboard (API)", "agent", "/api/v1/reports/agent"),
        ("team lead dashboard (API)", "agent", "/api/v1/reports/lead"),
        ("head of IT dashboard (API)", "admin", "/api/v1/reports/head"),
        ("head of IT dashboard, 12 months (HTML)", "admin", "/reports/head?period=12m"),
        (
            "KPI page: resolution by month, 12 months (HTML)",
            "admin",
            "/reports/resolution?period=12m&by=month",
        ),
        ("KPI page: SLA by priority, 12 months (API)", "admin", "/api/v1/reports/sla?period=12m"),
        (
            "KPI page: resolution, 12 months, group + priority filter (HTML)",
            "admin",
            "/reports/resolution?period=12m&group=Network&priority=3&by=category",
        ),
        (
            "KPI page: SLA, 12 months, channel + category filter (API)",
            "admin",
            "/api/v1/reports/sla?period=12m&channel=phone&category=vpn&by=group",
        ),
        ("backlog, 12 months (HTML)", "admin", "/reports/backlog?period=12m"),
        ("CSV export, backlog 12 months", "admin", "/reports/backlog.csv?period=12m"),
    ]
    try:
        results["bare stack (before the rows)"] = measure_bare(bare, count)
        print(f"  bare stack: {results['bare stack (before the rows)']}", flush=True)
        for title, who, path in pages:
            token = tokens[who]
            make = lambda i, path=path: ("GET", path, None)  # noqa: E731
            first_ms = cold_request(server.port, token, path)  # a cold cache
            timed_requests(server.port, token, make, 4, 1, limit_s=120)  # warm the caches
            latencies, _wall = timed_requests(server.port, token, make, count, 1, limit_s=120)
            results[title] = {
                "first_ms": first_ms,
                "n": len(latencies),
                "p50_ms": round(pct(latencies, 50), 1) if latencies else None,
                "p99_ms": round(pct(latencies, 99), 1) if latencies else None,
            }
            print(f"  {title}: {results[title]}", flush=True)
        results["server RSS MiB"] = round(server.rss_mib())
        results["bare stack (after the rows)"] = measure_bare(bare, count)
        print(f"  bare stack: {results['bare stack (after the rows)']}", flush=True)
    finally:
        server.stop()
        bare.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--live", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", help="a directory to keep (and reuse) the loaded database in")
    parser.add_argument(
        "--facts-only", action="store_true", help="stop after loading the facts (with --keep)"
    )
    args = parser.parse_args()
    directory = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="itsm-reports-"))
    info_file = directory / "reports-bench.json"
    try:
        if info_file.exists():
            info = json.loads(info_file.read_text())
        else:
            directory.mkdir(parents=True, exist_ok=True)
            info = load(directory, args.n, args.live, args.facts_only)
            if args.facts_only:
                print(json.dumps({k: v for k, v in info.items() if k != "tokens"}, indent=1))
                return
            info_file.write_text(json.dumps(info))
        print(json.dumps({k: v for k, v in info.items() if k != "tokens"}, indent=1), flush=True)
        size = (directory / "Data.fs").stat().st_size / 2**20
        print(f"  Data.fs {size:.0f} MiB", flush=True)
        results = measure(directory, info["tokens"], args.requests)
        print(json.dumps(results, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
