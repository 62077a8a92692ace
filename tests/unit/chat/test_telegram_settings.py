"""``itsm.telegram.*`` is checked at start-up."""

from __future__ import annotations

import pytest

from itsm.chat.telegram import parse_telegram_settings
from itsm.settings import ConfigError


def test_off_by_default() -> None:
    settings = parse_telegram_settings({})
    assert settings.mode == "off" and not settings.enabled
    assert settings.api_url == "https://api.telegram.org"


@pytest.mark.parametrize(
    "raw",
    [
        {"itsm.telegram.mode": "polling"},  # no token
        {"itsm.telegram.mode": "webhook", "itsm.telegram.token": "t"},  # no secret
        {
            "itsm.telegram.mode": "webhook",
            "itsm.telegram.token": "t",
            "itsm.telegram.webhook_secret": "short",
        },
        {"itsm.telegram.mode": "sometimes"},
        {"itsm.telegram.api_url": "file:///etc/passwd"},
        {"itsm.telegram.poll_timeout": "-1"},
    ],
)
def test_bad_settings_are_refused(raw: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        parse_telegram_settings(raw)


def test_urls_of_the_bot_api() -> None:
    settings = parse_telegram_settings(
        {
            "itsm.telegram.mode": "polling",
            "itsm.telegram.token": "1:A",
            "itsm.telegram.api_url": "http://127.0.0.1:9/",
        }
    )
    assert settings.method_url("getUpdates") == "http://127.0.0.1:9/bot1:A/getUpdates"
    assert settings.file_url("photos/x.jpg") == "http://127.0.0.1:9/file/bot1:A/photos/x.jpg"
