"""Articles as JSON for the API."""

from __future__ import annotations

from typing import Any

from itsm.kb.feedback import feedback_json
from itsm.kb.models import Article


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def summary_json(article: Article, snippet: str) -> dict[str, Any]:
    """One search result: ``snippet`` is HTML (escaped text with ``<mark>`` only)."""
    return {
        "number": article.number,
        "title": article.title,
        "language": article.language,
        "snippet": snippet,
        "status": article.status,
        "audience": article.audience,
        "category": article.category,
        "tags": list(article.tags),
        "url": f"/kb/{article.number}/",
        "updated": _iso(article.updated),
    }


def article_json(article: Article, login: str | None, staff: bool) -> dict[str, Any]:
    data = {
        "number": article.number,
        "title": article.title,
        "body": article.body,
        "html": article.html,
        "status": article.status,
        "language": article.language,
        "translation": article.translation,
        "audience": article.audience,
        "category": article.category,
        "tags": list(article.tags),
        "owner": article.owner,
        "review_date": _iso(article.review_date),
        "created": _iso(article.created),
        "updated": _iso(article.updated),
        "url": f"/kb/{article.number}/",
        "feedback": feedback_json(article, login),
    }
    if staff:
        data["incidents"] = list(article.incidents)
        data["source_incident"] = article.source_incident
        data["versions"] = len(article.versions)
    else:
        data["feedback"].pop("deflections")
    return data


def version_json(version: Any) -> dict[str, Any]:
    return {
        "number": version.number,
        "at": _iso(version.at),
        "author": version.author,
        "title": version.title,
        "body": version.body,
        "note": version.note,
    }
