"""R7: ``kill -9`` of ``itsm-worker`` while it delivers the outbox, again and again. Delivery is
at least once: nothing is lost, and a kill between "sent" and "marked sent" re-sends at most the
one message in flight, under the same Message-ID, so the receiver can drop the duplicate."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.plugins.smtp import SmtpServer, _Recorder
from tests.reliability.harness import Worker, copy_demo, with_root


class SlowRecorder(_Recorder):
    """A receiving server that takes ``delay`` seconds per message, so that a kill lands in
    the middle of a delivery turn rather than between turns."""

    delay = 0.03

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class WorkerKills:
    expected: set[str] = field(default_factory=set)
    kills: int = 0
    killed_mid_delivery: int = 0
    received: Counter = field(default_factory=Counter)
    left_in_outbox: int = 0

    @property
    def lost(self) -> set[str]:
        return self.expected - set(self.received)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.received.values() if n > 1)


def queue_mail(directory: Path, count: int) -> set[str]:
    """``count`` messages in the outbox of the database in ``directory`` (one transaction, as
    a busy minute leaves them); their Message-IDs."""

    def write(root: Any) -> set[str]:
        mails = [
            root.outbox.add(
                [f"person{n}@example.com"],
                f"INC-{n:06d} received",
                f"Message {n}\n",
                domain="localhost",
                kind="ticket_event",
            )
            for n in range(count)
        ]
        return {mail.message_id for mail in mails}

    return with_root(directory, write, commit=True)


def kill_workers(
    template: Path,
    directory: Path,
    smtp: SmtpServer,
    mails: int = 300,
    kills: int = 10,
    seed: int = 0,
) -> WorkerKills:
    rng = random.Random(seed)
    copy_demo(template, directory)
    result = WorkerKills(expected=queue_mail(directory, mails))
    overrides = {**smtp.settings_overrides(), "itsm.worker.lease_seconds": "2"}
    worker = Worker(directory, overrides)
    for _kill in range(kills):
        before = len(smtp.messages)
        if before >= mails:
            break
        worker.start()
        goal = before + rng.randint(1, max(1, min(40, (mails - before) // (kills + 1))))
        deadline = time.monotonic() + 120
        while len(smtp.messages) < goal and time.monotonic() < deadline and worker.running():
            time.sleep(0.005)
        worker.kill()
        result.kills += 1
        result.killed_mid_delivery += len(smtp.messages) - before < mails - before
    worker.start()
    deadline = time.monotonic() + 600
    # Until the outbox is empty (read beside the worker: a read-only FileStorage takes no
    # lock), not until every Message-ID arrived: the mail in flight at the last kill arrived
    # but is still pending, and is sent once more.
    while with_root(directory, lambda root: len(root.outbox.pending)):
        if time.monotonic() > deadline or not worker.running():
            break
        time.sleep(0.5)
    worker.stop()
    result.received = Counter(str(m.message["Message-ID"]) for m in smtp.messages)
    result.left_in_outbox = with_root(directory, lambda root: len(root.outbox.pending))
    return result
