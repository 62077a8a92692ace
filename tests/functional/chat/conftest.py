"""Helpers for chat tests: JSON clients per demo person, and the desk's hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.functional.incidents.conftest import ApiClient

BASE = "/api/v1/chats"


class ChatClient(ApiClient):
    def start(self, text: str = "", language: str = "en", status: int | str = 201) -> Any:
        body: dict[str, Any] = {"language": language}
        if text:
            body["text"] = text
        return self.post(BASE, body, status=status).json

    def chat(self, key: str, status: int | str = 200) -> Any:
        return self.get(f"{BASE}/{key}", status=status).json

    def say(self, key: str, text: str, status: int | str = 201) -> Any:
        return self.post(f"{BASE}/{key}/messages", {"text": text}, status=status).json

    def act(self, key: str, name: str, status: int | str = 200, **fields: Any) -> Any:
        return self.post(f"{BASE}/{key}/actions", {"name": name, **fields}, status=status).json


@pytest.fixture
def api(app: Any) -> Callable[[str], ChatClient]:
    clients: dict[str, ChatClient] = {}

    def client(login: str) -> ChatClient:
        if login not in clients:
            clients[login] = ChatClient(app, login)
        return clients[login]

    return client


def set_desk_hours(app: Any, open_now: bool) -> None:
    """The Standard calendar (the incident policy's): open around the clock, or closed today
    and the days either side (holidays), whatever the time of the run."""
    from itsm.sla.calendar import BusinessCalendar
    from itsm.sla.models import get_sla_settings

    def write(root: Any) -> None:
        settings = get_sla_settings(root)
        old = settings.calendar("Standard")
        hours = {day: [("00:00", "24:00")] for day in range(7)}
        today = datetime.now(UTC).date()
        holidays: frozenset[date] = frozenset()
        if not open_now:
            holidays = frozenset(today + timedelta(days=d) for d in (-1, 0, 1))
        settings.set_calendar(BusinessCalendar("Standard", old.timezone, hours, holidays))

    app.write(write)


@pytest.fixture
def desk_open(app: Any) -> Any:
    set_desk_hours(app, True)
    return app


def bot_texts(chat: dict[str, Any]) -> list[str]:
    return [m["text"] for m in chat["messages"] if m["role"] == "bot"]


def link_titles(chat: dict[str, Any]) -> list[str]:
    """Titles of the links of the chat's last bot message."""
    last = [m for m in chat["messages"] if m["role"] == "bot"][-1]
    return [link["title"] for link in last["links"]]
