"""``itsm-reports INI rebuild|refresh``: recompute report facts and day summaries.

``rebuild`` recomputes the facts of every ticket in the tree from its stored timestamps (the
imported history is kept) and then every day's summary; ``refresh`` only summarises the days
that are behind (what the worker's roll-up does every minute). Both are idempotent.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

COMMAND = "itsm-reports"


def main(argv: list[str] | None = None) -> None:
    from itsm.reports.jobs import refresh_all
    from itsm.reports.recording import rebuild
    from itsm.scripts.env import open_env

    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    parser.add_argument("action", choices=("rebuild", "refresh"))
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        zone = env.registry.itsm_reports.timezone
        now = datetime.now(UTC)
        tickets = 0
        if args.action == "rebuild":
            for attempt in env.tm.attempts(3):
                with attempt:
                    tickets = rebuild(env.root, zone, now)
                    store = env.root.reports
                    # Every summary is made again from the facts.
                    store.summaries.clear()
        days = 0
        for attempt in env.tm.attempts(3):
            with attempt:
                days = refresh_all(env.root, now)
    print(f"{tickets} ticket(s) recomputed, {days} day(s) summarised")


if __name__ == "__main__":  # pragma: no cover
    main()
