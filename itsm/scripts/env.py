"""What the admin commands share: open the app from an ini file, with clear failures."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import transaction

from itsm.db import ZODB_ROOT_KEY, get_db, run_attempts

T = TypeVar("T")


@dataclass
class Env:
    registry: Any
    db: Any
    tm: transaction.TransactionManager
    conn: Any

    @property
    def root(self) -> Any:
        return self.conn.root()[ZODB_ROOT_KEY]

    def transact(self, func: Callable[[Any], T], attempts: int = 3) -> T:
        """Run ``func(root)`` in this command's connection and transactions, retried on
        conflicts (the connection stays open between calls, with its object cache)."""
        return run_attempts(self.tm, lambda: func(self.root), attempts)


def fail(command: str, message: str, code: int = 1) -> None:
    print(f"{command}: {message}", file=sys.stderr)
    raise SystemExit(code)


def _lock_message(exc: Exception) -> str:
    match = re.search(r"lock '?([^']+?)(?:\.lock)?'?$", str(exc))
    path = match.group(1) if match else "the database"
    holder = ""
    try:
        with open(f"{path}.lock", encoding="ascii", errors="replace") as handle:
            pid = handle.read().strip().split()[0]
        holder = f" (process {pid}, probably pserve or itsm-worker)"
    except (OSError, IndexError):
        pass
    return (
        f"{path} is in use by another process{holder}. Stop it and run this command again, "
        "or use the ZEO set-up (etc/production.ini) so that several processes share the database."
    )


@contextlib.contextmanager
def open_env(command: str, ini: str) -> Iterator[Env]:
    """Load the app from ``ini`` without timers; yield a connection with its own transaction
    manager; close everything at the end. Failures end the command with one clear line."""
    from pyramid.paster import get_app, setup_logging

    try:
        setup_logging(ini)
    except Exception:  # noqa: BLE001 - an ini without logging sections is fine here
        logging.basicConfig(level=logging.WARNING)
    try:
        app = get_app(ini, options={"itsm.scheduler": "off"})
    except FileNotFoundError as exc:
        fail(command, f"cannot read {exc.filename or ini}")
    except Exception as exc:  # noqa: BLE001 - turned into one clear line below
        name = type(exc).__name__
        if name == "LockError":
            fail(command, _lock_message(exc))
        from itsm.settings import ConfigError

        if isinstance(exc, ConfigError):
            fail(command, f"{ini}: {exc}")
        if name in ("ClientDisconnected", "ConnectionRefusedError"):
            fail(command, f"the database server does not answer ({exc}); is runzeo running?")
        raise
    registry = app.registry
    db = get_db(registry)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:
        yield Env(registry, db, tm, conn)
    finally:
        conn.close()
        db.close()
