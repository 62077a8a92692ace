"""The email channel at scale: 10,000 mails into a desk with 100,000 incidents.

Loads ``--incidents`` incidents (default 100,000) with ``bench/load.py`` (``create_incident``
in bulk transactions, about 80 % resolved or closed, requested by ``employee``, ``employee2``
and the ``--people`` employees, who also write to the desk), then pipes ``--mails``
mails (default 10,000) in through the path ``itsm-mail-in`` uses:

- ``--via http`` (default; what ``itsm-mail-in`` does beside a desk on FileStorage): the
  desk served by waitress in its own process, each mail a ``POST /api/v1/mail/in`` with the
  shared secret, sent by ``itsm-mail-in``'s own client code in this process; ``--pipe N`` also
  runs the real ``itsm-mail-in`` command (a new Python process per mail, as an MTA runs it)
  for N of the mails;
- ``--via direct`` (what ``itsm-mail-in`` does on ZEO or RelStorage): ``take_message`` in a
  transaction of its own per mail, in this process.

The mix: new mails from known people, replies by header (In-Reply-To one of our
notifications) and by subject tag (``[INC-000123]``, to tickets made in the run and to loaded
ones), auto-replies, bounces (RFC 3464 delivery reports), and mail from unknown senders (held
in the quarantine). It reports mails/s, p50/p99 per mail, the outcome counts, and resident
memory, and the same figures of a bare stack measured in the same run (``http``: ``GET
/healthz`` through the same server; ``direct``: an empty commit per mail on the same storage),
so a slower machine shows as a slower baseline, not as a slower intake.

    .venv/bin/python bench/mail_bench.py --incidents 100000 --keep /tmp/itsm-mail-bench-100k
    .venv/bin/python bench/mail_bench.py --incidents 100000 --keep DIR --via direct --profile

The hourly per-sender limit (``itsm.mail_in.max_per_hour``) is raised for the run: it sends a
week of a company's mail in minutes. Traffic goes to 127.0.0.1 only; loops are bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incidents_bench import rss_mib  # noqa: E402
from incidents_bench import settings_for as desk_settings  # noqa: E402
from load import EN, RU, free_port, write_ini  # noqa: E402 - after sys.path
from load import load as bulk_load  # noqa: E402

#: The share of each kind of mail in the feed.
MIX = (
    ("new", 0.35),
    ("reply_header", 0.14),
    ("reply_tag", 0.14),
    ("reply_tag_loaded", 0.05),
    ("auto_reply", 0.10),
    ("bounce", 0.07),
    ("unknown", 0.15),
)
SECRET = "bench-mail-in-secret-" + "0123456789abcdef" * 2
DOMAIN = "example.com"


def settings_for(directory: Path) -> dict[str, str]:
    """The incidents benchmark's settings, with the HTTP intake on and no rate limit."""
    settings = desk_settings(directory)
    settings["itsm.mail_in.secret"] = SECRET
    settings["itsm.mail_in.max_per_hour"] = "1000000"
    return settings


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1] * 1000


# -- the desk -----------------------------------------------------------------------------------


def open_desk(directory: Path) -> tuple[Any, Any]:
    """(app, db) on the kept database."""
    from itsm import main
    from itsm.db import get_db

    app = main({}, **settings_for(directory))
    return app, get_db(app.registry)


def in_transaction(db: Any, func: Callable[[Any], Any]) -> Any:
    from itsm.db import run_in_transaction

    return run_in_transaction(db, func)


def add_people(directory: Path, count: int) -> list[str]:
    """``count`` employees with mail addresses (person records, as the directory sync makes
    them); returns their addresses."""
    from itsm.people.models import Person

    app, db = open_desk(directory)

    def make(root: Any) -> list[str]:
        people = root["people"]
        addresses = []
        for n in range(count):
            login = f"staff{n:04d}"
            if login not in people:
                person = people.add(login, Person(login))
                person.name = f"Staff Member {n}"
                person.email = f"{login}@{DOMAIN}"
                person.department = "Sales" if n % 2 else "Finance"
            addresses.append(f"{login}@{DOMAIN}")
        return addresses

    try:
        return in_transaction(db, make)
    finally:
        db.close()


def loaded_tickets(directory: Path, sample: int, rng: random.Random) -> list[tuple[str, str]]:
    """(number, requester's address) of ``sample`` loaded incidents."""
    app, db = open_desk(directory)

    def pick(root: Any) -> list[tuple[str, str]]:
        incidents = root["incidents"]
        keys = list(incidents.keys())
        chosen = rng.sample(keys, min(sample, len(keys)))
        people = root["people"]
        out = []
        for key in chosen:
            incident = incidents[key]
            person = people.get(incident.requester)
            if person is not None and person.email:
                out.append((incident.number, person.email))
        return out

    try:
        return in_transaction(db, pick)
    finally:
        db.close()


