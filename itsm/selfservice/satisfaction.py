"""Satisfaction surveys: one question (1-5) and a comment, asked of the requester on resolve.

When a ticket is resolved, :func:`on_transitioned` makes a :class:`Survey`: a single-use token
with 256 random bits, of which only the SHA-256 hash is stored (in ``root.surveys``, keyed by
that hash, and on the ticket as ``ticket.survey``). The plain token lives only in memory for the
rest of the transaction (``survey._v_token``), where ``itsm.incidents.notices.resolved`` puts
it into the requester's mail as ``{public_url}/survey?token=…``; that link works without login.

The answer is stored on the ticket as ``ticket.satisfaction = (score, comment, at)`` and indexed
(``satisfaction`` field index) for reports. A ticket is rated once; answering in the portal or by
the link uses the survey up either way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.traversal import find_root

from itsm.i18n import _
from itsm.search.catalog import mark_changed

#: How long the mailed link stays valid.
SURVEY_DAYS = 30
SCORES = (1, 2, 3, 4, 5)
SCORE_TITLES = {
    1: _("Very dissatisfied"),
    2: _("Dissatisfied"),
    3: _("Neither"),
    4: _("Satisfied"),
    5: _("Very satisfied"),
}
COMMENT_MAX = 2000
#: States in which a requester may rate the ticket.
RATEABLE_STATES = frozenset({"resolved", "closed"})
#: One message for a guessed, used, expired or superseded token: the link reveals nothing.
INVALID_LINK = _("This survey link is not valid any more. Thank you all the same.")


class Survey(Persistent):
    """One survey of one ticket's requester; the token itself is never stored."""

    used_at: datetime | None = None

    def __init__(self, token_hash: str, ticket: Any, requester: str, created: datetime) -> None:
        self.token_hash = token_hash
        self.ticket = ticket
        self.requester = requester
        self.created = created

    def expired(self, now: datetime) -> bool:
        return now - self.created > timedelta(days=SURVEY_DAYS)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and not self.expired(now)


@dataclass
class SurveyRefused(Exception):
    """Why an answer was not taken: ``status`` for the HTTP answer, ``fields`` per field."""

    status: int
    code: str
    message: Any
    fields: dict[str, Any] | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def surveys_of(root: Any) -> Any:
    """The hash -> Survey map; None until the first survey (reads never create it)."""
    return getattr(root, "surveys", None)


def create_survey(root: Any, ticket: Any, now: datetime) -> str:
    """Make a new survey for ``ticket``'s requester; return the plain token (only this once).

    A survey still open from an earlier resolution is withdrawn: only the newest link works."""
    if getattr(root, "surveys", None) is None:
        root.surveys = OOBTree()
    old = getattr(ticket, "survey", None)
    if old is not None and old.used_at is None:
        root.surveys.pop(old.token_hash, None)
    token = secrets.token_urlsafe(32)  # 256 bits
    digest = token_hash(token)
    survey = Survey(digest, ticket, ticket.requester, now)
    survey._v_token = token  # volatile: gone at the end of this transaction
    root.surveys[digest] = survey
    ticket.survey = survey
    return token


def find_survey(root: Any, token: str, now: datetime) -> Survey | None:
    """The usable survey of ``token``, or None (unknown, used, expired or superseded)."""
    surveys = surveys_of(root)
    if surveys is None or not token or len(token) > 200:
        return None
    digest = token_hash(token)
    survey = surveys.get(digest)
    if survey is None or not hmac.compare_digest(survey.token_hash, digest):
        return None
    ticket = survey.ticket
    if getattr(ticket, "survey", None) is not survey or not survey.usable(now):
        return None
    if ticket.status not in RATEABLE_STATES or getattr(ticket, "satisfaction", None):
        return None
    return survey


def can_rate(ticket: Any, login: str | None) -> bool:
    """Whether ``login`` may rate ``ticket`` now (its requester, resolved or closed, not yet)."""
    return (
        login is not None
        and login == ticket.requester
        and ticket.status in RATEABLE_STATES
        and getattr(ticket, "satisfaction", None) is None
    )


def validate(score: Any, comment: Any) -> tuple[int, str]:
    """``(score, comment)`` cleaned, or SurveyRefused(400) with per-field messages."""
    fields: dict[str, Any] = {}
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = 0
    if value not in SCORES:
        fields["score"] = _("Choose a score from 1 to 5.")
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        fields["comment"] = _("At most ${n} characters.", mapping={"n": COMMENT_MAX})
    if fields:
        raise SurveyRefused(400, "invalid", _("Some fields are not valid."), fields)
    return value, text


def record(root: Any, ticket: Any, score: Any, comment: Any, now: datetime) -> tuple:
    """Store the answer on ``ticket``, use its survey up, and queue the reindex."""
    value, text = validate(score, comment)
    if getattr(ticket, "satisfaction", None) is not None:
        raise SurveyRefused(409, "conflict", _("This ticket has already been rated."))
    if ticket.status not in RATEABLE_STATES:
        raise SurveyRefused(409, "conflict", _("You can rate a ticket once it is resolved."))
    ticket.satisfaction = (value, text, now)
    # Reports pick up changes through ``updated`` (itsm.reports.recording.repair).
    ticket.updated = now
    ticket.history.record(now, ticket.requester, "field", field="satisfaction", after=value)
    survey = getattr(ticket, "survey", None)
    if survey is not None and survey.used_at is None:
        survey.used_at = now
        surveys = surveys_of(root)
        if surveys is not None:
            surveys.pop(survey.token_hash, None)
    mark_changed(root, ticket)
    return ticket.satisfaction


def answer_by_token(root: Any, token: str, score: Any, comment: Any, now: datetime) -> Any:
    """The no-login answer: validate first (a typo must not burn the link), then use it."""
    value, text = validate(score, comment)
    survey = find_survey(root, token, now)
    if survey is None:
        raise SurveyRefused(404, "invalid_token", INVALID_LINK)
    record(root, survey.ticket, value, text, now)
    return survey.ticket


def on_transitioned(event: Any) -> None:
    """TicketTransitioned subscriber: on "resolve", make the requester's survey. It runs inside
    ``fire()``, before the transition's mails are queued, so the resolution mail has the link."""
    if event.transition != "resolve":
        return
    ticket = event.ticket
    old = getattr(ticket, "survey", None)
    if old is not None and hasattr(old, "_v_token"):
        # A token from an earlier transaction may linger in the object cache: never mail it.
        del old._v_token
    if not ticket.requester or getattr(ticket, "satisfaction", None) is not None:
        return
    root = find_root(ticket)
    if root is None or root is ticket:
        return
    now = ticket.resolved_at or ticket.updated
    create_survey(root, ticket, now)
