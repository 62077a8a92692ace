"""R7 in the suite: ``itsm-worker`` killed with SIGKILL once while it delivers 40 mails
(``bench/reliability/r7_worker_kill.py`` kills it 10 times)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.smtp import SmtpServer
from tests.reliability.worker_kill import SlowRecorder, kill_workers


@pytest.fixture
def slow_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.handler = SlowRecorder()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_killing_the_worker_mid_delivery_loses_no_mail(
    demo_template: Path, tmp_path: Path, slow_smtp: SmtpServer
) -> None:
    result = kill_workers(demo_template, tmp_path / "desk", slow_smtp, mails=40, kills=1, seed=7)
    assert result.kills == 1
    assert result.killed_mid_delivery == 1
    assert result.lost == set()
    assert result.duplicates <= result.kills
    assert set(result.received) == result.expected  # the same Message-ID when sent again
    assert result.left_in_outbox == 0
