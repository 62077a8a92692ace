"""LdapDirectory against a real slapd: logins, lookups, escaping, managers, groups, passwords."""

from __future__ import annotations

import time

import pytest

from itsm.directory.base import Directory, DirectoryUnavailable, PasswordRejected
from itsm.directory.roles import roles_for
from itsm.settings import parse
from tests.conftest import base_settings
from tests.plugins.slapd import (
    GROUP_BASE,
    PASSWORD,
    PEOPLE,
    PEOPLE_BY_LOGIN,
    TRICKY_LOGIN,
    TRICKY_NAME,
    free_port,
)

pytestmark = pytest.mark.ldap

INJECTIONS = [
    "*",
    "*)(uid=*",
    "admin)(|(uid=*",
    "admin)(uid=*",
    "adm*",
    "*admin",
    "admin\\",
    "admin\x00",
    "(uid=admin)",
]


def reports(manager: str) -> list[str]:
    return sorted(p.login for p in PEOPLE if p.manager == manager)


def test_it_is_a_directory(directory):
    assert isinstance(directory, Directory)
    assert directory.kind == "ldap"


def test_person_logs_in_with_their_password(directory):
    person = directory.authenticate("agent", PASSWORD)
    assert person is not None
    assert person.login == "agent"
    assert person.name == "Anna Agent"
    assert person.email == "agent@example.com"
    assert person.phone.startswith("+1 555 01")
    assert person.department == "IT"
    assert person.title == "Service desk analyst"
    assert person.manager == "manager"
    assert person.dn == "uid=agent,ou=people,dc=example,dc=com"
    assert person.groups == ("Service Desk", "Workplace")
    assert set(person.group_dns) == {
        f"cn=Service Desk,{GROUP_BASE}",
        f"cn=Workplace,{GROUP_BASE}",
    }


def test_login_comes_back_in_the_directorys_spelling(directory):
    # uid matches case-insensitively; the person record must not split into "Agent" and "agent".
    person = directory.authenticate("AGENT", PASSWORD)
    assert person is not None and person.login == "agent"


def test_wrong_password_is_refused(directory):
    assert directory.authenticate("agent", "not-the-password") is None
    assert directory.authenticate("agent", PASSWORD.upper()) is None


def test_unknown_login_is_refused(directory):
    assert directory.authenticate("nobody-here", PASSWORD) is None


def test_empty_password_or_login_is_refused_without_contacting_the_server(make_directory, slapd):
    # Nothing listens on this port, so any contact would raise DirectoryUnavailable.
    closed = make_directory(slapd, url=f"ldap://127.0.0.1:{free_port()}")
    with pytest.raises(DirectoryUnavailable):
        closed.authenticate("agent", PASSWORD)
    assert closed.authenticate("agent", "") is None
    assert closed.authenticate("", PASSWORD) is None
    assert closed.authenticate("", "") is None
    assert closed.authenticate("   ", PASSWORD) is None


def test_empty_password_is_refused_by_the_live_server_too(directory):
    # An empty-password simple bind is an anonymous "success" (RFC 4513 §5.1.2).
    assert directory.authenticate("agent", "") is None


@pytest.mark.parametrize("login", INJECTIONS)
def test_filter_injection_in_the_login_matches_nobody(directory, login):
    assert directory.authenticate(login, PASSWORD) is None
    assert directory.get(login) is None
    assert directory.reports_of(login) == []


def test_filter_characters_in_a_search_are_literal(directory):
    assert [p.login for p in directory.search("*")] == [TRICKY_LOGIN]
    assert [p.login for p in directory.search("(*Lead*)")] == [TRICKY_LOGIN]
    assert [p.login for p in directory.search("\\")] == [TRICKY_LOGIN]
    assert directory.search(")(uid=*") == []
    assert directory.search("*)(|(uid=*") == []


def test_person_whose_login_and_name_need_escaping(directory):
    person = directory.authenticate(TRICKY_LOGIN, PASSWORD)
    assert person is not None
    assert person.login == TRICKY_LOGIN
    assert person.name == TRICKY_NAME
    # The DN has "(", ")" and "*": the group search escapes it, so the membership is found.
    assert person.groups == ("Network",)
    assert directory.get(TRICKY_LOGIN) == person
    assert directory.manager_of(TRICKY_LOGIN) == "manager"


