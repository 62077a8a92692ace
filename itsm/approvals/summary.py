"""What an approver sees of the thing they approve, whatever its kind.

Approvals serve service requests and changes without knowing either: each kind registers a
function that lists ``(label, value)`` rows for its tickets (labels are TranslationStrings,
values plain text or TranslationStrings) with ``config.add_approval_summary(kind, function)``;
the functions are kept on the registry. The approval page, "Waiting for my approval" and the
approval mail show those rows, so a manager decides on the plan, risk, affected CIs and people
and conflicts of a change, or the answers and price of a request, without opening the ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[Any, Any]
Summary = Callable[[Any, Any, str], list[Row]]


def add_approval_summary(config: Any, kind: str, summary: Summary) -> None:
    """Configurator directive: ``summary(ticket, root, locale)`` lists the rows shown to the
    approvers of tickets of ``kind`` (``config.add_approval_summary("change", ...)``)."""
    config.registry.itsm_approval_summaries[kind] = summary


def summary_rows(registry: Any, ticket: Any, root: Any, locale: str = "en") -> list[Row]:
    """The rows for ``ticket``; none for a kind nobody registered. Empty values are left out."""
    summaries = getattr(registry, "itsm_approval_summaries", {})
    summary = summaries.get(getattr(ticket, "kind", ""))
    if summary is None:
        return []
    return [
        (label, value) for label, value in summary(ticket, root, locale) if value not in ("", None)
    ]
