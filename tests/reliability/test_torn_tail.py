"""R2 in the suite: ``Data.fs`` cut at 6 random offsets inside its last transaction (the 100
offsets are ``bench/reliability/r2_torn_tail.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.torn_tail import check_cut, offsets, prepare


def test_a_data_fs_cut_inside_its_last_transaction_opens_and_serves(
    demo_template: Path, tmp_path: Path
) -> None:
    tail = prepare(demo_template, tmp_path / "desk")
    assert tail.end - tail.start > 100  # a ticket's transaction, not an empty one
    cuts = [check_cut(tail, offset, tmp_path) for offset in offsets(tail, 6, seed=17)]
    assert {cut.offset: cut.problems for cut in cuts if cut.problems} == {}
    assert len(cuts) == 6
