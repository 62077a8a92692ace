"""``itsm-worker INI [--once]``: the timer process for a shared database (ZEO, RelStorage)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

COMMAND = "itsm-worker"


def main(argv: list[str] | None = None) -> None:
    from itsm.scripts.env import open_env
    from itsm.worker.scheduler import JobFailure, Worker

    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("ini", help="the ini file, e.g. etc/production.ini")
    parser.add_argument("--once", action="store_true", help="run every job once, then stop")
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        worker = Worker(env.registry, env.db)
        if args.once:
            try:
                results = worker.run_all_once()
            finally:
                worker.release_lease()
            if results is None:
                print(f"{COMMAND}: another worker holds the lease; nothing was run")
                return
            for name, result in results.items():
                print(f"{COMMAND}: {name}: {result or 'nothing to do'}")
            if any(isinstance(result, JobFailure) for result in results.values()):
                raise SystemExit(1)
            return

        def stop(signum: int, frame: Any) -> None:
            worker.stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        print(f"{COMMAND}: running the timers (Ctrl-C stops)", flush=True)
        try:
            worker.start(blocking=True)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            worker.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
