"""The chat channel: a virtual agent that answers from the knowledge base, a live-chat queue
for the service desk, and the same conversation in Telegram."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.chat.actions import ChatSettings
    from itsm.chat.models import ChatIndex
    from itsm.chat.telegram import (
        TelegramOutbox,
        TelegramRelay,
        parse_telegram_settings,
        register_jobs,
    )
    from itsm.reports.cache import SummaryCache

    settings = config.registry.settings
    config.registry.itsm_chat = ChatSettings(
        group=str(settings.get("itsm.chat.group", "Service Desk")).strip() or "Service Desk",
        calendar=str(settings.get("itsm.chat.calendar", "")).strip(),
    )
    config.registry.itsm_telegram = parse_telegram_settings(settings)
    relays = getattr(config.registry, "itsm_notification_relays", None)
    if relays is None:
        relays = config.registry.itsm_notification_relays = []
    relays.append(TelegramRelay())
    # The knowledge base's words for spelling correction, shared by the web threads.
    config.registry.itsm_chat_words = SummaryCache(size=4)
    config.add_itsm_container("chats", ChatIndex)
    config.add_itsm_root_attribute("telegram_outbox", TelegramOutbox)
    config.add_static_view("chat-static", "itsm:chat/static", cache_max_age=3600)
    config.include("itsm.chat.api")
    config.scan("itsm.chat.views")
    config.include("itsm.chat.telegram")
    register_jobs(config)
