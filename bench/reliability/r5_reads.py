"""R5: 1,000 GETs of queue, ticket and portal pages (and the API) on pserve: 0 new
transactions in Data.fs.

    .venv/bin/python bench/reliability/r5_reads.py --gets 1000
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
from tests.reliability.reads import read_pages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gets", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r5-"))
    try:
        build_demo(work / "template")
        result = read_pages(work / "template", work / "desk", args.gets)
        print(
            f"R5: {result.gets} GETs, statuses {result.statuses}, "
            f"{len(result.new_transactions)} new transactions {result.new_transactions[:5]}"
        )
        print(f"reproduce: .venv/bin/python bench/reliability/r5_reads.py --gets {args.gets}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
