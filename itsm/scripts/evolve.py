"""``itsm-evolve INI``: apply the numbered upgrade steps the database has not had yet."""

from __future__ import annotations

import argparse

from itsm.evolve.runner import evolve, latest_generation
from itsm.scripts.env import open_env

COMMAND = "itsm-evolve"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        with env.tm:
            before = env.root.generation
        done = evolve(lambda: env.root, env.tm)
        with env.tm:
            after = env.root.generation
    if done:
        print(f"{COMMAND}: generation {before} -> {after} (steps {', '.join(map(str, done))})")
    else:
        print(
            f"{COMMAND}: already at generation {after} "
            f"(latest {latest_generation()}); nothing to do"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
