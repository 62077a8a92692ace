"""Permission names used in ACLs, view registrations and ``request.has_permission``.

This enum is the one vocabulary of access: a view's ``permission=`` and every ACL entry name a
member of ``P``. ``P`` is a ``StrEnum``, so ``P.VIEW == "view"`` and ACLs stored as strings keep
working.
"""

from enum import StrEnum

from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone


class P(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    CREATE = "create"
    WORK = "work"  # act on tickets as IT staff
    APPROVE = "approve"
    ADMIN = "admin"
    COMMENT = "comment"  # add to a ticket's journal without working it (change board)
    CONFIGURE = "configure"  # change a domain's settings (blackout windows)
    CONFIRM = "confirm"  # the requester confirms a resolution or rates it
    DECIDE = "decide"  # decide an approval step
    MANAGE = "manage"  # administer a catalog or container's content
    ORDER = "order"  # order a catalog item
    POST = "post"  # post announcements
    VOTE = "vote"  # vote on a knowledge article
    INTERNAL = "internal"  # read and write a ticket's internal notes (IT staff)
    WITHDRAW = "withdraw"  # the requester withdraws their service request


#: The ACL of a container only IT staff open (the mail quarantine, the live chats):
#: administrators may do anything, agents read and work, nobody else anything.
STAFF_ONLY_ACL = (
    (Allow, "role:admin", ALL_PERMISSIONS),
    (Allow, "role:agent", (P.VIEW, P.WORK)),
    (Deny, Everyone, ALL_PERMISSIONS),
)
