"""Two desks answering each other (RT, Zammad and GLPI users report such loops): desk A
mails desk B's intake address, each desk's outbox goes to its own SMTP server on loopback,
and that server hands mail for the other desk to the other desk's intake. The exchange must
stop within 3 mails, even when a relay on the way strips the automatic-mail headers."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.plugins.smtp import SmtpServer, _Recorder

STRIPPED = ("Auto-Submitted", "X-Auto-Response-Suppress", "Precedence")


class Pipe(_Recorder):
    """Records like the suite's SMTP sink, then gives mail for ``domain`` to ``desk``."""

    def __init__(self, domain: str, strip: bool) -> None:
        super().__init__()
        self.domain = domain
        self.strip = strip
        self.desk: Any = None
        self.piped: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if any(rcpt.endswith("@" + self.domain) for rcpt in envelope.rcpt_tos):
            raw = envelope.original_content or envelope.content
            if self.strip:
                message = email.message_from_bytes(raw, policy=email.policy.compat32)
                for name in STRIPPED:
                    del message[name]
                raw = message.as_bytes()
            from itsm.mailin.intake import take_message

            outcome = self.desk.write(
                lambda root: take_message(root, raw, registry=self.desk.registry, source="smtp")
            )
            self.piped.append(outcome)
        return answer


def start(domain: str, strip: bool) -> tuple[SmtpServer, Pipe]:
    server = SmtpServer()
    pipe = Pipe(domain, strip)
    server.handler = pipe
    server.start()
    return server, pipe


def deliver(app: Any) -> str | None:
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    later = datetime.now(UTC) + timedelta(hours=2)
    return deliver_outbox(JobContext(app.registry, app.db, now=lambda: later))


@pytest.mark.parametrize("strip", [False, True], ids=["headers kept", "headers stripped"])
def test_two_desks_mailing_each_other_stop_within_3_mails(make_app, strip):
    server_a, to_b = start("b.example", strip)  # A's outgoing mail server, piping into B
    server_b, to_a = start("a.example", strip)
    try:
        desks = {}
        for name, server in (("a", server_a), ("b", server_b)):
            desks[name] = make_app(
                **server.settings_overrides(),
                **{
                    "itsm.public_url": f"http://{name}.example",
                    "itsm.mail.sender": f"itsm@{name}.example",
                    # The worst case: each desk takes mail from anyone (a guest requester).
                    "itsm.mail_in.unknown_senders": "create",
                },
            )
        a, b = desks["a"], desks["b"]
        to_b.desk, to_a.desk = b, a

        def report(root: Any) -> str:
            from itsm.directory import make_directory
            from itsm.incidents.intake import create_incident
            from itsm.people.records import find_or_fetch
            from itsm.tickets.context import ActionContext

            person = find_or_fetch(
                root["people"],
                make_directory(a.registry, root),
                "employee",
                a.registry.itsm_settings.roles,
            )
            person.email = "desk@b.example"  # someone gave desk B's address as their own
            ctx = ActionContext(
                root, a.registry, datetime.now(UTC), "employee", frozenset(person.roles)
            )
            return create_incident(ctx, requester="employee", title="Printer jams").number

        a.write(report)
        for _round in range(10):
            results = [deliver(a), deliver(b)]
            if all(r is None for r in results):
                break
        exchanged = len(to_b.piped) + len(to_a.piped)
        assert 1 <= exchanged <= 3, [*to_b.piped, *to_a.piped]
        assert deliver(a) is None and deliver(b) is None  # nothing more is waiting
    finally:
        server_a.stop()
        server_b.stop()
