"""``itsm-token INI LOGIN``: print a new API token for a person the directory knows."""

from __future__ import annotations

import argparse
from typing import Any

from itsm.audit.record import record
from itsm.directory import make_directory
from itsm.directory.base import DirectoryUnavailable
from itsm.people.records import find_or_fetch
from itsm.scripts.env import fail, open_env
from itsm.security.tokens import create_token

COMMAND = "itsm-token"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    parser.add_argument("login", help="the person's login in the directory")
    parser.add_argument("--label", default="itsm-token", help="a note to tell tokens apart")
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:

        def make_token(root: Any) -> str:
            directory = make_directory(env.registry, root)
            try:
                person = find_or_fetch(
                    root["people"], directory, args.login, env.registry.itsm_settings.roles
                )
            except DirectoryUnavailable as exc:
                fail(COMMAND, f"the directory is unavailable: {exc}")
            if person is None:
                fail(COMMAND, f"the directory knows no person {args.login!r}")
            if not person.active:
                fail(COMMAND, f"{person.login} is inactive (the directory sync disabled them)")
            token = create_token(root.tokens, person.login, args.label)
            record(root, "token", None, person.login, "made", f"{args.label} ({COMMAND})")
            return token

        token = env.transact(make_token)
    print(token)


if __name__ == "__main__":  # pragma: no cover
    main()
