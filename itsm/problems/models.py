"""Problems (``/problems/PRB-000001``), the desk's cluster proposals, and the problem settings
kept under ``/settings/problems``.

A problem links the incidents it causes (``incidents``; each incident names its problem in
``Incident.problem``) and the changes that fix it (``changes``; ``Change.problem``), so both
pages show the link without a search. With a root cause and a workaround an open problem is a
*known error*: agents see it on matching incidents (itsm.problems.matching).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.problems.workflow import WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.models import Ticket

#: The name of the settings object under ``/settings``.
SETTINGS_NAME = "problems"
#: At most this many "why" answers in a 5 whys analysis.
MAX_WHYS = 5


class Problem(Ticket):
    """The cause behind one or more incidents; a known error once its workaround is known."""

    kind = "problem"
    workflow = WORKFLOW
    root_cause = ""
    workaround = ""
    whys: tuple[str, ...] = ()  # the "5 whys", in order
    incidents: tuple[str, ...] = ()  # linked incident numbers, in the order they were linked
    changes: tuple[str, ...] = ()  # linked change numbers (the fix)
    services: tuple[str, ...] = ()  # CIs affected through the linked ones (CMDB impact)
    affected: tuple[str, ...] = ()  # logins affected (CMDB impact)
    root_cause_at: datetime | None = None  # when the root cause was first recorded
    kb_article = ""  # the article the workaround was published as (itsm.kb)
    # Incidents this problem's resolution resolved: each once, however often it runs.
    resolved_incidents: tuple[str, ...] = ()
    # Incidents linked since the assignee's last digest mail (itsm.problems.jobs).
    undigested: tuple[str, ...] = ()
    proposal = ""  # the desk's proposal it was raised from (ClusterProposal.key)

    # IT staff only: employees never see problems, even those behind their incidents. The
    # one who raised a problem (``requester``) is IT staff and gets nothing more for it.
    agent_permissions = (P.VIEW, P.COMMENT, P.WORK, P.EDIT, P.INTERNAL)
    requester_permissions = ()
    watcher_permissions = ()

    @property
    def acl_requester(self) -> str:
        return ""

    @property
    def known_error(self) -> bool:
        """Open, with a root cause and a workaround: agents are shown it on matching incidents."""
        return self.is_open and bool(self.root_cause.strip() and self.workaround.strip())

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        data.update(open=self.is_open, number=self.number)
        return data

    def search_text(self) -> str:
        parts = (super().search_text(), self.root_cause, self.workaround, *self.whys)
        return "\n".join(p for p in parts if p)


class ClusterProposal(Persistent):
    """Similar incidents the cluster job found and offered to the problem managers; never a
    problem until someone raises one from it."""

    __parent__: Any = None
    __name__: str | None = None
    status = "open"  # open | accepted | dismissed
    problem = ""  # the problem raised from it
    decided_by: str | None = None

    def __init__(
        self, key: str, found_at: datetime, basis: str, value: str, incidents: tuple[str, ...]
    ) -> None:
        self.key = key
        self.found_at = found_at
        self.basis = basis  # "ci" or "category"
        self.value = value  # the CI number, or the category and the shared words
        self.incidents = incidents


class ProblemSettings(Persistent):
    """``/settings/problems``: the cluster proposals, by key."""

    __parent__: Any = None
    __name__: str | None = None

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]

    def __init__(self) -> None:
        self.proposals = OOBTree()


def problem_settings(root: Any) -> ProblemSettings | None:
    """The stored settings, or None before the first proposal (reading never writes)."""
    return root["settings"].get(SETTINGS_NAME)


def ensure_problem_settings(root: Any) -> ProblemSettings:
    stored = root["settings"].get(SETTINGS_NAME)
    if stored is None:
        stored = root["settings"].add(SETTINGS_NAME, ProblemSettings())
    return stored
