"""Problems and known errors as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsm.problems.workflow import WORKFLOW


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def problem_json(problem: Any, roles: Any = None) -> dict[str, Any]:
    data = {
        "number": problem.number,
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "known_error": problem.known_error,
        "impact": problem.impact,
        "urgency": problem.urgency,
        "priority": problem.priority,
        "category": problem.category,
        "group": problem.group,
        "assignee": problem.assignee,
        "raised_by": problem.requester or None,
        "cis": list(problem.cis),
        "services": list(problem.services),
        "affected": list(problem.affected),
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "whys": list(problem.whys),
        "resolution": problem.resolution,
        "incidents": list(problem.incidents),
        "changes": list(problem.changes),
        "kb_article": problem.kb_article or None,
        "created": iso(problem.created),
        "updated": iso(problem.updated),
        "root_cause_at": iso(problem.root_cause_at),
        "resolved_at": iso(problem.resolved_at),
        "closed_at": iso(problem.closed_at),
    }
    if roles is not None:
        data["transitions"] = [t.name for t in WORKFLOW.available(problem.status, roles)]
    return data


def known_error_json(problem: Any) -> dict[str, Any]:
    return {
        "number": problem.number,
        "title": problem.title,
        "category": problem.category,
        "cis": list(problem.cis),
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "kb_article": problem.kb_article or None,
        "incidents": len(problem.incidents),
    }


def proposal_json(proposal: Any) -> dict[str, Any]:
    return {
        "key": proposal.key,
        "basis": proposal.basis,
        "value": proposal.value,
        "incidents": list(proposal.incidents),
        "found_at": iso(proposal.found_at),
        "status": proposal.status,
        "problem": proposal.problem or None,
    }
