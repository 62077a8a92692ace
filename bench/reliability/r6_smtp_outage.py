"""R6: the SMTP server is stopped for 10 minutes while 200 replies queue mail and 20 replies are
rolled back; the real timers (the worker embedded in the app, its delivery job every 15 s,
real time) deliver after the server returns: 200/200 changes' mail delivered, 0 duplicates by
Message-ID, 0 from rollbacks, and how long after the return the last mail arrived.

    .venv/bin/python bench/reliability/r6_smtp_outage.py --outage 600
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.plugins.smtp import SmtpServer  # noqa: E402 - after sys.path
from tests.reliability.harness import base_settings, build_demo, file_uri  # noqa: E402
from tests.reliability.mail_outage import check_received, outbox_ids, queue_changes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=600, help="seconds the server is down")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rollbacks", type=int, default=20)
    args = parser.parse_args()
    from itsm import main as make_app
    from itsm.db import get_db

    work = Path(tempfile.mkdtemp(prefix="itsm-r6-"))
    smtp = SmtpServer()
    smtp.start()
    try:
        build_demo(work / "desk")
        settings = base_settings()
        settings.update(smtp.settings_overrides())
        settings["zodbconn.uri"] = file_uri(work / "desk")
        settings["itsm.scheduler"] = "embedded"
        app = make_app({}, **settings)
        db = get_db(app.registry)
        smtp.stop()
        down_at = time.monotonic()
        queued = queue_changes(app, db, args.changes, args.rollbacks)
        print(
            f"queued {len(queued.message_ids)} mails from {queued.changes} changes, "
            f"{queued.rolled_back} changes rolled back; the SMTP server is down",
            flush=True,
        )
        time.sleep(max(0.0, args.outage - (time.monotonic() - down_at)))
        waiting = len(outbox_ids(db))
        smtp.start()
        back_at = time.monotonic()
        print(f"the SMTP server is back after {back_at - down_at:.0f} s; {waiting} waiting")
        received = smtp.wait_for(len(queued.message_ids), timeout=3600)
        last = time.monotonic() - back_at
        time.sleep(45)  # three more delivery turns: nothing may go out twice
        outcome = check_received(queued, smtp.messages)
        print(
            f"R6: {len(queued.message_ids) - len(outcome.missing)}/{len(queued.message_ids)} "
            f"delivered, {sum(outcome.duplicates.values()) - len(outcome.duplicates)} duplicates, "
            f"{outcome.from_rollbacks} from rollbacks, "
            f"{len(outcome.unexpected)} more from the timers; "
            f"all {len(received)} within {last:.0f} s of the server's return "
            f"(outage {back_at - down_at:.0f} s)"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/r6_smtp_outage.py "
            f"--outage {args.outage:.0f}"
        )
        app.registry.itsm_worker.stop()
    finally:
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
