"""R4: 32 clients x 100 creates through the API of pserve: 3,200 unique numbers, 0 duplicates,
0 5xx, conflicts per commit < 0.2.

    .venv/bin/python bench/reliability/r4_creates.py --clients 32 --each 100
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.creates import create_crowd  # noqa: E402 - after sys.path
from tests.reliability.harness import build_demo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--each", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r4-"))
    try:
        build_demo(work / "template")
        result = create_crowd(work / "template", work / "desk", args.clients, args.each)
        print(
            f"R4: {len(result.numbers)} created ({len(set(result.numbers))} unique numbers, "
            f"{result.stored} stored), {result.duplicates} duplicates, {result.server_errors} 5xx, "
            f"statuses {result.timings.statuses}, {result.conflicts} conflicts in "
            f"{result.commits} commits ({result.conflicts_per_commit:.3f}/commit), "
            f"{len(result.numbers) / result.seconds:.0f} creates/s, "
            f"p50 {result.timings.p(50) * 1000:.0f} ms, p99 {result.timings.p(99) * 1000:.0f} ms"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/r4_creates.py "
            f"--clients {args.clients} --each {args.each}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
