"""A manager's KPI pages, narrowed to their team: the tickets requested by the people whose
``manager`` they are.

The stored facts and day summaries have no requester dimension (adding one would multiply
every day's cells). A team is small, though, so its figures are made live: the catalog's
``requester`` index finds the team's tickets, their stored facts are taken from the report
store, and :class:`TeamStore` summarises a day from those facts alone, with the same
:func:`~itsm.reports.store.summarize` the worker uses. The KPI builders read it exactly as
they read the whole desk's store. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from hypatia.query import And
from hypatia.query import Any as AnyOf

from itsm.reports.facts import TicketFacts
from itsm.reports.store import KINDS, KindDay, ReportStore, fact_key, summarize
from itsm.reports.tables import Source

#: The KPI pages a manager may open, narrowed to their team. Not the knowledge base, problems,
#: changes, chat or time logged: those are about IT's work, not a team's tickets.
TEAM_REPORTS = ("response", "resolution", "sla", "fcr", "quality", "backlog", "csat", "requests")


def team_of(root: Any, login: str) -> list[str]:
    """The logins whose manager is ``login`` (as the manager's dashboard reads them)."""
    return sorted(name for name, person in root["people"].items() if person.manager == login)


class TeamStore:
    """A read-only stand-in for :class:`ReportStore` holding only ``team``'s tickets."""

    def __init__(self, store: ReportStore | None, root: Any, team: list[str]) -> None:
        self.zone_name = store.zone_name if store is not None else "UTC"
        self.facts: dict[str, TicketFacts] = {}
        days: dict[int, list[TicketFacts]] = {}
        if store is not None and team:
            catalog, objects = root.catalog, root.catalog_objects
            query = And(AnyOf(catalog["requester"], team), AnyOf(catalog["kind"], list(KINDS)))
            zone = self.zone
            for docid in query.execute(optimize=False, resolver=objects.get).ids:
                ticket = objects.get(docid)
                facts = store.get(ticket.number) if ticket is not None else None
                if facts is None:
                    continue
                self.facts[fact_key(facts.number)] = facts
                for day in facts.days(zone):
                    days.setdefault(day, []).append(facts)
        self._days = days
        # The days that have tickets, in order (the backlog reads the first one's key).
        self.versions = {day: None for day in sorted(days)}
        self._summaries: dict[int, dict[str, KindDay]] = {}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def get(self, number: str) -> TicketFacts | None:
        return self.facts.get(fact_key(number))

    def day_range(self, start: int, end: int) -> Iterator[int]:
        return (day for day in self.versions if start <= day <= end)

    def summary(
        self, day: int, now: Any = None, max_age_seconds: float = 0.0, cache: Any = None
    ) -> dict[str, KindDay]:
        found = self._summaries.get(day)
        if found is None:
            # No roll-ups: a team's day has few tickets, read once; its cells are scanned.
            facts = self._days.get(day, ())
            found = self._summaries[day] = summarize(facts, day, self.zone, roll_up=False)
        return found

    def day_counts(self, day: int, kind: str, dims: dict[str, Any]) -> None:
        """No per-day count records: the backlog reads the team's days."""
        return None

    def month(self, month: int, now: Any, max_age_seconds: float, cache: Any = None) -> None:
        """No stored months: the builders then read the month's days."""
        return None

    def notable(
        self, day: int, kind: str, name: str, now: Any, max_age_seconds: float, cache: Any
    ) -> list[str]:
        kind_day = self.summary(day).get(kind)
        return kind_day.notable.get(name, []) if kind_day is not None else []


def team_source(source: Source, login: str) -> tuple[Source, list[str]]:
    """``source`` narrowed to the tickets requested by ``login``'s team, and the team."""
    team = team_of(source.root, login)
    store: Any = TeamStore(source.store, source.root, team)
    return Source(store, source.root, source.now, source.max_age_seconds, None), team
