"""R14 at full length: the database server stopped for 60 s (ZEO, and PostgreSQL under
RelStorage on a throwaway cluster of its own) while the desk is asked for pages, /healthz and
API writes; every answer must be a quick 503 with the message, and the desk must recover by
itself. Runs the suite's drill (tests/operations/test_storage_outage.py) with a longer outage
and prints its figures.

    .venv/bin/python bench/reliability/storage_outage.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each outage")
    args = parser.parse_args()
    env = {**os.environ, "ITSM_OUTAGE_SECONDS": str(args.seconds)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        "tests/operations/test_storage_outage.py",
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    figures = re.findall(r"^.*R14 (\w+): (\{.*\})", result.stdout, re.M)
    for storage, line in figures:
        print(f"R14 {storage}: {line}")
    print(f"pytest exit {result.returncode} after {time.monotonic() - started:.0f} s")
    print(f"reproduce: ITSM_OUTAGE_SECONDS={args.seconds:g} {' '.join(command[2:])}")
    if result.returncode != 0:
        print(result.stdout[-4000:])
        raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
