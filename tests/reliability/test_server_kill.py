"""R1 in the suite: one run of "kill -9 the server under 8 writing clients" (the 20 runs of
1,000 tickets are ``bench/reliability/r1_server_kill.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.server_kill import kill_run


def test_every_acknowledged_ticket_survives_kill_9_of_the_server(
    demo_template: Path, tmp_path: Path
) -> None:
    run = kill_run(demo_template, tmp_path / "desk", tickets=160, clients=8)
    assert run.killed_after > 0
    assert run.lost == []
    assert run.changed == []
    assert run.reused == []
    assert run.server_errors == 0
    assert run.storage_problems == {"fstest": "", "fsrefs": ""}
