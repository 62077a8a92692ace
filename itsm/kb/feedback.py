"""What readers tell us: helpful or not (one vote each, changeable), and deflections (a
suggested article closed the report form without a ticket)."""

from __future__ import annotations

from typing import Any

from itsm.kb.models import Article


def vote(article: Article, login: str, helpful: bool) -> None:
    """Record ``login``'s vote; a second vote replaces the first."""
    # Only write when it changes: the same vote twice must not make a commit conflict-prone.
    if article.votes.get(login) is not helpful:
        article.votes[login] = bool(helpful)


def my_vote(article: Article, login: str | None) -> bool | None:
    return article.votes.get(login) if login else None


def deflect(article: Article) -> int:
    """Count one deflection. ``BTrees.Length`` merges concurrent increments instead of
    conflicting, so every click counts even when many readers send at once."""
    article.deflections.change(1)
    return article.deflections()


def feedback_json(article: Article, login: str | None) -> dict[str, Any]:
    helpful, not_helpful = article.vote_counts()
    return {
        "helpful": helpful,
        "not_helpful": not_helpful,
        "my_vote": my_vote(article, login),
        "deflections": article.deflection_count,
    }
