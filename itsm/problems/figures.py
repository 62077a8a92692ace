"""Problem figures for the reports (itsm.reports) and ``GET /api/v1/problems/figures``:
incidents per problem, time from the first incident to the root cause, open known errors."""

from __future__ import annotations

from statistics import mean, median
from typing import Any

from itsm.problems.links import linked_incidents
from itsm.problems.matching import open_known_errors
from itsm.search.catalog import search

LIMIT = 10_000


def _problems(root: Any) -> list[Any]:
    _total, found = search(root, kind="problem", sort="created", per_page=LIMIT)
    return found


def incidents_per_problem(root: Any) -> dict[str, Any]:
    """Each problem's number of linked incidents, with the mean and the largest."""
    rows = [
        {"number": p.number, "title": p.title, "status": p.status, "incidents": len(p.incidents)}
        for p in _problems(root)
    ]
    counts = [r["incidents"] for r in rows]
    return {
        "items": rows,
        "mean": round(mean(counts), 2) if counts else None,
        "max": max(counts) if counts else None,
    }


def first_incident_at(root: Any, problem: Any) -> Any:
    times = [i.created for i in linked_incidents(root, problem) if i.created is not None]
    return min(times) if times else None


def time_to_root_cause(root: Any) -> dict[str, Any]:
    """Hours from the problem's first incident to its root cause, for the problems that have
    both; with the mean and the median."""
    rows = []
    for problem in _problems(root):
        first = first_incident_at(root, problem)
        if first is None or problem.root_cause_at is None:
            continue
        hours = max(0.0, (problem.root_cause_at - first).total_seconds() / 3600)
        rows.append({"number": problem.number, "hours": round(hours, 2)})
    hours = [r["hours"] for r in rows]
    return {
        "items": rows,
        "mean_hours": round(mean(hours), 2) if hours else None,
        "median_hours": round(median(hours), 2) if hours else None,
    }


def known_errors_open(root: Any) -> dict[str, Any]:
    found = open_known_errors(root)
    return {"total": len(found), "items": [{"number": p.number, "title": p.title} for p in found]}


def problem_figures(root: Any) -> dict[str, Any]:
    """All three, as ``GET /api/v1/problems/figures`` answers them."""
    return {
        "incidents_per_problem": incidents_per_problem(root),
        "time_to_root_cause": time_to_root_cause(root),
        "open_known_errors": known_errors_open(root),
    }
