"""Bulk actions at scale: N incidents, then one bulk request through the API.

Loads ``--n`` incidents (default 1,000) with the same function the forms and the API use
(``create_incident``), then, as the demo agent through ``POST /api/v1/incidents/bulk``
(in-process WSGI, so the figure is the desk's own work, not the network's):

- assigns all of them to one agent (``operation: assign``, a workflow transition each),
- adds an internal note to all of them (``operation: note``),
- changes the group of every incident a filter finds (``query``: "all N matching"),

and prints for each the wall time, incidents per second, how many transactions were committed
(batches of 100: ``ceil(N / 100)`` expected) and how many incidents were refused.

    .venv/bin/python bench/bulk_bench.py --n 1000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from incidents_bench import settings_for  # noqa: E402


def load(app: Any, n: int, batch: int = 250) -> tuple[list[str], str, float]:
    """``n`` incidents reported by the demo employee; their numbers, an agent's token, seconds."""
    from itsm.db import run_in_transaction
    from itsm.demo import load_demo
    from itsm.incidents.intake import create_incident
    from itsm.security.tokens import create_token
    from itsm.tickets.context import ActionContext

    registry = app.registry
    run_in_transaction(registry, lambda root: load_demo(root, with_accounts=True))
    started = time.perf_counter()
    numbers: list[str] = []
    for start in range(0, n, batch):

        def make(root: Any, count: int = min(batch, n - start)) -> list[str]:
            ctx = ActionContext.system(root, registry)
            ctx.actor, ctx.roles = "employee", frozenset({"employee"})
            return [
                create_incident(
                    ctx,
                    requester="employee",
                    title=f"Bulk bench printer {i}",
                    impact="low",
                    urgency="medium",
                ).number
                for i in range(count)
            ]

        numbers += run_in_transaction(registry, make)
    token = run_in_transaction(registry, lambda root: create_token(root.tokens, "agent", "bench"))
    return numbers, token, time.perf_counter() - started


def bulk(client: Any, token: str, db: Any, body: dict[str, Any]) -> dict[str, Any]:
    before = len(db.undoLog(0, 1_000_000))
    started = time.perf_counter()
    answer = client.post_json(
        "/api/v1/incidents/bulk", body, headers={"Authorization": f"Bearer {token}"}
    ).json
    seconds = time.perf_counter() - started
    total = answer["done"] + answer["refused"]
    return {
        "operation": body["operation"],
        "incidents": total,
        "done": answer["done"],
        "refused": answer["refused"],
        "seconds": round(seconds, 2),
        "per_second": round(total / seconds, 1) if seconds else None,
        "transactions": len(db.undoLog(0, 1_000_000)) - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the database in this directory")
    args = parser.parse_args()
    import webtest

    from itsm import main as make_app
    from itsm.db import get_db

    directory = args.keep or Path(tempfile.mkdtemp(prefix="itsm-bulk-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    app = make_app({}, **settings_for(directory))
    try:
        numbers, token, load_seconds = load(app, args.n)
        db = get_db(app.registry)
        client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        results = [
            bulk(
                client, token, db, {"operation": "assign", "assignee": "agent2", "numbers": numbers}
            ),
            bulk(
                client, token, db, {"operation": "note", "body": "Bench note", "numbers": numbers}
            ),
            bulk(
                client,
                token,
                db,
                {
                    "operation": "group",
                    "group": "Workplace",
                    "query": {"q": "bench printer", "queue": "all"},
                },
            ),
        ]
        print(
            json.dumps(
                {
                    "incidents": args.n,
                    "load_seconds": round(load_seconds, 1),
                    "bulk": results,
                    "command": f".venv/bin/python bench/bulk_bench.py --n {args.n}",
                },
                indent=2,
            )
        )
    finally:
        get_db(app.registry).close()
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
