"""``itsm-sync INI [--dry-run]``: bring the desk's person records in step with the directory.

Exit status: 0 done (or nothing to do), 3 the safety stop refused (nothing changed),
75 (EX_TEMPFAIL) the directory did not answer, 1 any other failure (bad ini ...).
"""

from __future__ import annotations

import argparse
import sys

from itsm.directory import make_directory
from itsm.directory.base import DirectoryUnavailable
from itsm.scripts.env import open_env
from itsm.sync.run import synchronize

COMMAND = "itsm-sync"
EX_STOPPED = 3
EX_TEMPFAIL = 75


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("ini", help="the ini file, e.g. etc/production.ini")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change and change nothing"
    )
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        settings = env.registry.itsm_settings
        if settings.directory != "ldap":
            print(f"{COMMAND}: itsm.directory = {settings.directory}: nothing to sync")
            return
        directory = make_directory(env.registry, None)
        try:
            outcome = synchronize(env.transact, directory, settings, dry_run=args.dry_run)
        except DirectoryUnavailable as exc:
            print(f"{COMMAND}: the directory is unavailable: {exc}", file=sys.stderr)
            raise SystemExit(EX_TEMPFAIL) from None
    for line in outcome.diff.lines():
        print(line)
    if outcome.status == "stopped":
        print(f"{COMMAND}: {outcome.message}", file=sys.stderr)
        raise SystemExit(EX_STOPPED)
    print(f"{COMMAND}: {outcome.message}")


if __name__ == "__main__":  # pragma: no cover
    main()
