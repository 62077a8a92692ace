"""The portal chat in headless Chromium: the employee asks, the virtual agent answers with
the article, the employee asks for a person, and the agent's answer appears without a reload
(the page polls state.json). The pages pass axe, with no script errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from itsm.chat import actions
from itsm.tickets.context import ActionContext
from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at
from tests.functional.chat.conftest import set_desk_hours

pytestmark = pytest.mark.browser


def _agent_answers(app: Any, text: str) -> None:
    def write(root: Any) -> None:
        (conversation,) = root["chats"].queued()
        now = datetime.now(UTC)
        ctx = ActionContext(root, app.registry, now, "agent", frozenset({"agent"}))
        actions.take(ctx, conversation)
        actions.agent_says(ctx, conversation, text)

    app.write(write)


def test_portal_chat_answers_hands_off_and_shows_the_agents_reply(
    live_server: Any, page: Any, page_errors: list[str]
) -> None:
    url = live_server.url
    set_desk_hours(live_server.app, True)
    log_in_at(page, url, "/chat", "employee")
    assert axe_violations(page) == []
    page.get_by_label("Your message").fill("How do I set up VPN on my phone?")
    page.get_by_role("button", name="Send").click()
    log = page.locator("#chat-log")
    expect(log.get_by_role("link", name="Connect to the VPN on a phone")).to_be_visible()
    page.get_by_role("button", name="No", exact=True).click()
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator("#chat-status")).to_contain_text("Waiting for an agent")
    assert axe_violations(page) == []
    page.evaluate("() => { window.chatMarker = 'same page'; }")

    _agent_answers(live_server.app, "Hi, this is Anna. Which phone do you have?")
    expect(log).to_contain_text("Hi, this is Anna. Which phone do you have?", timeout=15_000)
    # The answer came by the poll: the page was not loaded again for it.
    assert page.evaluate("() => window.chatMarker") == "same page"
    expect(page.locator("#chat-status")).to_contain_text("You are chatting with the service desk")
    page.get_by_label("Your message").fill("An Android phone")
    page.get_by_role("button", name="Send").click()
    expect(log).to_contain_text("An Android phone")
    assert page_errors == []
