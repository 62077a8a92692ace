"""R7: ``kill -9`` of ``itsm-worker`` mid-delivery, 10 times, while it delivers 600 mails to an
SMTP server that takes 30 ms per message: 0 lost, <= 1 duplicate per kill, each duplicate under
the same Message-ID (the receiver dedupes).

    .venv/bin/python bench/reliability/r7_worker_kill.py --kills 10 --mails 600
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.plugins.smtp import SmtpServer  # noqa: E402 - after sys.path
from tests.reliability.harness import build_demo  # noqa: E402
from tests.reliability.worker_kill import SlowRecorder, kill_workers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--mails", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r7-"))
    smtp = SmtpServer()
    smtp.handler = SlowRecorder()
    smtp.start()
    try:
        build_demo(work / "template")
        result = kill_workers(
            work / "template", work / "desk", smtp, args.mails, args.kills, args.seed
        )
        print(
            f"R7: {result.kills} kills ({result.killed_mid_delivery} mid-delivery), "
            f"{len(result.expected)} mails, {len(result.lost)} lost, {result.duplicates} "
            f"duplicates (same Message-ID), {result.left_in_outbox} left in the outbox"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/r7_worker_kill.py "
            f"--kills {args.kills} --mails {args.mails}"
        )
    finally:
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
