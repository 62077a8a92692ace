"""R11 in the suite: 100 mails of the corpus through the intake
(``bench/reliability/r11_mail_corpus.py`` takes 1,000)."""

from __future__ import annotations

from typing import Any

from tests.mailin.conftest import SECRET
from tests.reliability.mail_corpus import run_corpus


def test_a_mixed_mail_corpus_crashes_nothing_and_drops_nothing(make_app: Any) -> None:
    app = make_app(**{"itsm.mail_in.secret": SECRET})
    result = run_corpus(app, 100, seed=11)
    assert result.crashes == []
    assert result.silent == []
    assert result.taken == 100
    kinds = {kind for _category, kind in result.outcomes}
    assert {"ticket", "reply", "ignored", "quarantined", "duplicate"} <= kinds, result.outcomes
    # Mail that must never open a ticket did not.
    for category in ("auto-reply", "out-of-office", "bounce", "own"):
        assert (category, "ticket") not in result.outcomes, result.outcomes
    assert ("redelivery", "duplicate") in result.outcomes
