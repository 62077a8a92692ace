"""Permission names used in ACLs and view registrations."""

from enum import StrEnum


class P(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    CREATE = "create"
    WORK = "work"  # act on tickets as IT staff
    APPROVE = "approve"
    ADMIN = "admin"
