"""Catalog query latency on a realistic database: index N synthetic tickets, then time queries.

Indexes ``--n`` tickets with English and Russian titles and descriptions into a FileStorage in
a temporary directory (through ``mark_changed`` and the commit hook, like the app), reopens the
database with a cold cache, and prints p50/p99 for: the first page of the open queue, a
group + status queue, a text search, and the SLA sweep's ``due_before`` query.

    .venv/bin/python bench/search_bench.py --n 100000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import transaction
import ZODB
import ZODB.FileStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from itsm.root import ServiceDesk  # noqa: E402
from itsm.search.catalog import ensure_catalog, mark_changed, new_docid, search  # noqa: E402
from itsm.tickets.models import Ticket  # noqa: E402

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
OPEN_STATUSES = ("new", "assigned", "in_progress", "pending")
CLOSED_STATUSES = ("resolved", "closed")
GROUPS = [f"group-{i:02d}" for i in range(12)]
AGENTS = [f"agent{i:03d}" for i in range(60)]

EN_TITLES = [
    "{device} does not {verb} in room {room}",
    "Cannot connect to {service} from {place}",
    "{service} is very slow since this morning",
    "Request: new {device} for {person}",
    "Error {code} when opening {service}",
    "{device} keeps {failing} after the update",
]
RU_TITLES = [
    "Не работает {device_ru} в кабинете {room}",
    "Нет доступа к {service_ru} из {place_ru}",
    "{service_ru} очень медленно работает с утра",
    "Прошу выдать новый {device_ru} для {person_ru}",
    "Ошибка {code} при открытии {service_ru}",
    "{device_ru} постоянно {failing_ru} после обновления",
]
EN_BODY = [
    "Since {day} the {device} shows error {code}. I restarted it twice, nothing changed.",
    "Several colleagues on floor {room} have the same problem with {service}.",
    "Please check the network cable and the printer queue, we need it urgently.",
    "The VPN client disconnects every few minutes and Outlook cannot sync mail.",
]
RU_BODY = [
    "С {day_ru} {device_ru} выдаёт ошибку {code}. Перезагружали дважды, не помогло.",
    "У нескольких коллег на {room} этаже та же проблема с {service_ru}.",
    "Проверьте, пожалуйста, сетевой кабель и очередь печати, нужно срочно.",
    "VPN отключается каждые несколько минут, почта в Outlook не синхронизируется.",
]
WORDS = {
    "device": ["printer", "laptop", "monitor", "scanner", "phone", "docking station"],
    "device_ru": ["принтер", "ноутбук", "монитор", "сканер", "телефон", "МФУ"],
    "verb": ["print", "start", "charge", "turn on"],
    "service": ["VPN", "Outlook", "SAP", "the shared drive", "Wi-Fi", "Jira", "1C"],
    "service_ru": ["VPN", "почте", "SAP", "общему диску", "сети Wi-Fi", "1С", "порталу"],
    "place": ["home", "the branch office", "the meeting room", "the warehouse"],
    "place_ru": ["дома", "филиала", "переговорной", "склада"],
    "person": ["a new hire", "the sales team", "accounting"],
    "person_ru": ["нового сотрудника", "отдела продаж", "бухгалтерии"],
    "failing": ["freezing", "rebooting", "disconnecting"],
    "failing_ru": ["зависает", "перезагружается", "отключается"],
    "day": ["Monday", "yesterday", "last week"],
    "day_ru": ["понедельника", "вчерашнего дня", "прошлой недели"],
}
TEXT_QUERIES = [
    "printer",
    "принтер",
    "vpn",
    "ошибка печати",
    "outlook mail",
    "сети",
    "slow shared drive",
    "ноутбука",
    "error 0x80070005",
]


class BenchTicket(Ticket):
    """A ticket with the index keys the lead adds to Ticket.index_data (open, SLA check)."""

    is_open = False
    next_check: float | None = None

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        data.setdefault("open", self.is_open)
        data.setdefault("sla_next_check", self.next_check)
        return data


def fill(rng: random.Random, template: str) -> str:
    values = {k: rng.choice(v) for k, v in WORDS.items()}
    values.update(room=rng.randint(100, 520), code=f"0x{rng.randint(0, 2**32):08X}")
    return template.format(**values)


def make_ticket(rng: random.Random, root: Any, seq: int) -> BenchTicket:
    created = NOW - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
    ticket = BenchTicket(f"INC-{seq:06d}", seq, new_docid(root), created)
    ticket.kind = "incident"
    russian = rng.random() < 0.6
    ticket.title = fill(rng, rng.choice(RU_TITLES if russian else EN_TITLES))
    ticket.description = " ".join(
        fill(rng, rng.choice(RU_BODY if russian else EN_BODY)) for _ in range(rng.randint(1, 3))
    )
    ticket.requester = f"user{rng.randint(0, 4999):04d}"
    ticket.group = rng.choice(GROUPS)
    ticket.priority = rng.choices([1, 2, 3, 4], weights=[3, 12, 60, 25])[0]
    # About a quarter open, mostly recent tickets; the rest resolved or closed.
    ticket.is_open = created > NOW - timedelta(days=60) or rng.random() < 0.05
    if ticket.is_open:
        ticket.status = rng.choice(OPEN_STATUSES)
        ticket.assignee = rng.choice(AGENTS) if ticket.status != "new" else None
        ticket.next_check = (
            NOW + timedelta(minutes=rng.randint(-3 * 24 * 60, 10 * 24 * 60))
        ).timestamp()
    else:
        ticket.status = rng.choice(CLOSED_STATUSES)
        ticket.assignee = rng.choice(AGENTS)
    return ticket


def build(path: str, n: int, seed: int, cache_size: int) -> float:
    rng = random.Random(seed)
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path), cache_size=cache_size)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    started = time.perf_counter()
    with tm:
        root = conn.root()["itsm"] = ServiceDesk()
        ensure_catalog(root)
    batch = 1000
    for first in range(1, n + 1, batch):
        with tm:
            for seq in range(first, min(first + batch, n + 1)):
                ticket = make_ticket(rng, root, seq)
                # The app keeps tickets in /incidents; here the catalog map holds them.
                mark_changed(tm, root, ticket)
        print(f"\rindexed {min(first + batch - 1, n)}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    elapsed = time.perf_counter() - started
    conn.close()
    db.pack()
    db.close()
    return elapsed


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(name: str, runs: int, query: Callable[[int], tuple[int, list]]) -> None:
    times = []
    totals = []
    for i in range(runs):
        started = time.perf_counter()
        total, _items = query(i)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(total)
    print(
        f"{name:<34} first {times[0]:8.1f} ms   p50 {statistics.median(times):7.2f} ms   "
        f"p99 {percentile(times, 0.99):7.2f} ms   (median total {int(statistics.median(totals))})"
    )


def run_queries(path: str, runs: int, cache_size: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path, read_only=True), cache_size=cache_size)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root = conn.root()["itsm"]
        now = NOW.timestamp()
        measure(
            "open queue, page 1, queue_rank",
            runs,
            lambda i: search(root, kind="incident", open=True, sort="queue_rank", per_page=50),
        )
        groups = [rng.choice(GROUPS) for _ in range(runs)]
        measure(
            "group + status queue, page 1",
            runs,
            lambda i: search(
                root,
                kind="incident",
                group=groups[i],
                status=["new", "assigned", "in_progress"],
                per_page=50,
            ),
        )
        measure(
            "text search, page 1, queue_rank",
            runs,
            lambda i: search(root, text=TEXT_QUERIES[i % len(TEXT_QUERIES)], per_page=50),
        )
        measure(
            "due_before (SLA sweep), by due",
            runs,
            lambda i: search(
                root, open=True, due_before=now - i * 60, sort="sla_next_check", per_page=500
            ),
        )
    conn.close()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="tickets to index")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query")
    parser.add_argument("--cache-size", type=int, default=50_000, help="ZODB connection cache")
    parser.add_argument(
        "--build-cache-size",
        type=int,
        default=500_000,
        help="ZODB cache while indexing: random docids touch most index buckets in each batch",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        path = os.path.join(tmp, "Data.fs")
        seconds = build(path, args.n, args.seed, args.build_cache_size)
        size = os.path.getsize(path) / 2**20
        rate = args.n / seconds
        print(f"indexed {args.n} tickets in {seconds:.1f} s ({rate:.0f}/s), {size:.0f} MiB")
        print(
            f"queries: {args.runs} runs each, cold cache at the first run, cache {args.cache_size}"
        )
        run_queries(path, args.runs, args.cache_size, args.seed)
    print(
        f"reproduce: .venv/bin/python bench/search_bench.py --n {args.n} --runs {args.runs} "
        f"--cache-size {args.cache_size} --build-cache-size {args.build_cache_size} "
        f"--seed {args.seed}"
    )


if __name__ == "__main__":
    main()
