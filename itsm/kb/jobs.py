"""Timer: remind owners of articles whose review date has passed (once per review date)."""

from __future__ import annotations

from typing import Any

from itsm.kb.workflow import RETIRED
from itsm.notify.notifications import queue_notification

REVIEW_TEMPLATE = "itsm.kb:templates/mail/review_due.pt"


def overdue_articles(root: Any, today: Any, owner: str | None = None) -> list[Any]:
    """Articles not retired whose review date is before ``today`` (optionally one owner's).

    A scan of /kb rather than a catalog query: a knowledge base holds hundreds of articles,
    not the hundred thousand tickets the catalog is there for."""
    found = []
    for article in root["kb"].values():
        if article.status == RETIRED or article.review_date is None:
            continue
        if article.review_date < today and (owner is None or article.owner == owner):
            found.append(article)
    return found


def remind_reviews(root: Any, registry: Any, now: Any) -> int:
    """Queue one mail per overdue article whose owner was not reminded of this review date."""
    settings = registry.itsm_settings
    sent = 0
    for article in overdue_articles(root, now.date()):
        if article.reminded_for == article.review_date or not article.owner:
            continue
        queue_notification(
            root,
            registry,
            recipients=[article.owner],
            template=REVIEW_TEMPLATE,
            essential=True,
            now=now,
            number=article.number,
            title=article.title,
            review_date=article.review_date.isoformat(),
            url=f"{settings.public_url}/kb/{article.number}/",
        )
        # Set even when the owner has no address: one reminder per date, not one per run.
        article.reminded_for = article.review_date
        sent += 1
    return sent


def review_reminder_job(ctx: Any) -> str | None:
    sent = ctx.transact(lambda root: remind_reviews(root, ctx.registry, ctx.now()))
    return f"reminded {sent}" if sent else None
