"""Issue 13, in headless Chromium: the portal's search results page and the article page
send their beacon (our own kb.js, under the CSP, with the CSRF token), and the search and the
view are counted once each, with no script or CSP error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

GUIDE = "Connect to the VPN on Windows"


def _counted(app):
    return app.read(lambda root: [key[1:] for key in root.kb_readership.events.keys()])


def test_a_search_and_a_view_are_counted_by_the_pages_own_script(live_server, page, page_errors):
    url = live_server.url
    app = live_server.app
    page.goto(url + "/")
    page.get_by_label("Login").fill("employee")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")

    with page.expect_response(lambda r: r.url.endswith("/kb/@@searched")) as searched:
        search = page.locator("#portal-search")
        search.get_by_label("How can we help?").fill("vpn")
        search.get_by_role("button", name="Search").click()
    assert searched.value.status == 204
    number = app.read(lambda root: next(a.number for a in root["kb"].values() if a.title == GUIDE))
    with page.expect_response(lambda r: r.url.endswith(f"/kb/{number}/@@viewed")) as viewed:
        page.locator("#kb-results").get_by_role("link", name=GUIDE).click()
    assert viewed.value.status == 204
    assert _counted(app) == [("employee", "search", "vpn"), ("employee", "view", number)]
    assert page_errors == []