def thread_domain() -> str:
    from itsm.notify.notifications import mail_domain
    from itsm.settings import parse

    return mail_domain(parse(settings_for(Path("/nonexistent"))))


# -- the mails ----------------------------------------------------------------------------------


class Corpus:
    """Makes the feed's mails; replies go to tickets made earlier in the run (``made``)."""

    def __init__(
        self, rng: random.Random, people: list[str], loaded: list[tuple[str, str]], domain: str
    ) -> None:
        self.rng = rng
        self.people = people
        self.loaded = loaded
        self.domain = domain
        self.made: list[tuple[str, str, str]] = []  # (number, sender, title)
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]
        self.serial = 0

    def _message(self, sender: str, subject: str, body: str) -> EmailMessage:
        self.serial += 1
        message = EmailMessage()
        message["From"] = sender
        message["To"] = f"servicedesk@{DOMAIN}"
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<bench-{self.serial}-{uuid.uuid4().hex[:12]}@mail.{DOMAIN}>"
        message.set_content(body)
        return message

    def _text(self) -> tuple[str, str]:
        title, body = self.rng.choice(EN if self.rng.random() < 0.5 else RU)
        values = {"n": self.rng.randint(2, 99), "day": "Monday"}
        return title.format(**values), body.format(**values) + "\n\n--\nSent from my desk\n"

    def next(self) -> tuple[str, bytes, str]:
        """(kind, raw bytes, sender)."""
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind in ("reply_header", "reply_tag") and not self.made:
            kind = "new"
        rng = self.rng
        if kind == "new":
            title, body = self._text()
            sender = rng.choice(self.people)
            message = self._message(sender, title, body)
        elif kind == "reply_header":
            number, sender, title = rng.choice(self.made[-2000:])
            message = self._message(sender, f"Re: {title}", "Thanks, it happens again today.\n")
            message["In-Reply-To"] = f"<{uuid.uuid4().hex[:16]}.{number}@{self.domain}>"
            message["References"] = f"<{number}@{self.domain}>"
        elif kind == "reply_tag":
            number, sender, title = rng.choice(self.made[-2000:])
            message = self._message(sender, f"Re: [{number}] {title}", "Any news on this?\n")
        elif kind == "reply_tag_loaded":
            number, sender = rng.choice(self.loaded)
            message = self._message(sender, f"[{number}] still broken", "It is back.\n")
        elif kind == "auto_reply":
            sender = rng.choice(self.people)
            message = self._message(sender, "Automatic reply: out of office", "I am away.\n")
            message["Auto-Submitted"] = "auto-replied"
        elif kind == "bounce":
            return kind, self._bounce(rng.choice(self.people)), f"MAILER-DAEMON@mail.{DOMAIN}"
        else:
            title, body = self._text()
            sender = f"stranger{rng.randint(1, 500)}@elsewhere.example.org"
            message = self._message(sender, title, body)
        return kind, message.as_bytes(), sender

    def _bounce(self, recipient: str) -> bytes:
        """An RFC 3464 delivery report about our mail to ``recipient``."""
        self.serial += 1
        boundary = f"bounce-{self.serial}"
        return (
            f"Return-Path: <>\r\nFrom: MAILER-DAEMON@mail.{DOMAIN}\r\n"
            f"To: servicedesk@{DOMAIN}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {format_datetime(datetime.now(UTC))}\r\n"
            f"Message-ID: <bounce-{self.serial}-{uuid.uuid4().hex[:12]}@mail.{DOMAIN}>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"'
            f"\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
            "This is the mail system. Your message could not be delivered.\r\n"
            f"\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; mail.{DOMAIN}\r\n\r\n"
            f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
            f"\r\n--{boundary}--\r\n"
        ).encode()

    def taken(self, kind: str, sender: str, raw: bytes, outcome: dict[str, Any]) -> None:
        """Remember a ticket a new mail made, for later replies."""
        if kind == "new" and outcome.get("kind") == "ticket" and outcome.get("number"):
            subject = re.search(rb"^Subject: (.*)$", raw, re.M)
            title = subject.group(1).decode("ascii", "replace") if subject else "ticket"
            self.made.append((outcome["number"], sender, title[:60]))


# -- the feeds ----------------------------------------------------------------------------------