def test_apostrophe_in_a_login(directory):
    person = directory.authenticate("o'brien", PASSWORD)
    assert person is not None and person.name == "Pat O'Brien"
    assert person.manager == "salesboss"


def test_cyrillic_name_round_trip(directory):
    person = directory.authenticate("ivanov", PASSWORD)
    assert person is not None
    assert person.name == "Иван Петров"
    assert person.title == "Инженер рабочих мест"
    assert directory.get("ivanov") == person
    assert [p.login for p in directory.search("Петров")] == ["ivanov"]
    # Case-insensitive in Cyrillic too.
    assert [p.login for p in directory.search("иван")] == ["ivanov"]


def test_search_by_login_name_or_mail(directory):
    assert [p.login for p in directory.search("sdesk")] == ["sdesk1", "sdesk2"]
    assert [p.login for p in directory.search("Oleg Op")] == ["netops"]
    assert [p.login for p in directory.search("zoe@example")] == ["zoe"]
    found = directory.search("sales", limit=50)
    assert "salesboss" in {p.login for p in found}
    assert all(p.email.endswith("@example.com") for p in found)


def test_search_respects_the_limit(directory):
    everyone = directory.search("", limit=100)
    assert len(everyone) == len(PEOPLE)
    assert len(directory.search("", limit=5)) == 5
    assert len(directory.search("e", limit=3)) == 3
    assert directory.search("e", limit=0) == []


def test_unknown_person_is_none(directory):
    assert directory.get("nobody-here") is None
    assert directory.get("") is None
    assert directory.groups_of("nobody-here") == []
    assert directory.manager_of("nobody-here") is None
    assert directory.reports_of("nobody-here") == []


def test_manager_dn_is_resolved_to_a_login(directory):
    assert directory.manager_of("yuri") == "petr"
    assert directory.manager_of("petr") == "salesboss"
    assert directory.manager_of("employee") == "manager"
    assert directory.manager_of("manager") is None
    assert directory.get("sdesk1").manager == "agent"


def test_manager_who_left_the_directory_is_no_manager(directory):
    assert directory.get("orphan").manager is None
    assert directory.authenticate("orphan", PASSWORD).manager is None


def test_reports_are_the_people_whose_manager_is_that_person(directory):
    assert directory.reports_of("manager") == reports("manager")
    assert "employee" in directory.reports_of("manager")
    assert directory.reports_of("salesboss") == reports("salesboss")
    assert len(directory.reports_of("salesboss")) == 10
    assert directory.reports_of("petr") == ["yuri", "zoe"]
    assert directory.reports_of("zoe") == []


def test_groups_from_member_and_unique_member(directory):
    assert directory.groups_of("agent") == ["Service Desk", "Workplace"]
    assert directory.groups_of("admin") == ["Administrators", "Service Desk"]
    # Change Board is a groupOfUniqueNames.
    assert directory.groups_of("manager") == ["Change Board"]
    assert directory.groups_of("salesboss") == ["Change Board", "Sales Team"]
    assert directory.groups_of("employee") == []


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("employee", {"employee"}),
        # sdesk1 and sdesk2 report to agent; Service Desk are the problem managers (test.ini)
        ("agent", {"employee", "agent", "manager", "problem_manager"}),
        ("netops", {"employee", "agent"}),
        ("admin", {"employee", "agent", "admin", "problem_manager"}),
        ("manager", {"employee", "manager", "change_board"}),
        ("salesboss", {"employee", "manager", "change_board"}),
        ("ivanov", {"employee", "agent"}),
    ],
)
def test_roles_from_directory_groups_and_reports(directory, login, expected):
    mapping = parse(base_settings()).roles
    person = directory.get(login)
    assert roles_for(person, bool(directory.reports_of(login)), mapping) == expected


def test_roles_can_name_groups_by_dn(directory):
    person = directory.get("admin")
    mapping = {"admin": ("CN=Administrators, OU=Groups, DC=example, DC=com",)}
    assert roles_for(person, False, mapping) == {"employee", "admin"}


def test_person_changes_their_own_password(make_slapd, make_directory):
    directory = make_directory(make_slapd())
    directory.set_password("pwuser", "a-new-password-1", PASSWORD)
    assert directory.authenticate("pwuser", PASSWORD) is None
    assert directory.authenticate("pwuser", "a-new-password-1").login == "pwuser"


