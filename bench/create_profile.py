"""Where an API create spends its time: cProfile of ``POST /api/v1/incidents`` in process.

    .venv/bin/python bench/create_profile.py INI [--creates 300] [--top 30]

``INI`` is a desk made by ``bench/load.py`` (its server stopped: this opens the storage
itself). The whole WSGI stack runs (tweens, write lock, pyramid_tm, the API view, the commit),
driven by WebTest with the employee's API token, one request after another. It prints creates
per second of CPU, commits per create, objects and bytes written per create (counted in the
storage), and the functions with the most cumulative time. The database keeps the creates.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def open_app(ini: Path, login: str) -> tuple[Any, Any, str, Any]:
    """The app of ``ini`` in process, its database, a bearer token for ``login`` and the
    desk's root read in a transaction of its own (for ``bench/read_profile.py`` too)."""
    import plaster
    import transaction

    from itsm import main as make_app
    from itsm.db import ZODB_ROOT_KEY, get_db
    from itsm.security.tokens import create_token

    app = make_app({}, **dict(plaster.get_settings(str(ini), "app:main")))
    db = get_db(app.registry)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        root = conn.root()[ZODB_ROOT_KEY]
        token = create_token(root.tokens, login, "profile")
        first = next(iter(root["incidents"].keys()), None)
    conn.close()
    return app, db, token, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", type=Path)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--no-profile", action="store_true", help="CPU per create without cProfile's overhead"
    )
    args = parser.parse_args()

    from webtest import TestApp
    from ZODB.utils import get_pickle_metadata

    app, db, token, _first = open_app(args.ini, "employee")

    storage = db.storage
    written = {"objects": 0, "bytes": 0, "commits": 0}
    by_class: Counter[str] = Counter()
    store, finish = storage.store, storage.tpc_finish

    def counting_store(oid, serial, data, version, txn):  # type: ignore[no-untyped-def]
        written["objects"] += 1
        written["bytes"] += len(data)
        module, name = get_pickle_metadata(data)
        by_class[f"{module}.{name}"] += 1
        return store(oid, serial, data, version, txn)

    def counting_finish(*a, **kw):  # type: ignore[no-untyped-def]
        written["commits"] += 1
        return finish(*a, **kw)

    storage.store, storage.tpc_finish = counting_store, counting_finish

    # How often the catalog (re)indexes per create, and which objects: once per object and
    # transaction is the rule (itsm.search.catalog.mark_changed).
    import itsm.search.catalog as catalog_module

    reindexed: Counter[str] = Counter()
    real_reindex = catalog_module.reindex  # what the commit hook calls

    def counting_reindex(root: Any, obj: Any, *args: Any, **kw: Any) -> Any:
        reindexed[type(obj).__name__] += 1
        return real_reindex(root, obj, *args, **kw)

    catalog_module.reindex = counting_reindex
    client = TestApp(app, extra_environ={"HTTP_AUTHORIZATION": f"Bearer {token}"})

    def create(i: int) -> None:
        client.post_json(
            "/api/v1/incidents",
            {
                "title": f"Printer on floor {i % 9} does not print ({i})",
                "description": "The printer shows a paper jam but there is no paper.",
                "impact": "low",
                "urgency": "medium",
            },
            status=201,
        )

    for i in range(20):  # warm: templates compiled, caches filled
        create(i)
    for key in written:
        written[key] = 0
    by_class.clear()
    reindexed.clear()
    profiler = cProfile.Profile()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if not args.no_profile:
        profiler.enable()
    for i in range(args.creates):
        create(1000 + i)
    profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = args.creates
    print(
        f"{n} creates: {n / cpu:.0f}/s of CPU ({cpu / n * 1000:.1f} ms each"
        f"{'' if args.no_profile else ', under cProfile'}), "
        f"{n / wall:.0f}/s wall; per create: {written['commits'] / n:.2f} commits, "
        f"{written['objects'] / n:.1f} objects, {written['bytes'] / n / 1024:.1f} KiB written"
    )
    print(
        "catalog reindexes per create: "
        + ", ".join(f"{name} {count / n:.2f}" for name, count in reindexed.most_common())
    )
    print("objects written per create, by class:")
    for name, count in by_class.most_common(15):
        print(f"  {count / n:6.2f}  {name}")
    if not args.no_profile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
    print(f"reproduce: .venv/bin/python bench/create_profile.py {args.ini} --creates {n}")
    db.close()


if __name__ == "__main__":
    main()
