"""Build a realistic desk fast: ``N`` incidents through the app's own create path, in bulk.

    .venv/bin/python bench/load.py INI --incidents N [--people 300] [--batch 2000]

``INI`` is a PasteDeploy file whose ``[app:main]`` points ``zodbconn.uri`` at the database to
fill. When the file does not exist it is written (from ``etc/test.ini``, a FileStorage
``Data.fs`` and blobs beside it, ``[server:main]`` waitress with 4 threads on a free loopback
port), so ``bench/load.py /tmp/desk/bench.ini --incidents 1000000`` is a whole recipe.

What it makes: the demo's people, groups and settings (``load_demo``), ``--people`` employees
(person records with a mail address and a department, as the directory sync makes them), and
``N`` incidents in English and Russian spread over the last 90 days: each is created by
``create_incident`` (numbering, routing rules, priority matrix, assignment, SLA clocks, the
history, the catalog, the "received"/"assigned" mails), and those older than three days are
resolved (85 %) and most of those closed (90 %) by an agent through ``actions.transition``, as
the agent's pages do (about 80 % resolved or closed in all). Nothing is written by hand: the
loader only decides what happens and when.

Why it is fast: thousands of incidents per transaction (``--batch``), so the catalog reindexes
each of them once in the transaction's commit hook and the commit writes each index bucket
once per batch (docids of one connection run in sequence: see ``itsm.search.catalog.new_docid``);
numbers come from the counter in blocks (``itsm.numbering``). The outbox's mails are dropped at
the end of each batch, as if the worker had delivered them: the benchmarks are not about mail.

It prints the rate as it goes, then the totals: incidents, seconds, incidents/s, the size of
``Data.fs`` and the loader's resident memory.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incidents_bench import DAYS, EN, LEVELS, RU, free_port, rss_mib  # noqa: E402

DEPARTMENTS = ("Sales", "Finance", "Marketing", "Logistics", "HR", "Legal")
#: The employees' mail domain (bench/mail_bench.py writes from these addresses).
DOMAIN = "example.com"


def write_ini(ini: Path, extra: dict[str, str] | None = None, threads: int = 4) -> Path:
    """Write a bench INI at ``ini``: etc/test.ini's app settings, a FileStorage beside it,
    waitress with ``threads`` threads on a free loopback port. Returns ``ini``."""
    import plaster

    directory = ini.resolve().parent
    directory.mkdir(parents=True, exist_ok=True)
    settings = dict(plaster.get_settings(str(ROOT / "etc" / "test.ini"), "app:main"))
    settings.pop("use", None)
    settings["zodbconn.uri"] = (
        f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs&connection_cache_size=50000"
    )
    settings.update(extra or {})
    lines = [f"{key} = {value}" for key, value in settings.items()]
    ini.write_text(
        "[app:main]\nuse = egg:itsm\n"
        + "\n".join(lines)
        + f"\n\n[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{free_port()}\n"
        f"threads = {threads}\n",
        encoding="utf-8",
    )
    return ini


def storage_file(settings: dict[str, str]) -> Path | None:
    """The Data.fs of a ``file://`` URI, for its size."""
    match = re.match(r"file://([^?]+)", settings.get("zodbconn.uri", ""))
    return Path(match.group(1)) if match else None


def add_people(root: Any, count: int) -> list[str]:
    """``count`` employees ``staff0000``... with addresses and departments (person records as
    the directory sync makes them; existing ones are kept). Returns their logins."""
    from itsm.people.models import Person

    people = root["people"]
    logins = []
    for n in range(count):
        login = f"staff{n:04d}"
        if login not in people:
            person = people.add(login, Person(login))
            person.name = f"Staff Member {n}"
            person.email = f"{login}@{DOMAIN}"
            person.department = DEPARTMENTS[n % len(DEPARTMENTS)]
        logins.append(login)
    return logins