def feed_direct(
    directory: Path, corpus: Corpus, count: int, profile: bool
) -> tuple[list[float], Counter, float, dict[str, Any]]:
    """take_message in one transaction per mail, in this process."""
    from itsm.mailin.intake import take_message

    app, db = open_desk(directory)
    registry = app.registry
    latencies: list[float] = []
    outcomes: Counter = Counter()
    by_kind: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if profile else None
    extra: dict[str, Any] = {"by_kind": by_kind}
    started = time.perf_counter()
    try:
        for _ in range(count):
            kind, raw, sender = corpus.next()
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            outcome = in_transaction(
                db,
                lambda root, raw=raw: take_message(root, raw, registry=registry, source="bench"),
            )
            if profiler is not None:
                profiler.disable()
            latencies.append(time.perf_counter() - t0)
            outcomes[f"{kind} → {outcome.kind}"] += 1
            by_kind.setdefault(f"{kind} → {outcome.kind}", []).append(latencies[-1])
            corpus.taken(kind, sender, raw, outcome.as_json())
        wall = time.perf_counter() - started
        extra["rss_mib"] = rss_mib()
        extra["bare"] = bare_direct(db, 2000)
    finally:
        db.close()
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        extra["profile"] = out.getvalue()
    return latencies, outcomes, wall, extra


def bare_direct(db: Any, count: int) -> dict[str, float]:
    """The floor of one mail per transaction: open a connection, write one small key, commit."""
    from BTrees.OOBTree import OOBTree

    def setup(root: Any) -> None:
        if getattr(root, "bench_scratch", None) is None:
            root.bench_scratch = OOBTree()

    in_transaction(db, setup)
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        t0 = time.perf_counter()
        in_transaction(db, lambda root, n=n: root.bench_scratch.__setitem__(uuid.uuid4().hex, n))
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    return {"per_s": count / wall, "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99)}


class Server:
    """The desk under waitress (4 threads) in its own process, on a free loopback port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        ini = directory / "mail-bench.ini"
        self.settings = dict(settings_for(directory), **{"itsm.mail_in.url": self.url})
        lines = [f"{k} = {v}" for k, v in self.settings.items() if k != "use"]
        ini.write_text(
            "[app:main]\nuse = egg:itsm\n"
            + "\n".join(lines)
            + f"\n\n[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{self.port}\n"
            "threads = 4\n",
            encoding="utf-8",
        )
        self.ini = ini
        pserve = Path(sys.executable).parent / "pserve"
        self.log = (directory / "mail-bench-server.log").open("wb")
        self.process = subprocess.Popen(
            [str(pserve), str(ini)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def feed_http(
    directory: Path, corpus: Corpus, count: int, pipe: int
) -> tuple[list[float], Counter, float, dict[str, Any]]:
    """Each mail through ``itsm-mail-in``'s client code to the desk served by waitress."""
    from itsm.mailin.cli import post_to_desk  # the command's own client
    from itsm.settings import parse

    server = Server(directory)
    settings = parse(server.settings)

    def deliver(raw: bytes) -> dict[str, str]:
        said, complained = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(complained):
            code = post_to_desk(settings, raw, source="bench")
        if code:
            raise RuntimeError(f"itsm-mail-in would exit {code}: {complained.getvalue()}")
        # It prints "ticket number=INC-000123" (the kind, then name=value pairs).
        kind, *pairs = said.getvalue().split()
        return dict([("kind", kind)] + [tuple(p.split("=", 1)) for p in pairs])

    latencies: list[float] = []
    outcomes: Counter = Counter()
    by_kind: dict[str, list[float]] = {}
    extra: dict[str, Any] = {"by_kind": by_kind}
    try:
        for _ in range(20):  # warm the caches, as the first mails after a start would
            kind, raw, sender = corpus.next()
            corpus.taken(kind, sender, raw, deliver(raw))
        started = time.perf_counter()
        for _ in range(count):
            kind, raw, sender = corpus.next()
            t0 = time.perf_counter()
            outcome = deliver(raw)
            latencies.append(time.perf_counter() - t0)
            outcomes[f"{kind} → {outcome.get('kind')}"] += 1
            by_kind.setdefault(f"{kind} → {outcome.get('kind')}", []).append(latencies[-1])
            corpus.taken(kind, sender, raw, outcome)
        wall = time.perf_counter() - started
        extra["rss_mib"] = rss_mib(server.process.pid)
        extra["bare"] = bare_http(server.port, 2000)
        if pipe:
            extra["pipe"] = feed_pipe(server, corpus, pipe)
    finally:
        server.stop()
    return latencies, outcomes, wall, extra


def bare_http(port: int, count: int) -> dict[str, float]:
    """The floor of a request through the same server: ``GET /healthz`` (storage read and
    directory ping, no commit), one connection after another as the mails were sent."""
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        conn.close()
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    return {"per_s": count / wall, "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99)}


def feed_pipe(server: Server, corpus: Corpus, count: int) -> dict[str, Any]:
    """The real command, one process per mail (as an MTA's pipe runs it)."""
    command = Path(sys.executable).parent / "itsm-mail-in"
    env = dict(os.environ, ITSM_MAIL_IN_SECRET=SECRET)
    latencies = []
    codes: Counter = Counter()
    started = time.perf_counter()
    for _ in range(count):
        _kind, raw, _sender = corpus.next()
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(command), str(server.ini)], input=raw, capture_output=True, env=env, timeout=120
        )
        latencies.append(time.perf_counter() - t0)
        codes[done.returncode] += 1
    wall = time.perf_counter() - started
    return {
        "mails": count,
        "per_s": count / wall,
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "exit codes": dict(codes),
    }


