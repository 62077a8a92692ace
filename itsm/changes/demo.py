"""The demo's blackout window: "Quarter close", the last three days of the current quarter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from itsm.changes.models import change_settings, set_blackouts


def quarter_close(today: date) -> tuple[str, datetime, datetime]:
    """The last three days of ``today``'s quarter (UTC), ending at midnight after it."""
    first_month_next = ((today.month - 1) // 3 + 1) * 3 + 1
    year = today.year + (first_month_next > 12)
    end = datetime(year, (first_month_next - 1) % 12 + 1, 1, tzinfo=UTC)
    return ("Quarter close", end - timedelta(days=3), end)


def load_changes_demo(root: Any, today: date | None = None) -> list[str]:
    """Add the demo blackout window when there is none."""
    if change_settings(root).blackouts:
        return []
    set_blackouts(root, [quarter_close(today or datetime.now(UTC).date())])
    return ["blackout window Quarter close"]
