"""Impact analysis: who and what is affected when a CI fails.

The definition (also in the README):

1. **CIs**: every CI that ``depends_on`` or ``runs_on`` the failed CI, then every CI that
   depends on or runs on those, and so on upward (transitively), e.g. a disk array → the
   server that runs on it → the "Mail" application service that runs on the server → the
   "Mobile mail" service that depends on Mail. Each CI is visited once, so cycles end.
   The failed CI itself is not in the list.
2. **People**: the owners of the failed CI and of every affected CI, plus the owners of every
   CI linked to one of them by ``licensed_to`` (either direction) and of every ``Account``
   CI linked to one of them by any relation (the people who use the service). Retired and
   disposed CIs do not count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from itsm.cmdb.workflow import DISPOSED, RETIRED

UPWARD = frozenset({"depends_on", "runs_on"})
USERS_VIA = frozenset({"licensed_to"})
ACCOUNT_CLASS = "Account"
GONE = frozenset({RETIRED, DISPOSED})


@dataclass(frozen=True)
class Impact:
    cis: list[str]
    people: list[str]

    def as_json(self) -> dict[str, list[str]]:
        return {"cis": self.cis, "people": self.people}


def impact_of(root: Any, ci: Any, limit: int = 10_000) -> Impact:
    """The CIs and people affected if ``ci`` fails (see the module's docstring)."""
    cmdb = root["cmdb"]
    seen = {ci.number}
    affected: list[Any] = []
    queue = deque([ci])
    while queue and len(seen) < limit:
        current = queue.popleft()
        for type_, number in current.incoming:
            if type_ not in UPWARD or number in seen:
                continue
            seen.add(number)
            other = cmdb.get(number)
            if other is None or other.status in GONE:
                continue
            affected.append(other)
            queue.append(other)
    people: set[str] = set()
    for item in (ci, *affected):
        if item.owner and item.status not in GONE:
            people.add(item.owner)
        links = [*item.incoming, *item.outgoing]
        for type_, number in links:
            other = cmdb.get(number)
            if other is None or other.status in GONE or not other.owner:
                continue
            if type_ in USERS_VIA or other.ci_class == ACCOUNT_CLASS:
                people.add(other.owner)
    return Impact(sorted(a.number for a in affected), sorted(people))


def impact_of_numbers(root: Any, numbers: Any) -> Impact:
    """The union of the impacts of several CIs (an incident's linked CIs); unknown ones are
    skipped."""
    cmdb = root["cmdb"]
    cis: set[str] = set()
    people: set[str] = set()
    for number in numbers:
        ci = cmdb.get(number)
        if ci is None:
            continue
        found = impact_of(root, ci)
        cis.update(found.cis)
        people.update(found.people)
    return Impact(sorted(cis), sorted(people))