def load(ini: Path, incidents: int, people: int = 300, batch: int = 2000, seed: int = 42) -> dict:
    """Fill the database of ``ini``; returns the figures printed at the end."""
    import plaster
    import transaction as txn

    from itsm import main
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.demo import load_demo
    from itsm.incidents import actions
    from itsm.incidents.intake import create_incident
    from itsm.tickets.context import ActionContext

    settings = dict(plaster.get_settings(str(ini), "app:main"))
    app = main({}, **settings)
    registry, db = app.registry, get_db(app.registry)
    tm = txn.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        if "agent" not in root["people"]:
            load_demo(root, with_accounts=True)
        requesters = ["employee", "employee2", *add_people(root, people)]
        already = len(root["incidents"])
    rng = random.Random(seed + already)
    now = datetime.now(UTC)
    start_at = now - timedelta(days=90)
    started, cpu_started = time.perf_counter(), time.process_time()
    made = 0
    last_report = started
    while made < incidents:
        with tm:
            root = conn.root()[ZODB_ROOT_KEY]
            for _ in range(min(batch, incidents - made)):
                moment = start_at + timedelta(seconds=90 * 86400 * made / incidents)
                title, body = rng.choice(EN if rng.random() < 0.5 else RU)
                values = {"n": rng.randint(2, 99), "day": rng.choice(DAYS)}
                requester = rng.choice(requesters)
                ctx = ActionContext.system(root, registry, moment)
                ctx.actor = requester
                incident = create_incident(
                    ctx,
                    requester=requester,
                    title=title.format(**values),
                    description=body.format(**values),
                    impact=rng.choice(LEVELS),
                    urgency=rng.choice(LEVELS),
                    channel=rng.choice(("portal", "portal", "email", "api")),
                )
                if now - moment > timedelta(days=3) and rng.random() < 0.85:
                    staff = ActionContext(
                        root,
                        registry,
                        moment + timedelta(hours=rng.randint(1, 30)),
                        incident.assignee or "agent",
                        frozenset({"agent", "employee"}),
                    )
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
            root.outbox.pending.clear()  # as if the worker had delivered them
        if time.perf_counter() - last_report > 30 or made == incidents:
            last_report = time.perf_counter()
            elapsed = last_report - started
            cpu = time.process_time() - cpu_started
            print(
                f"  {made:,} incidents in {elapsed:.0f} s ({made / elapsed:.0f}/s; CPU "
                f"{cpu:.0f} s, {made / max(cpu, 1e-9):.0f}/s of CPU), RSS {rss_mib():.0f} MiB",
                flush=True,
            )
        # Between batches: the loader's cache holds what the next batch touches, not all.
        conn.cacheMinimize()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    conn.close()
    db.close()
    data_fs = storage_file(settings)
    return {
        "incidents": made,
        "total incidents": already + made,
        "seconds": elapsed,
        "per second": made / elapsed if elapsed else 0.0,
        # On a shared machine the wall clock waits for others; CPU time is this loader's own.
        "CPU seconds": cpu,
        "Data.fs MiB": data_fs.stat().st_size / 2**20 if data_fs and data_fs.exists() else None,
        "loader RSS MiB": rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", type=Path, help="the desk's INI (written if it does not exist)")
    parser.add_argument("--incidents", type=int, required=True, help="how many to add")
    parser.add_argument("--people", type=int, default=300, help="employees who report")
    parser.add_argument("--batch", type=int, default=2000, help="incidents per transaction")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the load here")
    args = parser.parse_args()
    if not args.ini.exists():
        write_ini(args.ini)
        print(f"wrote {args.ini}")
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(load, args.ini, args.incidents, args.people, args.batch)
        profiler.dump_stats(str(args.profile))
    else:
        result = load(args.ini, args.incidents, args.people, args.batch, args.seed)
    print(
        f"loaded {result['incidents']:,} incidents ({result['total incidents']:,} in the desk) "
        f"in {result['seconds']:.0f} s: {result['per second']:.0f}/s "
        f"(CPU {result['CPU seconds']:.0f} s); "
        f"Data.fs {result['Data.fs MiB'] or 0:,.0f} MiB; loader RSS "
        f"{result['loader RSS MiB']:.0f} MiB; {os.cpu_count()} cores"
    )
    print(
        f"reproduce: .venv/bin/python bench/load.py {args.ini} --incidents {args.incidents} "
        f"--people {args.people} --batch {args.batch}"
    )


if __name__ == "__main__":
    main()
