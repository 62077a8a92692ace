"""R2: ``Data.fs`` cut at 100 random offsets inside its last transaction: it opens, the cut-off
bytes go to ``Data.fs.trN``, earlier transactions are intact, the app serves (pages, earlier
tickets, new tickets), fstest/fsrefs clean.

    .venv/bin/python bench/reliability/r2_torn_tail.py --offsets 100
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
from tests.reliability.torn_tail import check_cut, offsets, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offsets", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r2-"))
    try:
        build_demo(work / "template")
        tail = prepare(work / "template", work / "desk")
        print(f"last transaction: bytes {tail.start}-{tail.end} ({tail.end - tail.start} bytes)")
        good = 0
        chosen = offsets(tail, args.offsets, args.seed)
        for offset in chosen:
            cut = check_cut(tail, offset, work)
            good += not cut.problems
            if cut.problems:
                print(f"offset {offset}: {cut.problems}", flush=True)
        print(f"R2: {good}/{len(chosen)} cuts open, keep earlier data and serve")
        print(
            "reproduce: .venv/bin/python bench/reliability/r2_torn_tail.py "
            f"--offsets {args.offsets} --seed {args.seed}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
