"""The IMAP poller on a kept desk: mails per second with one transaction per mail and with
batches (``itsm.mailin.imap.BATCH``), against a throwaway dovecot on loopback.

Uses the desk that ``bench/mail_bench.py --keep DIR`` loaded and the dovecot of the test
suite (``tests/plugins/dovecot.py``)::

    .venv/bin/python bench/mail_imap_batch.py --keep /tmp/itsm-mail-bench-100k --mails 200
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import mail_bench as mb  # noqa: E402 - after sys.path

from tests.plugins.dovecot import _directory, _start  # noqa: E402


def main() -> None:
    import itsm.mailin.imap as imap
    from itsm import main as make_app
    from itsm.db import get_db
    from itsm.worker.jobs import JobContext

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", required=True, help="the desk loaded by mail_bench.py")
    parser.add_argument("--mails", type=int, default=200, help="mails per poll")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    desk = Path(args.keep)
    directory = _directory()
    server = _start(directory)
    try:
        rng = random.Random(11)
        people = [f"staff{n:04d}@{mb.DOMAIN}" for n in range(300)]
        corpus = mb.Corpus(rng, people, mb.loaded_tickets(desk, 100, rng), mb.thread_domain())
        account = server.add_user()
        settings = mb.settings_for(desk)
        settings.update(
            account.settings_overrides(**{"itsm.mail_in.imap_max_per_poll": str(args.mails)})
        )
        app = make_app({}, **settings)
        db = get_db(app.registry)
        try:
            for batch in (1, imap.BATCH) * args.rounds:
                for _ in range(args.mails):
                    account.append(corpus.next()[1])
                imap.BATCH, saved = batch, imap.BATCH
                started = time.perf_counter()
                result = imap.Poller()(JobContext(app.registry, db))
                wall = time.perf_counter() - started
                imap.BATCH = saved
                print(f"batch {batch:2d}: {args.mails / wall:5.1f} mails/s ({result})", flush=True)
        finally:
            db.close()
    finally:
        server.stop()
        server.oauth.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