def test_service_account_resets_a_password(make_slapd, make_directory):
    directory = make_directory(make_slapd())
    directory.set_password("pwuser", "reset-by-the-desk-1")
    assert directory.authenticate("pwuser", PASSWORD) is None
    assert directory.authenticate("pwuser", "reset-by-the-desk-1") is not None


def test_password_policy_refusals_have_the_servers_reason(make_slapd, make_directory):
    directory = make_directory(make_slapd())
    with pytest.raises(PasswordRejected) as wrong:
        directory.set_password("pwuser", "a-new-password-1", "not-the-password")
    assert wrong.value.code == "wrong_password"
    with pytest.raises(PasswordRejected) as short:
        directory.set_password("pwuser", "short", PASSWORD)
    assert short.value.code == "too_short"
    assert "quality" in short.value.reason  # slapd's own words
    directory.set_password("pwuser", "first-new-password", PASSWORD)
    directory.set_password("pwuser", "second-new-password", "first-new-password")
    with pytest.raises(PasswordRejected) as again:
        directory.set_password("pwuser", "first-new-password", "second-new-password")
    assert again.value.code == "in_history"
    assert "history" in again.value.reason
    # Nothing refused was set.
    assert directory.authenticate("pwuser", "second-new-password") is not None


def test_password_change_for_nobody_or_to_nothing_is_refused(directory):
    with pytest.raises(PasswordRejected) as unknown:
        directory.set_password("nobody-here", "a-new-password-1", PASSWORD)
    assert unknown.value.code == "rejected"
    with pytest.raises(PasswordRejected) as empty:
        directory.set_password("pwuser", "", PASSWORD)
    assert empty.value.code == "too_short"
    with pytest.raises(PasswordRejected) as no_old:
        directory.set_password("pwuser", "a-new-password-1", "")
    assert no_old.value.code == "wrong_password"
    assert directory.authenticate("pwuser", PASSWORD) is not None


def test_ping(directory):
    assert directory.ping() is True


def test_ping_is_false_when_the_user_base_does_not_exist(make_directory, slapd):
    missing = make_directory(slapd, user_base="ou=nowhere,dc=example,dc=com")
    assert missing.ping() is False


def test_wrong_service_password_is_unavailable_not_a_wrong_login(make_directory, slapd):
    directory = make_directory(slapd, bind_password="not-the-service-password")
    start = time.monotonic()
    with pytest.raises(DirectoryUnavailable, match="service bind"):
        directory.authenticate("agent", PASSWORD)
    assert time.monotonic() - start < 1
    assert directory.ping() is False


def test_a_bind_dn_without_a_password_is_a_configuration_error(slapd):
    from itsm.directory.ldap import LdapDirectory
    from itsm.settings import ConfigError

    with pytest.raises(ConfigError, match="bind_password"):
        LdapDirectory(slapd.ldap_settings(bind_password=""))


def test_people_data_matches_the_test_directory(directory):
    # Guards the fixture itself: every person can log in and is found with their manager.
    for person in PEOPLE:
        entry = directory.get(person.login)
        assert entry is not None, person.login
        assert entry.name == person.name
        assert entry.manager == (person.manager if person.manager in PEOPLE_BY_LOGIN else None)
        assert set(entry.groups) == set(person.groups)
    assert PEOPLE_BY_LOGIN["manager"].manager is None


def test_active_directory_mode_against_a_directory_without_uniquemember(make_directory, slapd):
    # AD mode searches groups by member only (AD has no uniqueMember) and reads memberOf.
    directory = make_directory(slapd, active_directory=True, login_attribute="uid")
    person = directory.authenticate("agent", PASSWORD)
    assert person is not None
    assert person.groups == ("Service Desk", "Workplace")
    assert person.manager == "manager"


def test_active_directory_password_change_needs_tls(make_directory, slapd):
    # Nothing listens on this port: the refusal comes before any network traffic.
    closed = make_directory(slapd, url=f"ldap://127.0.0.1:{free_port()}", active_directory=True)
    with pytest.raises(PasswordRejected, match="encrypted"):
        closed.set_password("pwuser", "a-new-password-1", PASSWORD)
