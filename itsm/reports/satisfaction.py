"""Satisfaction results for team leads: the answers of incident and request surveys in a range,
their scores and comments, by group and by agent (live, from the tickets themselves).

A rated ticket keeps ``satisfaction = (score, comment, at)``; rating it updates the ticket, so
the answers given in a range are on tickets updated in it or later (the catalog's ``updated``
index), whatever their number. The group and the agent are the ticket's when it was rated:
its group and its assignee (who resolved it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsm.i18n import _
from itsm.reports.filters import Filters
from itsm.reports.tables import Column, Source, Table
from itsm.reports.timelog import KIND_TITLES, day_bounds, report_zone, touched_since

#: Ticket kinds with a satisfaction survey.
SURVEYED = ("incident", "request")


@dataclass(frozen=True)
class Answer:
    at: datetime
    number: str
    kind: str
    title: str
    group: str
    agent: str
    score: int
    comment: str


def answers(root: Any, filters: Filters) -> list[Answer]:
    """The survey answers given in the filters' range (kind, group, agent applied)."""
    first, last = day_bounds(filters.start, filters.end, report_zone(root))
    found = []
    for ticket in touched_since(root, first):
        kind = getattr(ticket, "kind", "")
        if kind not in SURVEYED or (filters.kind != "all" and filters.kind != kind):
            continue
        rating = getattr(ticket, "satisfaction", None)
        if not rating or rating[2] is None or not first <= rating[2] < last:
            continue
        group, agent = ticket.group or "", ticket.assignee or ""
        if (filters.group and group != filters.group) or (filters.agent and agent != filters.agent):
            continue
        found.append(
            Answer(rating[2], ticket.number, kind, ticket.title, group, agent, *rating[:2])
        )
    found.sort(key=lambda a: (a.at, a.number))
    return found


def _summary(rows: list[Answer]) -> dict[str, Any]:
    scores = [a.score for a in rows]
    return {
        "answered": len(scores),
        "mean_score": sum(scores) / len(scores) if scores else None,
        "csat": sum(1 for s in scores if s >= 4) / len(scores) if scores else None,
        "low": sum(1 for s in scores if s <= 2),
        "comments": sum(1 for a in rows if a.comment),
    }


def satisfaction_report(source: Source, filters: Filters, by: str) -> list[Table]:
    """Scores by group and by agent, the distribution of scores, and every answer."""
    found = answers(source.root, filters)
    by_group: dict[str, list[Answer]] = defaultdict(list)
    by_agent: dict[str, list[Answer]] = defaultdict(list)
    for a in found:
        by_group[a.group].append(a)
        by_agent[a.agent].append(a)
    columns = (
        Column("answered", _("Answers")),
        Column("mean_score", _("Mean score"), "number"),
        Column("csat", _("CSAT (4 or 5 of 5)"), "share"),
        Column("low", _("Scores of 1 or 2")),
        Column("comments", _("Comments")),
    )

    def rows(bucket: dict[str, list[Answer]]) -> list[dict[str, Any]]:
        return [{"key": key, **_summary(items)} for key, items in sorted(bucket.items())]

    return [
        Table(
            "groups",
            _("Satisfaction by group"),
            (Column("key", _("Group"), "text"), *columns),
            rows(by_group),
            ("bar", "key", "mean_score"),
        ),
        Table(
            "agents",
            _("Satisfaction by agent"),
            (Column("key", _("Agent"), "text"), *columns),
            rows(by_agent),
            ("bar", "key", "mean_score"),
        ),
        Table(
            "scores",
            _("Scores"),
            (Column("score", _("Score"), "text"), Column("answered", _("Answers"))),
            [
                {"score": f"{n} / 5", "answered": sum(1 for a in found if a.score == n)}
                for n in (5, 4, 3, 2, 1)
            ],
        ),
        Table(
            "answers",
            _("Answers and comments"),
            (
                Column("at", _("When"), "datetime"),
                Column("number", _("Ticket"), "text"),
                Column("kind", _("Type"), "text"),
                Column("group", _("Group"), "text"),
                Column("agent", _("Agent"), "text"),
                Column("score", _("Score")),
                Column("comment", _("Comment"), "text"),
            ),
            [
                {
                    "at": a.at,
                    "number": a.number,
                    "kind": KIND_TITLES[a.kind],
                    "group": a.group,
                    "agent": a.agent,
                    "score": a.score,
                    "comment": a.comment,
                }
                for a in reversed(found)
            ],
        ),
    ]
