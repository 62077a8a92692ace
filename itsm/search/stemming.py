"""Russian and English word analysis for the catalog's text index (a hypatia lexicon pipeline).

The pipeline is ``Lexicon(WordSplitter(), StopWordRemover(), SnowballStemmer())``:

- :class:`WordSplitter` normalises Unicode (NFKC, ``ё`` → ``е``, stress marks, soft hyphens
  and zero-width characters removed), case-folds and splits into words of letters and digits
  in any script. A compound joined by ``-``, ``.`` or ``_`` (``INC-000123``, ``srv01.corp``,
  ``Wi-Fi``) is kept whole *and* split into its parts, so ``INC-000123`` finds exactly that
  ticket while ``000123`` finds it too.
- :class:`StopWordRemover` drops the commonest Russian and English function words: text
  queries are AND-ed, and "принтер на третьем этаже" must not require the document to
  contain "на".
- :class:`SnowballStemmer` stems each word with the Snowball stemmer of its script: Cyrillic
  → Russian, Latin → English; numbers and compounds stay as they are.

Stemmer choice: PyStemmer (the Snowball C library behind a C extension), because a
manylinux wheel exists for our Python and it is roughly ten times faster than the
pure-Python ``snowballstemmer``, which matters when a 100k-ticket database is reindexed.
Both run the same Snowball algorithms, so switching between them needs no reindex.

The lexicon pickles instances of these classes into the database: they carry no state, and
they must never move or be renamed without an alias in ``itsm/evolve/``. Any change to what
they produce (normalisation, stop words, stemmer) needs a reindex of the text index, or old
documents and new queries disagree about words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

import Stemmer

#: A word: letters and digits of any script; a compound joins words with - . or _.
_TOKEN = re.compile(r"[^\W_]+(?:[-._][^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")

#: Removed before splitting: combining acute/grave (stress marks in Russian texts), soft hyphen,
#: zero-width characters and the BOM; they would otherwise cut a word in two.
_INVISIBLE = dict.fromkeys(map(ord, "\u0300\u0301\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_YO = str.maketrans("ёЁ", "еЕ")

#: Longer "words" are pasted hashes, base64 or URLs' insides; nobody searches for them and
#: they would bloat the lexicon.
MAX_WORD_LENGTH = 64

ENGLISH_STOP_WORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i if in into is
    me my no nor not of on or our she so than that the their them then there these they this
    those to was we were what when where which who whom will with would you your""".split()
)
# "it" is deliberately not a stop word: "IT" is a department and a category here.

RUSSIAN_STOP_WORDS = frozenset(
    """а без бы был была были было быть в вам вас во вот все всё вы где да для до его ее её
    если есть еще ещё же за и из или им их к как ко когда кто ли мне мы на над не него нее
    неё нет ни но ну о об от по под при с со так также там то тоже только у уже что чтобы
    это этот эта эти я""".split()
)
#: Compared after splitting, so written with е for ё like everything else.
STOP_WORDS = frozenset(w.translate(_YO) for w in ENGLISH_STOP_WORDS | RUSSIAN_STOP_WORDS)


def normalize(text: str) -> str:
    """Unicode-normalise and case-fold ``text`` the way the index sees it (ё → е)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.casefold().translate(_YO)


def split_words(text: str) -> list[str]:
    """Normalised words of ``text``; a compound yields itself followed by its parts."""
    words: list[str] = []
    for match in _TOKEN.finditer(normalize(text)):
        token = match.group()
        if len(token) > MAX_WORD_LENGTH:
            continue
        words.append(token)
        if not token.isalnum():
            words.extend(_PART.findall(token))
    return words


_local = threading.local()


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    # PyStemmer objects are not thread-safe; waitress serves requests from several threads.
    pair = getattr(_local, "stemmers", None)
    if pair is None:
        pair = _local.stemmers = (Stemmer.Stemmer("russian"), Stemmer.Stemmer("english"))
    return pair


def stem(word: str) -> str:
    """Stem one normalised word by its script; compounds and numbers are returned unchanged."""
    if not word.isalnum():
        return word
    russian, english = _stemmers()
    if _CYRILLIC.search(word):
        return russian.stemWord(word)
    if _LATIN.search(word):
        return english.stemWord(word)
    return word


def stem_words(text: str) -> list[str]:
    """The index terms of ``text`` in order: what the lexicon pipeline below produces."""
    return [stem(w) for w in split_words(text) if w not in STOP_WORDS]


def _strings(items: Iterable[str | None]) -> Iterable[str]:
    return (s for s in items if s)


class WordSplitter:
    """Lexicon pipeline element: normalise and split text into words (see the module doc)."""

    def process(self, lst: Iterable[str]) -> list[str]:
        words: list[str] = []
        for text in _strings(lst):
            words += split_words(text)
        return words


class StopWordRemover:
    """Lexicon pipeline element: drop Russian and English function words."""

    def process(self, lst: Iterable[str]) -> list[str]:
        return [w for w in lst if w not in STOP_WORDS]


class SnowballStemmer:
    """Lexicon pipeline element: Snowball-stem each word (Cyrillic → Russian, Latin → English)."""

    def process(self, lst: Iterable[str]) -> list[str]:
        return [stem(w) for w in lst]
