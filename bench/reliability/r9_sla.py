"""R9: the SLA clock's properties with 10,000 examples each (Hypothesis profile
``reliability``), then the worker restarted 20 times around a P1 incident's warnings and
breaches: exactly one warning and one breach notice, one escalation per alert.

    .venv/bin/python bench/reliability/r9_sla.py --restarts 20
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.plugins.smtp import SmtpServer  # noqa: E402 - after sys.path
from tests.reliability.harness import build_demo  # noqa: E402
from tests.reliability.sla_restarts import restart_around_alerts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--skip-properties", action="store_true")
    args = parser.parse_args()
    if not args.skip_properties:
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "--hypothesis-profile=reliability", "--hypothesis-show-statistics",
                "tests/unit/sla/test_sla_clock_properties.py",
                "tests/unit/sla/test_sla_state.py",
            ],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        passing = [line.strip() for line in done.stdout.splitlines() if "passing," in line]
        print("\n".join(passing))
        print(
            f"R9 properties: {len(passing)} property tests, exit {done.returncode}, "
            f"{time.monotonic() - started:.0f} s; {done.stdout.strip().splitlines()[-1]}"
        )
    work = Path(tempfile.mkdtemp(prefix="itsm-r9-"))
    smtp = SmtpServer()
    smtp.start()
    try:
        build_demo(work / "template")
        done_restarts = restart_around_alerts(work / "template", work / "desk", smtp, args.restarts)
        print(
            f"R9 restarts: {done_restarts} worker restarts around 4 alerts: each alert announced, "
            "mailed and escalated exactly once (0 missed, 0 duplicates)"
        )
    finally:
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"reproduce: .venv/bin/python bench/reliability/r9_sla.py --restarts {args.restarts}")


if __name__ == "__main__":
    main()
