"""Weekly mails of a dashboard: who subscribed to which."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsm.reports.store import Subscription, ensure_store, get_store


def subscription_of(root: Any, login: str, dashboard: str) -> Subscription | None:
    store = get_store(root)
    if store is None:
        return None
    return store.subscriptions.get((login, dashboard))


def set_subscription(
    root: Any, zone_name: str, login: str, dashboard: str, on: bool, now: datetime
) -> None:
    store = ensure_store(root, zone_name)
    key = (login, dashboard)
    if on:
        if key not in store.subscriptions:
            store.subscriptions[key] = Subscription(login, dashboard, "", now)
    else:
        store.subscriptions.pop(key, None)
