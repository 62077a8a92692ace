"""``itsm-init INI [--demo]``: create the resource tree, an admin account, and demo data.

Idempotent: a second run creates nothing and says so.
"""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from itsm.demo import DEMO_PASSWORD, DEMO_PEOPLE, load_demo
from itsm.directory.local import add_account
from itsm.scripts.env import open_env
from itsm.tree import ensure_tree

COMMAND = "itsm-init"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    parser.add_argument("--demo", action="store_true", help="load demo accounts and content")
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        settings = env.registry.itsm_settings
        local = settings.directory == "local"
        created: list[str] = list(getattr(env.registry, "itsm_bootstrap_created", []))

        def setup(root: Any) -> tuple[list[str], str | None]:
            # The app's start made the root; this adds what an older run left out.
            done = [f"tree {path}" for path in ensure_tree(root, env.registry)]
            password = None
            if args.demo:
                done += load_demo(
                    root, with_accounts=local, registry=env.registry, role_mapping=settings.roles
                )
            elif local and len(root.accounts) == 0:
                password = secrets.token_urlsafe(12)
                add_account(
                    root.accounts,
                    "admin",
                    password,
                    name="Administrator",
                    groups=settings.roles.get("admin", ())[:1] or ("Administrators",),
                )
                done.append("account admin")
            return done, password

        done, admin_password = env.transact(setup)
        created += done
    if not created:
        print(
            f"{COMMAND}: nothing to do; "
            f"the tree{' and demo data' if args.demo else ''} exist already"
        )
        return
    for line in created:
        print(f"{COMMAND}: created {line}")
    if admin_password:
        print(f"{COMMAND}: log in as admin with the password {admin_password} and change it")
    if args.demo and local and any(line.startswith("account ") for line in created):
        logins = ", ".join(login for login, *_ in DEMO_PEOPLE)
        print(f"{COMMAND}: demo accounts {logins}; password for all: {DEMO_PASSWORD}")
    elif args.demo and not local:
        print(f"{COMMAND}: people come from the directory ({settings.ldap.url})")


if __name__ == "__main__":  # pragma: no cover
    main()
