"""The menu bar by role: what each person can reach, and their name linking their profile."""

from __future__ import annotations

import pytest

from tests.conftest import logged_in


def _menu(page) -> dict[str, str]:
    nav = page.html.select_one("#itsm-nav .navbar-nav")
    return {a.get_text(strip=True): a["href"] for a in nav.select("a.nav-link")}


@pytest.mark.parametrize(
    ("login", "present", "absent"),
    [
        (
            "employee",
            {"My incidents", "My equipment", "Requests", "Approvals"},
            {"Changes", "Tasks", "Settings", "People"},
        ),
        (
            "agent",
            {"Incidents", "CMDB", "Tasks", "Changes", "People", "Settings"},
            {"My equipment"},
        ),
        ("manager", {"Approvals", "Requests"}, {"Tasks", "Settings"}),
    ],
)
def test_each_role_sees_its_own_menu(app, login, present, absent):
    menu = _menu(logged_in(app, login).get("/"))
    assert present <= set(menu), menu
    assert not absent & set(menu), menu


def test_the_changes_item_leads_to_the_changes_and_is_marked_there(app):
    client = logged_in(app, "agent")
    href = _menu(client.get("/"))["Changes"]
    page = client.get(href)
    current = page.html.select_one("#itsm-nav .navbar-nav a[aria-current=page]")
    assert current.get_text(strip=True) == "Changes"


def test_the_name_in_the_bar_links_the_profile(app):
    client = logged_in(app, "employee")
    me = client.get("/").html.select_one("a.itsm-me")
    assert me["href"].endswith("/people/employee/")
    profile = client.get(me["href"])
    assert profile.html.select_one("a.itsm-me")["aria-current"] == "page"
