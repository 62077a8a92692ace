"""R3: 16 threads change one ticket over HTTP on waitress (pserve): journal appends, distinct
fields, the same field. 0 lost; >= 99 % succeed within retry.attempts=5; p99 < 1 s; no 500.

    .venv/bin/python bench/reliability/r3_one_ticket.py --threads 16 --per-thread 50
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import build_demo  # noqa: E402 - after sys.path
from tests.reliability.one_ticket import contend  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--per-thread", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r3-"))
    try:
        build_demo(work / "template")
        result = contend(work / "template", work / "desk", args.threads, args.per_thread)
        for name, timings in result.timings.items():
            print(
                f"{name}: {sum(timings.statuses.values())} requests, statuses {timings.statuses}, "
                f"p50 {timings.p(50) * 1000:.0f} ms, p99 {timings.p(99) * 1000:.0f} ms"
            )
        print(
            f"R3: {result.requests} changes, {result.success_share:.2%} succeeded, "
            f"{result.server_errors} 5xx, {len(result.problems)} problems {result.problems[:5]}, "
            f"p99 {result.p99() * 1000:.0f} ms, {result.conflicts} conflicts retried"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/r3_one_ticket.py "
            f"--threads {args.threads} --per-thread {args.per_thread}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
