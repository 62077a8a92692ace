"""How LdapDirectory reads answers no test server gives: Active Directory's password errors,
password policy controls, escaped group DNs. Pure functions; no server needed."""

from __future__ import annotations

import pytest

from itsm.directory.base import DirectoryUnavailable, PasswordRejected
from itsm.directory.ldap import PPOLICY_CONTROL, LdapDirectory, _ppolicy_error, _rdn_value

pytestmark = pytest.mark.ldap


def result(code, message="", description="constraintViolation", controls=None):
    return {"result": code, "message": message, "description": description, "controls": controls}


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        # Active Directory: the old password is wrong.
        (result(19, "00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: ..."), "wrong_password"),
        # Active Directory: length, complexity, history or age; AD does not say which.
        (result(19, "0000052D: Constraint violation - check_password_restrictions"), "rejected"),
        # Samba AD says which.
        (result(19, "0000052D: ... the password is too short. It should be 7"), "too_short"),
        (result(19, "0000052D: ... the password was already used (in history)!"), "in_history"),
        (result(19, "0000052D: ... the password does not meet the complexity criteria!"),
         "too_weak"),
        # OpenLDAP without the control.
        (result(19, "Password is in history of old passwords"), "in_history"),
        (result(19, "Password fails quality checking policy"), "too_weak"),
        (result(53, "unwilling to verify old password", "unwillingToPerform"), "wrong_password"),
        (result(49, "", "invalidCredentials"), "wrong_password"),
        (result(50, "no write access to parent", "insufficientAccessRights"), "rejected"),
    ],
)  # fmt: skip
def test_password_refusals_are_classified(answer, code):
    rejection = LdapDirectory._rejection(answer)
    assert isinstance(rejection, PasswordRejected)
    assert rejection.code == code
    assert rejection.reason  # never empty: it is shown to the person


def test_password_policy_control_wins_over_the_message():
    control = {PPOLICY_CONTROL: {"value": b"0\x03\x81\x01\x06"}}
    rejection = LdapDirectory._rejection(
        result(19, "Password fails quality checking policy", controls=control)
    )
    assert rejection.code == "too_short"
    assert rejection.reason == "Password fails quality checking policy"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (b"0\x03\x81\x01\x08", 8),
        (b"0\x07\xa0\x02\x80\x00\x81\x01\x05", 5),  # a warning first, then the error
        (b"0\x04\xa0\x02\x80\x00", None),  # a warning only
        (b"0\x00", None),
        (b"", None),
    ],
)
def test_password_policy_control_is_decoded(value, error):
    assert _ppolicy_error({PPOLICY_CONTROL: {"value": value}}) == error


def test_server_trouble_during_a_password_change_is_unavailability():
    assert isinstance(LdapDirectory._rejection(result(51, "", "busy")), DirectoryUnavailable)


@pytest.mark.parametrize(
    ("dn", "name"),
    [
        ("CN=IT Admins,OU=Groups,DC=corp,DC=example,DC=com", "IT Admins"),
        ("CN=Smith\\, John,OU=Staff,DC=corp", "Smith, John"),
        ("cn=R\\2BD,ou=groups,dc=example,dc=com", "R+D"),
    ],
)
def test_group_name_from_a_member_of_dn(dn, name):
    assert _rdn_value(dn) == name
