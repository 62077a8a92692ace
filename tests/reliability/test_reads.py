"""R5 in the suite: GETs of the queue, ticket and portal pages on a real pserve commit nothing
(``bench/reliability/r5_reads.py`` runs 1,000)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.reads import read_pages


def test_reading_pages_over_http_adds_no_transaction(demo_template: Path, tmp_path: Path) -> None:
    result = read_pages(demo_template, tmp_path / "desk", gets=80)
    assert result.gets == 80
    assert set(result.statuses) == {200}
    assert result.new_transactions == []
