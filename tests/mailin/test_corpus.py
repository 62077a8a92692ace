"""Real mail from other help desks' test suites (``../shared/external/mail``, see its
MANIFEST.md): every message goes through the intake without a traceback, and none is lost;
bounces and auto-replies make no ticket and send nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mailin.conftest import (
    CORPUS,
    SECRET,
    corpus_files,
    mail_in_command,
    write_ini,
)

FILES = corpus_files()
#: What MANIFEST.md marks as bounces (delivery reports, null senders) and as automatic mail
#: that must not be answered.
BOUNCES = {
    "mail033-undelivered-mail-returned-to-sender-notification.box",
    "mail052.box",
    "mail078.box",
    "mail092.box",
}
AUTOMATIC = {"mail089.box", "mail090.box"}


def test_the_corpus_is_there():
    # CI lays ../shared beside the clone; a missing corpus must fail, not skip the checks.
    assert len(FILES) >= 30, f"the mail corpus is not at {CORPUS}"


def post(desk: Any, raw: bytes, status: int = 200) -> Any:
    return desk.client().post(
        "/api/v1/mail/in",
        raw,
        headers={"X-Itsm-Mail-Secret": SECRET, "Content-Type": "message/rfc822"},
        status=status,
    )


def state(desk: Any) -> tuple[int, int, int, int]:
    def read(root: Any) -> tuple[int, int, int, int]:
        journal = sum(len(i.journal) for i in root["incidents"].values())
        return len(root["incidents"]), journal, len(root["mail"]["quarantine"]), len(root.outbox)

    return desk.read(read)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_mail_is_taken_without_a_traceback(desk, path, caplog):
    before = state(desk)
    outcome = post(desk, path.read_bytes()).json
    after = state(desk)
    assert "Traceback" not in caplog.text
    assert outcome["kind"] in ("ticket", "reply", "quarantined", "ignored"), outcome
    made = {
        "ticket": (1, 0, 0),
        "reply": (0, 1, 0),
        "quarantined": (0, 0, 1),
        "ignored": (0, 0, 0),
    }[outcome["kind"]]
    # One message, one outcome: a ticket, an entry or a held mail, never lost, never two.
    assert tuple(a - b for a, b in zip(after[:3], before[:3], strict=True)) == made
    if path.name in BOUNCES:
        assert (outcome["kind"], outcome["reason"]) == ("ignored", "bounce")
    if path.name in BOUNCES | AUTOMATIC:
        assert after[3] == before[3], "nothing may be sent in answer to automatic mail"
    # Delivered again, it changes nothing.
    assert post(desk, path.read_bytes()).json["kind"] == "duplicate"
    assert state(desk) == after


def test_every_corpus_mail_goes_through_the_real_command(live_desk, tmp_path):
    ini = write_ini(
        tmp_path / "desk.ini", live_desk.app.settings, **{"itsm.mail_in.url": live_desk.url}
    )
    outcomes = {}
    for path in FILES:
        result = mail_in_command(ini, path.read_bytes())
        assert result.returncode == 0, (path.name, result.stderr.decode())
        assert b"Traceback" not in result.stderr
        outcomes[path.name] = result.stdout.decode().split()[0]
    assert {outcomes[name] for name in BOUNCES} == {"ignored"}
    taken = live_desk.app.read(
        lambda root: (
            len(root["incidents"])
            + sum(len(i.journal) for i in root["incidents"].values())
            + len(root["mail"]["quarantine"])
        )
    )
    assert taken == sum(
        1 for kind in outcomes.values() if kind in ("ticket", "reply", "quarantined")
    )