# -- the run ------------------------------------------------------------------------------------


def prepare(directory: Path, incidents: int, people: int) -> None:
    """Load the desk once (``--keep`` reuses it). A load that was stopped part way (it commits
    every 500 incidents) is used as it is, with the number it reached."""
    marker = directory / "mail-bench-loaded.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        print(f"reusing {directory}: {info}")
        return
    started = time.perf_counter()
    if not (directory / "Data.fs").exists():
        # bench/load.py: the app's create path in bulk transactions, the same people.
        bulk_load(write_ini(directory / "load.ini"), incidents, people=people)
    else:
        print(f"{directory} holds a load that stopped part way: using it as it is")
    add_people(directory, people)
    info = {
        "incidents": count_incidents(directory),
        "asked": incidents,
        "people": people,
        "seconds": round(time.perf_counter() - started),
    }
    marker.write_text(json.dumps(info))
    print(f"loaded: {info}")


def count_incidents(directory: Path) -> int:
    app, db = open_desk(directory)
    try:
        return in_transaction(db, lambda root: len(root["incidents"]))
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=300, help="employees who write mail")
    parser.add_argument("--via", choices=("http", "direct"), default="http")
    parser.add_argument("--pipe", type=int, default=0, help="mails through the real command")
    parser.add_argument("--profile", action="store_true", help="cProfile the direct feed")
    parser.add_argument("--keep", help="a directory to keep (and reuse) the loaded desk in")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    directory = Path(args.keep or tempfile.mkdtemp(prefix="itsm-mail-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    print(f"database: {directory}", flush=True)
    prepare(directory, args.incidents, args.people)
    if args.load_only:
        return
    rng = random.Random(args.seed)
    people = [f"staff{n:04d}@{DOMAIN}" for n in range(args.people)]
    corpus = Corpus(rng, people, loaded_tickets(directory, 500, rng), thread_domain())
    if args.via == "direct" or args.profile:
        latencies, outcomes, wall, extra = feed_direct(directory, corpus, args.mails, args.profile)
    else:
        latencies, outcomes, wall, extra = feed_http(directory, corpus, args.mails, args.pipe)
    bare = extra.pop("bare")
    rate = len(latencies) / wall
    desk = json.loads((directory / "mail-bench-loaded.json").read_text())
    results = {
        "desk": {"incidents": desk["incidents"], "people": desk["people"]},
        "via": args.via,
        "mails": len(latencies),
        "mails/s": round(rate, 1),
        "p50 ms": round(pct(latencies, 50), 1),
        "p99 ms": round(pct(latencies, 99), 1),
        "max ms": round(max(latencies) * 1000, 1),
        "RSS MiB": round(extra.pop("rss_mib"), 0),
        "bare stack": {k: round(v, 1) for k, v in bare.items()},
        "mails/s as a share of the bare stack's requests/s": f"{rate / bare['per_s']:.0%}",
        "outcomes (count, p50 ms, p99 ms)": {
            key: [outcomes[key], round(pct(values, 50), 1), round(pct(values, 99), 1)]
            for key, values in sorted(extra.pop("by_kind").items())
        },
    }
    profile = extra.pop("profile", None)
    results.update(extra)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if profile:
        print(profile)
    print(
        f"machine: {os.cpu_count()} cores; reproduce: .venv/bin/python bench/mail_bench.py "
        f"--incidents {args.incidents} --mails {args.mails} --via {args.via}"
        + (f" --pipe {args.pipe}" if args.pipe else "")
        + (" --profile" if args.profile else "")
        + (f" --keep {args.keep}" if args.keep else "")
    )
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
