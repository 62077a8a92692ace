"""``itsm-pack INI [--days N]``: remove the history older than N days, and the objects and
blobs nothing refers to any more.

Safe while the desk runs on ZEO or RelStorage: the pack works on a snapshot of the past (a ZEO
server packs its FileStorage in a thread while it serves; RelStorage packs in batches beside
the commits) and one pack at a time (ZEO refuses a second, RelStorage holds a pack lock). On a
FileStorage the desk itself holds the file, so this command runs while it is stopped and says
so when it is not. Back up first (``itsm-backup``): an interrupted pack must not be the only
copy (relstorage#505).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from itsm.scripts.env import fail, open_env

COMMAND = "itsm-pack"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", help="the ini file, e.g. etc/production.ini")
    parser.add_argument(
        "--days",
        type=float,
        default=7.0,
        help="keep this many days of history (default 7; 0 keeps only the current state)",
    )
    args = parser.parse_args(argv)
    if args.days < 0:
        fail(COMMAND, "--days must be 0 or more")
    with open_env(COMMAND, args.ini) as env:
        started = time.monotonic()
        until = datetime.now(UTC) - timedelta(days=args.days)
        try:
            env.db.pack(days=args.days)
        except Exception as exc:  # noqa: BLE001 - one clear line for the administrator
            message = str(exc).strip() or type(exc).__name__
            if "already packing" in message.lower() or "pack lock" in message.lower():
                fail(COMMAND, "another pack is running; try again when it has finished")
            fail(COMMAND, f"the pack failed ({type(exc).__name__}: {message})")
        print(
            f"{COMMAND}: packed; history before {until:%Y-%m-%d %H:%M} UTC removed "
            f"in {time.monotonic() - started:.1f} s"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
