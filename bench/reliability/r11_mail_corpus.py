"""R11: 1,000 mails through the intake (reports, replies, RFC 3834 auto-replies, DSN bounces,
our own notifications, unknown senders, malformed MIME, 2 KB Message-IDs, redeliveries, and
the real mail of ../shared/external/mail read in place): 0 crashes, 0 silent drops; what each
category became. The loop between two desks (stops within 3 mails) is
tests/mailin/test_two_desks.py.

    .venv/bin/python bench/reliability/r11_mail_corpus.py --mails 1000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import base_settings, build_demo, file_uri  # noqa: E402
from tests.reliability.mail_corpus import run_corpus  # noqa: E402


class App:
    """What run_corpus needs of the suite's AppHandle: registry, read, write."""

    def __init__(self, directory: Path) -> None:
        from itsm import main

        settings = {**base_settings(), "zodbconn.uri": file_uri(directory)}
        self.registry = main({}, **settings).registry

    def write(self, func):  # noqa: ANN001, ANN201 - as AppHandle.write
        from itsm.db import run_in_transaction

        return run_in_transaction(self.registry, func, attempts=1)

    read = write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-r11-"))
    try:
        build_demo(work / "desk")
        started = time.monotonic()
        result = run_corpus(App(work / "desk"), args.mails, args.seed)
        seconds = time.monotonic() - started
        by_category: dict[str, dict[str, int]] = defaultdict(dict)
        for (category, kind), count in sorted(result.outcomes.items()):
            by_category[category][kind] = count
        for category, kinds in by_category.items():
            print(f"  {category}: {kinds}")
        print(
            f"R11: {result.taken}/{args.mails} mails taken in {seconds:.0f} s, "
            f"{len(result.crashes)} crashes {result.crashes[:3]}, "
            f"{len(result.silent)} silent drops {result.silent[:3]}"
        )
        print(
            f"reproduce: .venv/bin/python bench/reliability/r11_mail_corpus.py --mails {args.mails}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
