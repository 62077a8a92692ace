"""``itsm-mail-in INI``: read one RFC 5322 message on stdin and give it to the desk.

For an MTA pipe (``|itsm-mail-in /etc/itsm/production.ini``, as rt-mailgate). Exit codes
(sysexits): 0 when the desk took the mail (a ticket, a reply, held in the quarantine, or
ignored on purpose); 75 (EX_TEMPFAIL) when it could not be stored now, so the MTA keeps it and
tries again; 69 (EX_UNAVAILABLE) when it is larger than ``itsm.mail_in.max_bytes`` (retrying
cannot help: the MTA returns it to the sender with our line on stderr); 64 for a wrong
command line.

How it reaches the database:
- ``zodbconn.uri`` a FileStorage (``file://``): the running desk holds it, so the mail is
  posted to ``{itsm.mail_in.url}/api/v1/mail/in`` with ``itsm.mail_in.secret``. When the desk
  does not answer the command exits 75; it never opens the FileStorage itself, which would
  stop a desk (re)starting at that moment from opening it.
- ZEO or RelStorage: several processes share the database, so the command opens it and takes
  the mail in its own transaction (``--http`` posts to the desk instead).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

COMMAND = "itsm-mail-in"
EX_OK = 0
EX_USAGE = 64
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75

log = logging.getLogger(__name__)


def _say(message: str) -> None:
    print(f"{COMMAND}: {message}", file=sys.stderr)


def _settings(ini: str) -> Any:
    import plaster

    from itsm.settings import parse

    return parse(plaster.get_settings(ini, "app:main"))


def post_to_desk(settings: Any, raw: bytes, recipient: str = "", source: str = "pipe") -> int:
    """Hand ``raw`` to the desk over HTTP; the exit code."""
    options = settings.mail_in
    if not options.secret:
        _say(
            "itsm.mail_in.secret is not set, so the desk takes no mail over HTTP; kept for a retry"
        )
        return EX_TEMPFAIL
    query = urllib.parse.urlencode(
        {k: v for k, v in (("recipient", recipient), ("source", source)) if v}
    )
    url = f"{options.url}/api/v1/mail/in" + (f"?{query}" if query else "")
    # itsm.settings allows only http:// and https:// URLs here.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=raw,
        method="POST",
        headers={"Content-Type": "message/rfc822", "X-Itsm-Mail-Secret": options.secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=options.timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        if error.code == 413:
            _say(f"the mail is too large for the service desk (limit {options.max_bytes} bytes)")
            return EX_UNAVAILABLE
        _say(f"the desk at {options.url} answered {error.code}; kept for a retry")
        return EX_TEMPFAIL
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        _say(f"the desk at {options.url} does not answer ({reason}); kept for a retry")
        return EX_TEMPFAIL
    try:
        outcome = json.loads(body)
    except ValueError:
        _say(f"the desk at {options.url} answered something else than JSON; kept for a retry")
        return EX_TEMPFAIL
    print(_summary(outcome))
    return EX_OK


def take_directly(ini: str, raw: bytes, recipient: str = "", source: str = "pipe") -> int:
    """Open the shared database (ZEO, RelStorage) and take ``raw`` in a transaction."""
    from transaction.interfaces import TransientError
    from ZODB.POSException import POSError

    from itsm.db import run_in_transaction
    from itsm.mailin.intake import TemporaryFailure, hold_failed, take_message
    from itsm.scripts.env import open_env

    try:
        with open_env(COMMAND, ini) as env:

            def take(root: Any) -> Any:
                return take_message(
                    root, raw, registry=env.registry, source=source, recipient=recipient
                )

            try:
                outcome = run_in_transaction(env.db, take)
            except TemporaryFailure as error:
                _say(f"{error}; kept for a retry")
                return EX_TEMPFAIL
            except (TransientError, POSError, OSError) as error:
                _say(f"the database failed ({type(error).__name__}: {error}); kept for a retry")
                return EX_TEMPFAIL
            except Exception as error:  # noqa: BLE001 - a bug must not lose the mail: hold it
                log.exception("the intake failed; holding the mail in the quarantine")
                reason = f"{type(error).__name__}: {error}"
                outcome = run_in_transaction(
                    env.db,
                    lambda root: hold_failed(
                        root, raw, registry=env.registry, source=source, error=reason
                    ),
                )
            print(_summary(outcome.as_json()))
            return EX_OK
    except SystemExit:
        return EX_TEMPFAIL  # open_env said why on stderr (database down, locked, ...)
    except Exception as error:  # noqa: BLE001 - anything else: keep the mail for a retry
        _say(f"{type(error).__name__}: {error}; kept for a retry")
        return EX_TEMPFAIL


def _summary(outcome: dict[str, Any]) -> str:
    parts = [outcome.get("kind", "?")]
    for name in ("number", "reason", "held"):
        if outcome.get(name):
            parts.append(f"{name}={outcome[name]}")
    return " ".join(parts)


def run(argv: list[str] | None = None, stdin: Any = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n", 1)[0])
    parser.add_argument("ini", help="the desk's ini file, e.g. /etc/itsm/production.ini")
    parser.add_argument(
        "--recipient", default="", help="the envelope recipient (Postfix ${original_recipient})"
    )
    parser.add_argument(
        "--http", action="store_true", help="post to the running desk even on ZEO / RelStorage"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EX_USAGE if exit_.code else EX_OK
    raw = (stdin or sys.stdin.buffer).read()
    if not raw.strip():
        _say("no message on stdin")
        return EX_USAGE
    try:
        settings = _settings(args.ini)
    except Exception as error:  # noqa: BLE001 - a broken ini: keep the mail until it is fixed
        _say(f"cannot read the settings of {args.ini} ({error}); kept for a retry")
        return EX_TEMPFAIL
    if len(raw) > settings.mail_in.max_bytes:
        _say(
            f"the mail is too large for the service desk (limit {settings.mail_in.max_bytes} bytes)"
        )
        return EX_UNAVAILABLE
    shared = not settings.zodb_uri.startswith(("file:", "memory:"))
    if shared and not args.http:
        return take_directly(args.ini, raw, args.recipient)
    return post_to_desk(settings, raw, args.recipient)


def main() -> None:
    raise SystemExit(run())


if __name__ == "__main__":  # pragma: no cover
    main()
