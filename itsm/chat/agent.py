"""The virtual agent: answers a question from the knowledge base, or recognises an intent.

No language model: the question goes through the same stemmed search as the portal's
knowledge base (:func:`itsm.kb.search.search_articles`), after misspelt words are corrected
against the words of the published articles (difflib), and a few intents are recognised by
their words in English and Russian: a password reset, a ticket's status, ordering something
from the catalog, and asking for a person.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from itsm.i18n import _
from itsm.kb.rendering import plain_text
from itsm.kb.search import search_articles
from itsm.requests.catalog import items as catalog_items
from itsm.search.catalog import search
from itsm.search.stemming import STOP_WORDS, split_words, stem, stem_words

#: At most this many articles in an answer.
MAX_ARTICLES = 3
#: Words this close (difflib ratio) to a word of the knowledge base are taken for it.
SPELLING_CUTOFF = 0.8
PARAGRAPH_LENGTH = 300

TICKET_NUMBER = re.compile(r"\b(INC|REQ|CHG)[-\s]?(\d{1,6})\b", re.IGNORECASE)
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "person",
        re.compile(
            r"\b(talk|speak|chat)\s+(to|with)\s+(a\s+)?(person|human|agent|someone|operator)|"
            r"\b(human|operator)\b|оператор|живо\w+\s+человек|с\s+человеком|специалист",
            re.IGNORECASE,
        ),
    ),
    (
        "password",
        re.compile(
            r"(reset|forgot|forgotten|change|lost)\s+(my\s+)?password|password\s+reset|"
            r"(сброс\w*|забыл\w*|поменять|сменить|восстанов\w+)\s+(мой\s+)?парол|"
            r"парол\w*\s+(сброс|забыл)",
            re.IGNORECASE,
        ),
    ),
    (
        "status",
        re.compile(
            r"status\s+of\s+my\s+(ticket|incident|request)|my\s+(ticket|incident|request)\s+status|"
            r"статус\w*\s+(мо\w+\s+)?(заявк|обращени|тикет|инцидент)",
            re.IGNORECASE,
        ),
    ),
    (
        "order",
        re.compile(
            r"\b(order|i\s+need\s+a\s+new|request\s+a\s+new|get\s+a\s+new)\b|"
            r"заказ\w*|нуж\w+\s+нов\w+",
            re.IGNORECASE,
        ),
    ),
)
YES = re.compile(r"^\s*(yes|y|yep|solved|да|помогло)\b", re.IGNORECASE)
NO = re.compile(r"^\s*(no|n|nope|нет|не\s+помогло)\b", re.IGNORECASE)


@dataclass
class Reply:
    """What the virtual agent says: text, offered links, and what it waits for next.

    ``intent``: what it recognised ("kb", "password", "status", "order", "person", "none");
    ``handoff``: the conversation should go to a person."""

    text: str
    links: list[tuple[str, str]] = field(default_factory=list)
    awaiting: str = ""
    intent: str = "none"
    handoff: bool = False
    articles: tuple[str, ...] = ()


def intent_of(text: str) -> str:
    """The recognised intent of ``text`` ("none" when there is none)."""
    if TICKET_NUMBER.search(text):
        return "status"
    for name, pattern in INTENTS:
        if pattern.search(text):
            return name
    return "none"


# -- the knowledge base ------------------------------------------------------------------------


def vocabulary(root: Any, cache: Any = None) -> frozenset[str]:
    """The words of the published articles for everyone (titles, tags and text).

    With ``cache`` (a :class:`itsm.reports.cache.SummaryCache` on the registry) the words are
    read once per state of the knowledge base: the key is the number of published articles and
    the most recently updated one, so any publication or edit makes a new entry."""
    total, latest = search_articles(root, staff=False, per_page=1)
    key = None
    if cache is not None:
        newest = latest[0] if latest else None
        key = (
            "chat-words",
            id(root._p_jar.db()) if root._p_jar else 0,
            total,
            newest.number if newest else "",
            newest.updated if newest else None,
        )
        found = cache.get(key)
        if found is not None:
            return found
    _total, articles = search_articles(root, staff=False, per_page=max(total, 1))
    words: set[str] = set()
    for article in articles:
        words.update(split_words(f"{article.title} {' '.join(article.tags)} {article.text}"))
    result = frozenset(w for w in words if w.isalpha() and w not in STOP_WORDS)
    if key is not None:
        cache.put(key, result)
    return result


def correct_spelling(text: str, words: frozenset[str] | set[str]) -> str:
    """``text`` with each unknown word of 4 letters or more replaced by the closest word of
    ``words`` (when one is close enough); known words and word forms (by stem) stay."""
    if not words:
        return text
    stems = {stem(w) for w in words}
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(word)
    corrected = []
    for word in split_words(text):
        if len(word) < 4 or word in STOP_WORDS or word in words or stem(word) in stems:
            corrected.append(word)
            continue
        near = [w for n in range(len(word) - 2, len(word) + 3) for w in by_length.get(n, ())]
        match = difflib.get_close_matches(word, near, n=1, cutoff=SPELLING_CUTOFF)
        corrected.append(match[0] if match else word)
    return " ".join(corrected)


def first_paragraph(article: Any) -> str:
    """The first paragraph of the body that says something: not a heading, not a one-liner."""
    blocks = re.split(r"\n\s*\n", article.body or "")
    fallback = ""
    for block in blocks:
        if block.lstrip().startswith("#"):
            continue
        text = " ".join(plain_text(block).split())
        if not text:
            continue
        fallback = fallback or text
        if len(text) >= 40:
            break
    else:
        text = fallback
    if len(text) > PARAGRAPH_LENGTH:
        cut = text.rfind(" ", 0, PARAGRAPH_LENGTH)
        text = text[: cut if cut > 0 else PARAGRAPH_LENGTH] + "…"
    return text


def find_articles(root: Any, question: str, language: str, cache: Any = None) -> list[Any]:
    """The best one to three published articles for ``question``.

    Misspelt words are corrected first; the search's candidates are ranked again by how many
    of the question's words they have in the title (three times) and in the text, and an
    article in another language gives way to its translation in ``language``."""
    if not stem_words(question):
        return []
    fixed = correct_spelling(question, vocabulary(root, cache))
    _total, found = search_articles(root, text=fixed, staff=False, per_page=10)
    wanted = set(stem_words(fixed))

    def score(article: Any) -> int:
        title = set(stem_words(f"{article.title} {' '.join(article.tags)}"))
        return 3 * len(wanted & title) + len(wanted & set(stem_words(article.text)))

    ranked = sorted(enumerate(found), key=lambda pair: (-score(pair[1]), pair[0]))
    chosen: list[Any] = []
    for _index, article in ranked:
        if article.language != language and article.translation:
            other = root["kb"].get(article.translation)
            if other is not None and other.visible_to_everyone and other.language == language:
                article = other
        if article not in chosen:
            chosen.append(article)
        if len(chosen) == MAX_ARTICLES:
            break
    return chosen


# -- answering ----------------------------------------------------------------------------------


def answer(
    root: Any,
    translate: Any,
    question: str,
    *,
    person: str,
    language: str,
    app_url: str,
    cache: Any = None,
) -> Reply:
    """The virtual agent's reply to ``question`` from ``person``. ``translate`` turns a
    translation string into the conversation's language; ``cache`` keeps the knowledge base's
    words between questions (:func:`vocabulary`)."""
    intent = intent_of(question)
    if intent == "person":
        return Reply(translate(_("I will pass you to a person.")), intent="person", handoff=True)
    if intent == "password":
        url = f"{app_url}/password-reset"
        return Reply(
            translate(
                _(
                    "You can reset your password yourself: open the reset page, give your "
                    "login, and follow the link we mail you."
                )
            ),
            [(translate(_("Reset my password")), url)],
            awaiting="feedback",
            intent="password",
        )
    if intent == "status":
        return _status(root, translate, question, person, language, app_url)
    if intent == "order":
        matching = _catalog_matches(root, question, language)
        if matching:
            links = [
                (item.localized(language)[0], f"{app_url}/catalog/{item.slug}") for item in matching
            ]
            return Reply(
                translate(_("You can order it from the service catalog:")),
                links,
                awaiting="feedback",
                intent="order",
            )
    articles = find_articles(root, question, language, cache)
    if not articles:
        return Reply(
            translate(
                _(
                    "I found nothing in the knowledge base for that. Would you like to talk "
                    "to a person, or report it as an incident?"
                )
            ),
            awaiting="offer",
            intent="none",
        )
    lines = [translate(_("This may help:"))]
    links = []
    for article in articles:
        lines.append(f"• {article.title}: {first_paragraph(article)}")
        links.append((article.title, f"{app_url}/kb/{article.number}"))
    lines.append(translate(_("Did this solve it?")))
    return Reply(
        "\n".join(lines),
        links,
        awaiting="feedback",
        intent="kb",
        articles=tuple(a.number for a in articles),
    )


def _catalog_matches(root: Any, question: str, language: str) -> list[Any]:
    """Up to three active catalog items with the question's words, those with them in the
    name first."""
    ignore = set(stem_words("order ordering need new want get заказать заказ нужен новый"))
    wanted = {w for w in stem_words(question) if w not in ignore}
    if not wanted:
        return []
    scored = []
    for item in catalog_items(root):
        names = set(stem_words(f"{item.name} {item.name_ru} {item.slug}"))
        words = set(stem_words(item.search_text()))
        points = 3 * len(wanted & names) + len(wanted & words)
        if points:
            scored.append((-points, item.name, item))
    return [item for *_key, item in sorted(scored, key=lambda s: s[:2])[:3]]


def _status(
    root: Any, translate: Any, question: str, person: str, language: str, app_url: str
) -> Reply:
    from itsm.incidents.expected import in_words
    from itsm.sla.expected import expected_of

    match = TICKET_NUMBER.search(question)
    tickets: list[Any] = []
    if match:
        prefix, digits = match.group(1).upper(), int(match.group(2))
        number = f"{prefix}-{digits:06d}"
        container = {"INC": "incidents", "REQ": "requests", "CHG": "changes"}[prefix]
        ticket = root[container].get(number)
        # To its requester only: anyone else hears the same as for a number that does not exist.
        if ticket is None or ticket.requester != person:
            return Reply(
                translate(
                    _("I cannot find a ticket ${number} of yours.", mapping={"number": number})
                ),
                awaiting="offer",
                intent="status",
            )
        tickets = [ticket]
    else:
        _total, tickets = search(
            root, kind=["incident", "request"], open=True, requester=person, per_page=5
        )
        if not tickets:
            return Reply(
                translate(_("You have no open tickets.")), awaiting="feedback", intent="status"
            )
    lines, links = [], []
    for ticket in tickets:
        line = translate(
            _(
                "${number} “${title}”: ${status}.",
                mapping={
                    "number": ticket.number,
                    "title": ticket.title,
                    "status": translate(ticket.status_title),
                },
            )
        )
        words = in_words(expected_of(root, ticket), language)
        if words and (words[0] or words[1]):
            line += " " + translate(
                _(
                    "Expected: an answer by ${response}, resolved by ${resolution}.",
                    mapping={
                        "response": words[0] or "—",
                        "resolution": words[1] or "—",
                    },
                )
            )
        lines.append(line)
        container = ticket.__parent__.__name__
        links.append((ticket.number, f"{app_url}/{container}/{ticket.number}"))
    return Reply("\n".join(lines), links, awaiting="feedback", intent="status")
