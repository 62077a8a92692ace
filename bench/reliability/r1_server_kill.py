"""R1: 8 API clients create 1,000 tickets, ``kill -9`` of pserve at a random point, restart;
every 201 present with its number and body, no number reused, fstest/fsrefs clean; 20 runs.
With ``--restart-db DIR`` (a database made by ``bench/incidents_bench.py --keep DIR``): the
restart time of pserve on it after a ``kill -9``, and with its index file removed.

    .venv/bin/python bench/reliability/r1_server_kill.py --runs 20 --tickets 1000
    .venv/bin/python bench/reliability/r1_server_kill.py --runs 0 --restart-db /tmp/itsm-bench-100k
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import Desk, build_demo, request, with_root  # noqa: E402 - after sys.path
from tests.reliability.server_kill import kill_run  # noqa: E402


def restart_times(database: Path) -> dict[str, float]:
    """pserve on ``database`` (a copy is not made: the kill leaves it as a crash would, and
    FileStorage repairs it on open): killed under no load, then started; then started without
    its index file (the slowest case: the whole file is read)."""
    figures: dict[str, float] = {}
    desk = Desk(database)
    figures["first start"] = desk.start(timeout=1800)
    status, _ = request(desk.port, "GET", "/healthz")
    assert status == 200
    desk.kill()
    figures["restart after kill -9"] = desk.start(timeout=1800)
    desk.kill()
    (database / "Data.fs.index").unlink(missing_ok=True)
    figures["restart after kill -9, index file removed"] = desk.start(timeout=1800)
    desk.stop()
    figures["incidents"] = with_root(database, lambda root: len(root["incidents"]))
    figures["Data.fs MiB"] = (database / "Data.fs").stat().st_size / 2**20
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart-db", type=Path, help="measure the restart time on this database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r1-"))
    try:
        if args.runs:
            build_demo(work / "template")
        failures = lost = 0
        acknowledged = 0
        restarts: list[float] = []
        for number in range(args.runs):
            started = time.monotonic()
            run = kill_run(
                work / "template",
                work / f"run{number}",
                args.tickets,
                args.clients,
                seed=args.seed + number,
            )
            lost += len(run.lost) + len(run.changed)
            acknowledged += len(run.acknowledged)
            restarts.append(run.restart_seconds)
            failures += not run.ok
            print(
                f"run {number + 1}: killed after {run.killed_after} acknowledged "
                f"({run.unanswered} in flight), lost {len(run.lost)}, changed {len(run.changed)}, "
                f"reused {len(run.reused)}, 5xx {run.server_errors}, storage "
                f"{'clean' if not any(run.storage_problems.values()) else run.storage_problems}, "
                f"restart {run.restart_seconds:.1f} s ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
            shutil.rmtree(work / f"run{number}", ignore_errors=True)
        if args.runs:
            print(
                f"R1: {args.runs} runs, {acknowledged} acknowledged tickets, {lost} lost or "
                f"changed, {failures} failed runs; restart max {max(restarts):.1f} s"
            )
        if args.restart_db:
            for name, value in restart_times(args.restart_db).items():
                print(f"R1 {name}: {value:.1f}")
        print(
            "reproduce: .venv/bin/python bench/reliability/r1_server_kill.py "
            f"--runs {args.runs} --tickets {args.tickets} --clients {args.clients}"
            + (f" --restart-db {args.restart_db}" if args.restart_db else "")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
