"""Assignment within a group: round robin or least open work, skipping people marked away."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsm.db import run_in_transaction


@dataclass(frozen=True)
class AssignmentDecision:
    assignee: str | None
    strategy: str
    loads: Mapping[str, int]  # open work per candidate, when it was counted
    skipped_away: tuple[str, ...] = ()


def candidates(group: Any, people: Iterable[Any]) -> tuple[list[str], list[str]]:
    """Members of ``group`` who are IT staff: (available logins, away logins), sorted."""
    available, away = [], []
    for person in people:
        if group.title in person.groups and "agent" in person.roles:
            (away if person.away else available).append(person.login)
    return sorted(available), sorted(away)


def next_in_turn(last: str | None, available: list[str]) -> str:
    """Round robin: the first login after ``last`` in sorted order, wrapping around."""
    later = [login for login in available if last is None or login > last]
    return (later or available)[0]


def rotate_in_own_transaction(db: Any, group_name: str, available: list[str]) -> str | None:
    """Advance the group's round-robin pointer in a short transaction of its own.

    Kept out of the creating request's transaction for the reason numbers are
    (:func:`itsm.numbering.allocate_number`): the pointer is written by every assignment in
    the group, and inside long requests concurrent creators would exhaust their retries.
    """

    def turn(root: Any) -> str | None:
        group = root["settings"]["groups"].get(group_name)
        if group is None:  # created by the caller's transaction, not committed yet
            return None
        chosen = next_in_turn(getattr(group, "last_assigned", None), available)
        group.last_assigned = chosen
        return chosen

    return run_in_transaction(db, turn, attempts=20)


def pick_assignee(
    group: Any,
    people: Iterable[Any],
    open_load: Callable[[str], int],
    rotate: Callable[[list[str]], str | None] | None = None,
) -> AssignmentDecision:
    """Choose a person in ``group`` by its strategy. ``open_load(login)`` counts open work;
    ``rotate(available)`` advances the round-robin pointer (by default on ``group`` itself).

    Least loaded asks the catalog, so it costs no write.
    """
    available, away = candidates(group, people)
    if not available:
        return AssignmentDecision(None, group.strategy, {}, tuple(away))
    if group.strategy == "round_robin":
        chosen = rotate(available) if rotate is not None else None
        if chosen is None:
            chosen = next_in_turn(getattr(group, "last_assigned", None), available)
            group.last_assigned = chosen
        return AssignmentDecision(chosen, "round_robin", {}, tuple(away))
    loads = {login: open_load(login) for login in available}
    chosen = min(available, key=lambda login: (loads[login], login))
    return AssignmentDecision(chosen, "least_loaded", loads, tuple(away))
