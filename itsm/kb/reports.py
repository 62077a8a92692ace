"""The knowledge base report (``/reports/kb``, ``GET /api/v1/reports/kb``): per article its
votes, what readers reported as deflections, its views in the period and its review date; the
most viewed articles; and deflection as issue 13 defines it, by day.

Live, like the chat report: the articles are few, views and outcomes are per-day counters
(:mod:`itsm.kb.readership`), so the cost grows with the days and articles, not the readers.
"""

from __future__ import annotations

from datetime import timedelta

from itsm.i18n import _
from itsm.kb.readership import get_readership, outcomes_between, views_between
from itsm.reports.filters import Filters
from itsm.reports.tables import Column, Source, Table

#: Rows in the "most viewed" table.
MOST_VIEWED = 20


def kb_report(source: Source, filters: Filters, by: str) -> list[Table]:
    """Articles (votes, reported deflections, views, reviews due), the most viewed, and
    searches and views that ended without a ticket within 24 hours, by day."""
    root = source.root
    kb = root.get("kb") if root is not None else None
    log = get_readership(root) if root is not None else None
    views = views_between(log, filters.start, filters.end)
    rows = []
    today = source.now.date()
    for article in kb.values() if kb is not None else ():
        helpful, unhelpful = article.vote_counts()
        review = article.review_date
        rows.append(
            {
                "number": article.number,
                "title": article.title,
                "status": article.status,
                "views": views.get(article.number, 0),
                "helpful": helpful,
                "unhelpful": unhelpful,
                "deflections": article.deflection_count,
                "review_date": review,
                "review_due": bool(review is not None and review <= today + timedelta(days=30)),
            }
        )
    rows.sort(key=lambda r: (-r["helpful"], -r["deflections"], r["number"]))
    most_viewed = sorted((r for r in rows if r["views"]), key=lambda r: (-r["views"], r["number"]))[
        :MOST_VIEWED
    ]
    days = outcomes_between(log, filters.start, filters.end)
    whole = {
        key: sum(day[key] for day in days)
        for key in ("searches", "views", "decided", "deflected", "undecided")
    }
    whole["rate"] = whole["deflected"] / whole["decided"] if whole["decided"] else None
    deflection_columns = (
        Column("searches", _("Portal searches")),
        Column("views", _("Article views")),
        Column("decided", _("Decided (24 hours old)")),
        Column("deflected", _("No ticket within 24 hours")),
        Column("rate", _("Deflection rate"), "share"),
        Column("undecided", _("Younger than 24 hours")),
    )
    return [
        Table(
            "kb",
            _("Knowledge base: most helpful, deflections, reviews due"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("views", _("Views in the period")),
                Column("helpful", _("Helpful")),
                Column("unhelpful", _("Not helpful")),
                Column("deflections", _("Reported by the reader as solved")),
                Column("review_date", _("Review date"), "date"),
                Column("review_due", _("Review due within 30 days"), "bool"),
            ),
            rows,
            ("bar", "number", "helpful"),
        ),
        Table(
            "most_viewed",
            _("Most viewed articles"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("views", _("Views in the period")),
            ),
            [{k: r[k] for k in ("number", "title", "views")} for r in most_viewed],
            ("bar", "number", "views"),
        ),
        Table(
            "deflection",
            _("Searches and views that ended without a ticket, by day"),
            (Column("key", _("Day"), "date"), *deflection_columns),
            days,
            ("line", "key", "rate"),
        ),
        Table(
            "deflection_total",
            _("Searches and views that ended without a ticket, in the period"),
            deflection_columns,
            [whole],
        ),
    ]
