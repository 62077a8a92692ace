"""R4 in the suite: 32 clients create 4 incidents each at once through a real pserve
(``bench/reliability/r4_creates.py`` runs 32 x 100)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.creates import create_crowd


def test_32_clients_creating_at_once_get_unique_numbers(
    demo_template: Path, tmp_path: Path
) -> None:
    result = create_crowd(demo_template, tmp_path / "desk", clients=32, each=4)
    assert result.timings.errors == []
    assert len(result.numbers) == 128
    assert result.duplicates == 0
    assert result.server_errors == 0
    assert result.stored == 128
    assert result.commits >= 128
    assert result.conflicts_per_commit < 0.2
