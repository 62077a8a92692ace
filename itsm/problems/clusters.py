"""Finding clusters of similar incidents, which the desk offers as problems (never raising one
by itself).

Candidates are the incidents reported in the last ``days`` days that are still open or were
resolved within them, and belong to no problem yet. A cluster is ``min_size`` or more of them
on the same CI, or in the same category with similar titles (stemmed words, see
itsm.problems.matching). Each cluster has a stable key (the CI, or the category and the
words the titles share), so the job offers it once and then only adds what is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsm.problems.matching import TITLE_OVERLAP, title_similarity, title_stems
from itsm.search.catalog import search

#: The most candidates one run looks at (newest first).
MAX_CANDIDATES = 5000


@dataclass(frozen=True)
class Cluster:
    key: str
    basis: str  # "ci" | "category"
    value: str  # the CI number, or "category: shared words"
    incidents: tuple[str, ...]  # oldest first


def candidates(root: Any, now: datetime, days: int) -> list[Any]:
    since = now - timedelta(days=days)
    _total, found = search(
        root, kind="incident", sort="created", reverse=True, per_page=MAX_CANDIDATES
    )
    chosen = []
    for incident in found:
        if incident.created is None or incident.created < since:
            break  # newest first: the rest are older
        if getattr(incident, "problem", "") or incident.merged_into:
            continue
        if not incident.is_open and (incident.resolved_at is None or incident.resolved_at < since):
            continue
        chosen.append(incident)
    chosen.reverse()
    return chosen


def find_clusters(incidents: list[Any], min_size: int) -> list[Cluster]:
    """Clusters among ``incidents`` (oldest first): by CI, then by category and title; a
    title cluster that adds nothing to a CI cluster is left out."""
    clusters: list[Cluster] = []
    by_ci: dict[str, list[str]] = {}
    for incident in incidents:
        for ci in incident.cis:
            by_ci.setdefault(ci, []).append(incident.number)
    for ci, numbers in sorted(by_ci.items()):
        if len(numbers) >= min_size:
            clusters.append(Cluster(f"ci:{ci}", "ci", ci, tuple(numbers)))
    # Title clusters: each incident joins the first group (same category) whose first title
    # it resembles; the group's key is the words all its titles share.
    groups: list[tuple[str, Any, list[Any]]] = []
    for incident in incidents:
        for category, seed, members in groups:
            if category == incident.category and (
                title_similarity(seed.title, incident.title) >= TITLE_OVERLAP
            ):
                members.append(incident)
                break
        else:
            groups.append((incident.category, incident, [incident]))
    covered = [set(c.incidents) for c in clusters]
    for category, _seed, members in groups:
        if len(members) < min_size:
            continue
        numbers = tuple(m.number for m in members)
        if any(set(numbers) <= seen for seen in covered):
            continue
        shared = frozenset.intersection(*(title_stems(m.title) for m in members))
        words = " ".join(sorted(shared))
        clusters.append(
            Cluster(f"category:{category}:{words}", "category", f"{category}: {words}", numbers)
        )
    return clusters
