"""R9 in the suite: the worker restarted 8 times around an incident's SLA warnings and breaches
(``bench/reliability/r9_sla_restarts.py`` restarts it 20 times; the clock's properties with
10,000 examples: ``--hypothesis-profile=reliability`` on ``tests/unit/sla``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.reliability.sla_restarts import restart_around_alerts


def test_restarting_the_worker_around_breaches_alerts_and_escalates_exactly_once(
    demo_template: Path, tmp_path: Path, smtp_server: Any
) -> None:
    assert restart_around_alerts(demo_template, tmp_path / "desk", smtp_server, count=8) == 8
