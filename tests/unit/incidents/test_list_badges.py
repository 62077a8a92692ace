"""A queue row's SLA badge is kept while it cannot change (itsm.incidents.views.badge_kept_until):
at every moment before the kept-until time it is the badge computed afresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.incidents.rows import sla_cell
from itsm.incidents.views import badge_kept_until, sla_badge, sla_texts
from itsm.sla.calendar import ALWAYS, STANDARD
from itsm.sla.policy import DEFAULT_INCIDENT_POLICY
from itsm.sla.state import TicketSla

MOSCOW = ZoneInfo("Europe/Moscow")


def english(term: Any) -> str:
    return term.interpolate() if hasattr(term, "interpolate") else str(term)


def cell(incident: Any, now: datetime) -> str:
    return sla_cell(sla_texts(sla_badge(incident, now, None, english), english))


@settings(max_examples=80, deadline=None)
@given(
    priority=st.integers(1, 5),
    calendar=st.sampled_from([STANDARD, ALWAYS]),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["pause", "resume", "respond", "resolve", "wait"]),
            st.integers(1, 30 * 3600),
        ),
        max_size=6,
    ),
    probes=st.lists(st.floats(0, 1), min_size=1, max_size=6),
)
def test_a_kept_badge_is_the_fresh_badge_until_it_expires(priority, calendar, steps, probes):
    policy = DEFAULT_INCIDENT_POLICY
    now = datetime(2025, 6, 9, 10, 17, 23, 500000, tzinfo=MOSCOW)
    sla = TicketSla(
        policy.name,
        priority,
        calendar,
        policy.target(priority),
        now,
        warn_share=policy.warn_share,
        by="ivanov",
    )
    incident = SimpleNamespace(sla=sla, status="assigned")
    for action, seconds in steps:
        now += timedelta(seconds=seconds)
        if action != "wait":
            getattr(sla, action)(now, "a")
        if action == "resolve":
            incident.status = "resolved"
        info = sla_badge(incident, now, None, english)
        kept = cell(incident, now)
        until = badge_kept_until(sla, info, now)
        assert until > now.timestamp() - 1
        span = min(until - now.timestamp(), 7 * 24 * 3600)
        for share in [*probes, 0.0, 0.9999]:
            later = now + timedelta(seconds=max(0.0, span * share))
            assert cell(incident, later) == kept, (action, later, until)
