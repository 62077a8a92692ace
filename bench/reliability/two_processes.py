"""R8 on both shared storages: two ``pserve`` and two ``itsm-worker`` processes on one ZEO and
on one RelStorage/PostgreSQL database (tests/operations/test_two_web_processes.py; the default
suite runs the ZEO variant only). Prints the takeover time and pytest's verdict per storage.

    .venv/bin/python bench/reliability/two_processes.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per storage")
    parser.add_argument(
        "--storages", default="zeo,relstorage", help="comma-separated: zeo, relstorage"
    )
    parser.add_argument("--creates", type=int, default=10, help="creates per client")
    parser.add_argument("--clients", type=int, default=2, help="clients per pserve")
    args = parser.parse_args()
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider"]
    command.append("tests/operations/test_two_web_processes.py")
    failed = 0
    for storage in args.storages.split(","):
        env = {
            **os.environ,
            "ITSM_R8_STORAGES": storage,
            "ITSM_R8_CREATES": str(args.creates),
            "ITSM_R8_CLIENTS": str(args.clients),
        }
        for run in range(1, args.runs + 1):
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            takeover = re.findall(r"R8: (.*)", result.stdout)
            errors = re.findall(r"^E\s+assert \[(\(\d+.*?)\]", result.stdout, re.M)
            verdict = "passed" if result.returncode == 0 else "FAILED"
            seconds = re.findall(r"in ([0-9.]+)s", result.stdout)
            verdict += f" in {seconds[-1]} s" if seconds else ""
            failed += result.returncode != 0
            print(f"R8 {storage} run {run}: {verdict}; {'; '.join(takeover)} {errors[:1]}")
    print(f"reproduce: ITSM_R8_STORAGES=zeo|relstorage {' '.join(command[2:])}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
