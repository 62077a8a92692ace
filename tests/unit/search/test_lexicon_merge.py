"""Two processes indexing new words at once merge instead of conflicting (found by the R8
check: hypatia's counter gave both the same word id)."""

from __future__ import annotations

import transaction
import ZODB
import ZODB.FileStorage

from itsm.search.catalog import make_lexicon


def test_new_words_from_two_connections_at_once_merge(tmp_path):
    db = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    try:
        tm0 = transaction.TransactionManager()
        conn = db.open(tm0)
        conn.root()["lexicon"] = lexicon = make_lexicon()
        lexicon.sourceToWordIds("printer toner paper")
        tm0.commit()
        conn.close()

        tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
        first, second = db.open(tm1), db.open(tm2)
        (vpn,) = first.root()["lexicon"].sourceToWordIds("vpn")
        (mailbox,) = second.root()["lexicon"].sourceToWordIds("mailbox")
        tm1.commit()
        tm2.commit()  # merged, not a ConflictError
        assert vpn != mailbox
        first.close()
        second.close()

        conn = db.open(transaction.TransactionManager())
        merged = conn.root()["lexicon"]
        assert merged.get_word(vpn) == "vpn" and merged.get_word(mailbox) == "mailbox"
        assert merged.word_count() == 5
        conn.close()
    finally:
        db.close()
