"""The SLA record of a ticket: targets, pauses, warnings, breaches, timeline, persistence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import transaction
import ZODB
import ZODB.MappingStorage
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.sla.calendar import STANDARD
from itsm.sla.clock import business_seconds
from itsm.sla.policy import DEFAULT_INCIDENT_POLICY, HOUR, MINUTE
from itsm.sla.state import TicketSla

MOSCOW = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def incident(priority: int, started: datetime, calendar=STANDARD) -> TicketSla:
    policy = DEFAULT_INCIDENT_POLICY
    return TicketSla(
        policy.name,
        priority,
        calendar,
        policy.target(priority),
        started,
        warn_share=policy.warn_share,
        by="ivanov",
    )


def test_p1_response_is_due_in_15_minutes_round_the_clock():
    saturday_night = msk(2025, 6, 7, 3, 0)
    sla = incident(1, saturday_night)
    assert sla.response_due == saturday_night + timedelta(minutes=15)
    assert sla.resolution_due == saturday_night + timedelta(hours=4)
    assert sla.warn_at("response") == saturday_night + timedelta(minutes=11, seconds=15)


def test_p3_response_crosses_a_weekend_and_a_holiday():
    calendar = STANDARD.with_holidays([date(2025, 6, 12)])  # Thursday
    sla = incident(3, msk(2025, 6, 11, 14, 0), calendar)  # Wednesday afternoon
    # Wed 4 h, Thu holiday, Fri 4 h -> Fri 13:00; the resolution (27 h) runs into next week.
    assert sla.response_due == msk(2025, 6, 13, 13, 0)
    assert sla.resolution_due == msk(2025, 6, 17, 14, 0)


def test_p3_response_from_friday_afternoon_is_due_monday_with_a_monday_holiday_tuesday():
    calendar = STANDARD.with_holidays([date(2025, 1, 13)])
    sla = incident(3, msk(2025, 1, 10, 14, 0), calendar)
    assert sla.response_due == msk(2025, 1, 14, 13, 0)


def test_waiting_for_customer_shifts_the_deadline_by_exactly_the_paused_business_time():
    sla = incident(3, msk(2025, 6, 9, 10, 0))
    before = sla.resolution_due
    assert sla.pause(msk(2025, 6, 9, 16, 0), "petrov", "waiting for customer")
    assert sla.paused and sla.response_due is None and sla.resolution_due is None
    assert sla.state("resolution", msk(2025, 6, 10, 12, 0)) == "paused"
    assert sla.resume(msk(2025, 6, 10, 11, 30), "petrov")
    after = sla.resolution_due
    assert business_seconds(STANDARD, before, after) == 2 * HOUR + 2.5 * HOUR
    assert sla.remaining("response", msk(2025, 6, 10, 12, 0)) == 8 * HOUR - 6 * HOUR - 30 * MINUTE


def test_pause_and_resume_say_when_they_change_nothing():
    sla = incident(3, msk(2025, 6, 9, 10, 0))
    assert not sla.resume(msk(2025, 6, 9, 11, 0), "petrov")
    assert sla.pause(msk(2025, 6, 9, 11, 0), "petrov", "waiting for customer")
    assert not sla.pause(msk(2025, 6, 9, 12, 0), "petrov", "again")
    assert len(sla.pauses) == 1


def test_warnings_fire_at_75_percent_and_only_once():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(1, start)
    assert sla.next_check_at() == (start + timedelta(minutes=11, seconds=15)).timestamp()
    assert sla.due_for_warning(start + timedelta(minutes=11)) == []
    assert sla.state("response", start + timedelta(minutes=11)) == "running"
    at = start + timedelta(minutes=11, seconds=15)
    assert sla.due_for_warning(at) == ["response"]
    assert sla.state("response", at) == "warning"
    assert sla.mark_warned("response", at)
    assert not sla.mark_warned("response", at + timedelta(minutes=1))
    assert sla.due_for_warning(at + timedelta(minutes=1)) == []
    assert sla.warned_response == at
    # Next: the response deadline itself.
    assert sla.next_check_at() == (start + timedelta(minutes=15)).timestamp()
    assert [e.kind for e in sla.events].count("warned") == 1


def test_a_breach_is_recorded_once_and_the_next_check_moves_to_resolution():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(1, start)
    sla.mark_warned("response", start + timedelta(minutes=12))
    due = start + timedelta(minutes=15)
    assert sla.due_for_breach(due - timedelta(seconds=1)) == []
    assert sla.due_for_breach(due) == ["response"]
    assert sla.mark_breached("response", due)
    assert not sla.mark_breached("response", due)
    assert sla.due_for_breach(due + timedelta(hours=1)) == []
    assert sla.state("response", due) == "breached"
    assert sla.as_json(due)["breached"] is True
    assert sla.next_check_at() == (start + timedelta(hours=3)).timestamp()  # resolution warning


def test_no_warning_while_paused_but_right_after_resuming():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(3, start)  # response warning at 16:00
    sla.pause(msk(2025, 6, 9, 15, 0), "agent", "waiting for customer")
    assert sla.due_for_warning(msk(2025, 6, 9, 17, 0)) == []
    assert sla.next_check_at() is None
    sla.resume(msk(2025, 6, 10, 9, 0), "agent")
    assert sla.warn_at("response") == msk(2025, 6, 10, 10, 0)
    assert sla.next_check_at() == msk(2025, 6, 10, 10, 0).timestamp()
    assert sla.due_for_warning(msk(2025, 6, 10, 10, 0)) == ["response"]


def test_a_worker_that_was_down_catches_up_with_the_breach_only():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(1, start)
    later = start + timedelta(hours=5)
    assert sla.due_for_warning(later) == []
    assert sla.due_for_breach(later) == ["response", "resolution"]
    for kind in sla.due_for_breach(later):
        sla.mark_breached(kind, later)
    assert sla.next_check_at() is None


def test_responding_in_time_meets_the_response_target_and_stops_its_checks():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(1, start)
    assert sla.respond(start + timedelta(minutes=5), "petrov")
    assert not sla.respond(start + timedelta(minutes=6), "sidorov")
    assert sla.state("response", start + timedelta(hours=1)) == "met"
    assert sla.due_for_breach(start + timedelta(hours=1)) == []
    assert sla.next_check_at() == (start + timedelta(hours=3)).timestamp()


def test_responding_late_records_the_breach_if_the_sweep_had_not():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(1, start)
    sla.respond(start + timedelta(minutes=20), "petrov")
    assert sla.breached_response == (start + timedelta(minutes=20)).astimezone(UTC)
    assert sla.state("response", start + timedelta(minutes=30)) == "breached"


def test_resolving_stops_the_clock_and_answers_the_requester():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(3, start)
    sla.pause(msk(2025, 6, 9, 11, 0), "petrov", "waiting for customer")
    assert sla.resolve(msk(2025, 6, 9, 12, 0), "petrov")
    assert not sla.paused and sla.responded_at is not None
    much_later = msk(2025, 7, 1, 12, 0)
    assert sla.state("resolution", much_later) == "met"
    assert sla.state("response", much_later) == "met"
    assert sla.next_check_at() is None
    assert not sla.pause(much_later, "petrov", "resolved tickets do not pause")


def test_reopening_runs_the_resolution_clock_again_without_the_resolved_time():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(3, start)
    due = sla.resolution_due
    sla.resolve(msk(2025, 6, 9, 12, 0), "petrov")
    assert sla.reopen(msk(2025, 6, 10, 12, 0), "ivanov")
    assert not sla.reopen(msk(2025, 6, 10, 12, 0), "ivanov")
    assert sla.resolved_at is None
    assert business_seconds(STANDARD, due, sla.resolution_due) == 9 * HOUR
    assert sla.state("resolution", msk(2025, 6, 10, 13, 0)) == "running"


def test_a_priority_change_recomputes_deadlines_from_the_original_start():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(3, start)
    now = msk(2025, 6, 9, 10, 5)
    assert sla.retarget(1, DEFAULT_INCIDENT_POLICY.target(1), now, "manager")
    assert not sla.retarget(1, DEFAULT_INCIDENT_POLICY.target(1), now, "manager")
    assert sla.priority == 1
    assert sla.response_due == start + timedelta(minutes=15)
    assert sla.events[-1].kind == "target_changed" and sla.events[-1].reason == "P3 \u2192 P1"


def test_timeline_describes_each_event_for_people():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(3, start)
    sla.pause(msk(2025, 6, 9, 11, 0), "agent", "waiting for customer")
    sla.resume(msk(2025, 6, 9, 12, 0), "agent")
    sla.respond(msk(2025, 6, 9, 12, 5), "agent")
    texts = [entry.description.interpolate() for entry in sla.timeline()]
    assert texts == [
        "SLA clock started: Incidents, P3",
        "Paused by agent: waiting for customer",
        "Resumed by agent",
        "First response by agent",
        "Response target met",
    ]
    assert all(entry.description.domain == "itsm" for entry in sla.timeline())
    assert sla.timeline()[1].as_json()["description"] == "Paused by agent: waiting for customer"
    translated = sla.timeline()[1].as_json(lambda ts: f"[{ts.domain}] {ts}")
    assert translated["description"] == "[itsm] Paused by ${by}: ${reason}"
    assert translated["reason"] == "waiting for customer" and translated["by"] == "agent"


def test_as_json_gives_iso_times_with_offsets_and_states():
    start = msk(2025, 6, 9, 10, 0)
    sla = incident(2, start)
    data = sla.as_json(msk(2025, 6, 9, 10, 50))
    assert data["response_due"] == "2025-06-09T08:00:00+00:00"
    assert datetime.fromisoformat(data["resolution_due"]) == msk(2025, 6, 10, 10, 0)
    assert data["responded_at"] is None and data["paused"] is False
    assert data["breached"] is False
    assert data["response_state"] == "warning" and data["resolution_state"] == "running"


def test_naive_times_and_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="aware"):
        incident(3, datetime(2025, 6, 9, 10, 0))
    sla = incident(3, msk(2025, 6, 9, 10, 0))
    with pytest.raises(ValueError, match="kind"):
        sla.mark_warned("lunch", msk(2025, 6, 9, 10, 0))


def test_ticket_sla_survives_a_zodb_round_trip_with_the_same_deadlines():
    db = ZODB.DB(ZODB.MappingStorage.MappingStorage())
    try:
        start = msk(2025, 6, 11, 14, 0)
        sla = incident(3, start, STANDARD.with_holidays([date(2025, 6, 12)]))
        sla.pause(msk(2025, 6, 11, 15, 0), "agent", "waiting for customer")
        sla.resume(msk(2025, 6, 11, 16, 0), "agent")
        sla.mark_warned("response", msk(2025, 6, 13, 11, 0))
        expected = (sla.response_due, sla.resolution_due, sla.next_check_at(), sla.events)
        tm = transaction.TransactionManager(explicit=True)
        writer = db.open(transaction_manager=tm)
        with tm:
            writer.root()["sla"] = sla

        # A second connection while the first is open: its own cache, so a real unpickling.
        other = transaction.TransactionManager(explicit=True)
        reader = db.open(transaction_manager=other)
        with other:
            loaded = reader.root()["sla"]
            assert loaded is not sla
            got = (loaded.response_due, loaded.resolution_due, loaded.next_check_at())
            assert got + (loaded.events,) == expected
            assert loaded.calendar == sla.calendar and loaded.targets == sla.targets
            assert not loaded.mark_warned("response", msk(2025, 6, 13, 12, 0))
        reader.close()
        writer.close()
    finally:
        db.close()


actions = st.lists(
    st.tuples(st.sampled_from(["pause", "resume", "respond"]), st.integers(1, 3 * 24 * 60)),
    max_size=6,
)


@settings(max_examples=max(100, settings.default.max_examples), deadline=None)
@given(
    st.integers(1, 5),
    st.datetimes(datetime(2024, 1, 1), datetime(2025, 12, 31)),
    actions,
)
def test_a_sweep_following_next_check_at_announces_each_target_at_most_once(
    priority, started, steps
):
    start = started.replace(tzinfo=UTC)
    sla = incident(priority, start)
    now = start
    for action, minutes in steps:
        now += timedelta(minutes=minutes)
        if action == "pause":
            sla.pause(now, "agent", "waiting for customer")
        elif action == "resume":
            sla.resume(now, "agent")
        else:
            sla.respond(now, "agent")
    sla.resume(now, "agent")
    # The sweep: ask for the next check, act at that moment, until nothing is pending.
    for _ in range(10):
        check = sla.next_check_at()
        if check is None:
            break
        at = max(now, datetime.fromtimestamp(check, UTC))
        for kind in sla.due_for_breach(at):
            assert sla.mark_breached(kind, at)
        for kind in sla.due_for_warning(at):
            assert sla.mark_warned(kind, at)
        assert sla.next_check_at() != check or at > datetime.fromtimestamp(check, UTC)
    else:
        raise AssertionError("the sweep did not come to rest")
    kinds = [(e.kind, e.target) for e in sla.events if e.kind in ("warned", "breached")]
    assert len(kinds) == len(set(kinds))
    if sla.responded_at is None:
        assert sla.breached_response is not None
    assert sla.breached_resolution is not None  # never resolved: the sweep ends at the breach


def _fresh(sla: TicketSla, kind: str, now: datetime) -> tuple:
    """The answers computed from scratch (no kept values), for comparison."""
    from itsm.sla import clock

    calendar, target, pauses = sla._clock(kind)
    finished = sla.finished_at(kind)
    due = clock.deadline(calendar, sla.started, target, pauses, finished)
    warn = clock.deadline(calendar, sla.started, target * sla.warn_share, pauses, finished)
    spent = clock.elapsed(calendar, sla.started, finished or now, pauses)
    return due, warn, target - spent


@settings(max_examples=60, deadline=None)
@given(
    priority=st.integers(1, 5),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["pause", "resume", "respond", "resolve", "reopen", "retarget", "ask"]),
            st.integers(1, 36 * 3600),
        ),
        max_size=12,
    ),
)
def test_kept_clock_answers_equal_fresh_ones_after_every_change(priority, steps):
    """Deadlines and time left are kept on the record between calls (itsm.sla.state._memo,
    clock.elapsed_kept); after any change they must equal what a fresh computation gives."""
    policy = DEFAULT_INCIDENT_POLICY
    now = msk(2025, 6, 9, 10, 17)
    sla = incident(priority, now)
    for action, seconds in steps:
        now += timedelta(seconds=seconds)
        if action == "pause":
            sla.pause(now, "a")
        elif action == "resume":
            sla.resume(now, "a")
        elif action == "respond":
            sla.respond(now, "a")
        elif action == "resolve":
            sla.resolve(now, "a")
        elif action == "reopen":
            sla.reopen(now, "a")
        elif action == "retarget":
            new = 1 + (sla.priority % 5)
            sla.retarget(new, policy.target(new), now, "a")
        for kind in ("response", "resolution"):
            for later in (now, now + timedelta(minutes=59), now + timedelta(hours=3)):
                kept = (sla.due(kind), sla.warn_at(kind), sla.remaining(kind, later))
                assert kept == _fresh(sla, kind, later)
                # Asked again (now from what was kept): the same.
                assert (sla.due(kind), sla.warn_at(kind), sla.remaining(kind, later)) == kept
