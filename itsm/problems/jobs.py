"""Timers of problem management: the cluster proposals and the assignees' digest of newly
linked incidents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsm.notify.notifications import queue_notification
from itsm.problems.clusters import candidates, find_clusters
from itsm.problems.models import ClusterProposal, ensure_problem_settings, problem_settings
from itsm.search.catalog import flush, search

PROPOSAL_TEMPLATE = "itsm.problems:templates/mail/proposal.pt"
DIGEST_TEMPLATE = "itsm.problems:templates/mail/linked_digest.pt"


def problem_managers(root: Any) -> list[str]:
    """The logins with the problem manager role (from ``itsm.roles.problem_manager``)."""
    return sorted(
        p.login for p in root["people"].values() if "problem_manager" in getattr(p, "roles", ())
    )


def propose_clusters(root: Any, registry: Any, now: Any) -> list[ClusterProposal]:
    """Offer each new cluster once to the problem managers (one mail with the list); a cluster
    already offered only gains its new incidents. A dismissed cluster is offered again only
    after ``cluster_days``. Answers the proposals made or grown."""
    min_size = registry.itsm_problems_cluster_min
    days = registry.itsm_problems_cluster_days
    found = find_clusters(candidates(root, now, days), min_size)
    if not found:
        return []
    stored = problem_settings(root)
    touched = []
    fresh = []
    for cluster in found:
        proposal = stored.proposals.get(cluster.key) if stored is not None else None
        if proposal is not None and proposal.status == "open":
            new = [n for n in cluster.incidents if n not in proposal.incidents]
            if new:
                proposal.incidents = (*proposal.incidents, *new)
                touched.append(proposal)
            continue
        if proposal is not None and now - proposal.found_at < timedelta(days=days):
            continue  # accepted or dismissed lately
        stored = stored or ensure_problem_settings(root)
        proposal = ClusterProposal(
            cluster.key, now, cluster.basis, cluster.value, cluster.incidents
        )
        stored.proposals[cluster.key] = proposal
        fresh.append(proposal)
    if fresh:
        incidents = root["incidents"]
        queue_notification(
            root,
            registry,
            recipients=problem_managers(root),
            template=PROPOSAL_TEMPLATE,
            essential=False,
            now=now,
            proposals=[(p, [incidents[n] for n in p.incidents if n in incidents]) for p in fresh],
            url=f"{registry.itsm_settings.public_url}/problems/#proposals",
        )
    return fresh + touched


def cluster_job(ctx: Any) -> str | None:
    """Every few minutes: look for clusters of similar incidents (itsm.problems.clusters)."""

    def run(root: Any) -> int:
        return len(propose_clusters(root, ctx.registry, ctx.now()))

    count = ctx.transact(run)
    return f"{count} proposal(s)" if count else None


def send_digests(root: Any, registry: Any, now: Any) -> int:
    """One mail per problem to its assignee with the incidents linked since the last one."""
    _total, problems = search(root, kind="problem", open=True, per_page=10_000)
    sent = 0
    incidents = root["incidents"]
    for problem in problems:
        if not problem.undigested:
            continue
        numbers, problem.undigested = problem.undigested, ()
        if not problem.assignee:
            continue
        queue_notification(
            root,
            registry,
            recipients=[problem.assignee],
            template=DIGEST_TEMPLATE,
            ticket=problem,
            essential=False,
            now=now,
            linked=[incidents[n] for n in numbers if n in incidents],
        )
        sent += 1
    return sent


def digest_job(ctx: Any) -> str | None:
    def run(root: Any) -> int:
        sent = send_digests(root, ctx.registry, ctx.now())
        flush(root)
        return sent

    sent = ctx.transact(run)
    return f"{sent} digest(s)" if sent else None
