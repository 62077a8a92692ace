"""The one rule for who is IT staff (itsm.security.roles)."""

from types import SimpleNamespace

import pytest

from itsm.security.roles import has_staff_role, is_staff


def request_of(*roles):
    person = SimpleNamespace(roles=tuple(roles))
    return SimpleNamespace(identity=SimpleNamespace(person=person))


@pytest.mark.parametrize(
    ("roles", "staff"),
    [
        ((), False),
        (("employee",), False),
        (("manager",), False),
        (("change_board",), False),
        (("agent",), True),
        (("admin",), True),
        (("manager", "agent"), True),
    ],
)
def test_agents_and_admins_are_staff_nobody_else(roles, staff):
    assert is_staff(request_of(*roles)) is staff
    assert has_staff_role(roles) is staff


def test_an_anonymous_request_is_not_staff():
    assert is_staff(SimpleNamespace(identity=None)) is False


def test_the_desk_itself_acts_as_staff():
    assert has_staff_role(frozenset({"system"}))
