from itsm.directory.base import DirectoryPerson
from itsm.directory.roles import roles_for

MAPPING = {
    "agent": ("Service Desk", "cn=Network,ou=groups,dc=example,dc=com"),
    "admin": ("Administrators",),
    "change_board": (),
}


def test_everyone_is_an_employee():
    assert roles_for(DirectoryPerson("a"), False, MAPPING) == {"employee"}


def test_manager_comes_from_reports_not_groups():
    assert "manager" in roles_for(DirectoryPerson("a"), True, MAPPING)


def test_groups_match_by_name_or_dn_case_insensitively():
    by_name = DirectoryPerson("a", groups=("service desk",))
    by_dn = DirectoryPerson("b", group_dns=("CN=Network, OU=groups, DC=example, DC=com",))
    assert "agent" in roles_for(by_name, False, MAPPING)
    assert "agent" in roles_for(by_dn, False, MAPPING)
    assert "admin" not in roles_for(by_dn, False, MAPPING)
