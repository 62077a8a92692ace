"""Knowledge articles: content, versions, votes and deflection counters.

The ``KnowledgeBase`` container itself lives in :mod:`itsm.containers` (pickled there).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.kb.rendering import plain_text, render_markdown
from itsm.kb.workflow import DRAFT, PUBLISHED, STATE_TITLES, WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.history import History

LANGUAGES = ("en", "ru")
AUDIENCES = ("everyone", "staff")


@dataclass(frozen=True)
class ArticleVersion:
    """One saved state of an article. Plain (not persistent): lives in the versions BTree."""

    number: int
    at: datetime
    author: str | None
    title: str
    body: str
    note: str = ""


class Article(Persistent):
    """A guide or how-to, written in Markdown; every save is kept as a version."""

    __parent__: Any = None
    __name__: str | None = None

    kind = "kb"
    workflow = WORKFLOW
    number = ""
    docid = 0
    title = ""
    body = ""
    category = ""
    tags: tuple[str, ...] = ()
    language = "en"
    translation: str | None = None  # the number of the same article in the other language
    audience = "everyone"
    owner: str | None = None
    review_date: date | None = None
    reminded_for: date | None = None  # the review date the owner was last reminded of
    status = DRAFT
    created: datetime | None = None
    updated: datetime | None = None
    source_incident: str | None = None
    incidents: tuple[str, ...] = ()  # incidents this article was linked to

    def __init__(self, number: str, docid: int, now: datetime) -> None:
        self.number = number
        self.docid = docid
        self.created = self.updated = now
        self.history = History()
        self.versions = IOBTree()
        self.votes = OOBTree()  # login -> True (helpful) / False
        # Length, not an int: concurrent increments by different readers merge.
        self.deflections = Length()
        self.attachments = OOBTree()  # file name -> itsm.tickets.journal.Attachment

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        acl: list[tuple[str, str, Any]] = [
            (Allow, "role:admin", ALL_PERMISSIONS),
            (Allow, "role:agent", (P.VIEW, P.VOTE, P.EDIT, P.WORK, P.CREATE)),
        ]
        if self.visible_to_everyone:
            acl.append((Allow, Authenticated, (P.VIEW, P.VOTE)))
        acl.append((Deny, Everyone, ALL_PERMISSIONS))
        return acl

    @property
    def visible_to_everyone(self) -> bool:
        return self.status == PUBLISHED and self.audience == "everyone"

    @property
    def status_title(self) -> Any:
        return STATE_TITLES.get(self.status, self.status)

    @property
    def html(self) -> str:
        """The body as sanitised HTML (safe to insert into a page)."""
        return render_markdown(self.body)

    @property
    def text(self) -> str:
        return plain_text(self.body)

    # -- versions ------------------------------------------------------------------------

    def add_version(self, at: datetime, author: str | None, note: str = "") -> ArticleVersion:
        number = len(self.versions) + 1
        version = ArticleVersion(number, at, author, self.title, self.body, note)
        self.versions[number] = version
        return version

    def version_list(self) -> Iterator[ArticleVersion]:
        return iter(self.versions.values())

    # -- feedback ------------------------------------------------------------------------

    def vote_counts(self) -> tuple[int, int]:
        helpful = sum(1 for v in self.votes.values() if v)
        return helpful, len(self.votes) - helpful

    @property
    def deflection_count(self) -> int:
        return self.deflections()

    def index_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "status": self.status,
            "language": self.language,
            "audience": self.audience,
            "category": self.category or None,
            "tags": list(self.tags),
            "created": self.created.timestamp() if self.created else None,
            "updated": self.updated.timestamp() if self.updated else None,
            # The title twice: a match there should weigh more than one in the body.
            "text": f"{self.number}\n{self.title}\n{self.title}\n{', '.join(self.tags)}\n"
            f"{self.text}",
        }
