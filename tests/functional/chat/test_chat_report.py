"""``/reports/chat`` and ``GET /api/v1/reports/chat``: chats, deflection, handoffs,
conversions and time to take, from the chats of the period."""

from __future__ import annotations

from typing import Any

from tests.conftest import logged_in


def test_the_chat_report_counts_deflections_handoffs_and_conversions(
    desk_open: Any, app: Any, api: Any
) -> None:
    employee = api("employee")
    solved = employee.start("how to set up a printer")
    employee.act(solved["key"], "solved")
    handed = employee.start("talk to a person")
    api("agent").act(handed["key"], "take")
    api("agent").act(handed["key"], "to_incident")
    employee.start("zzqx wibble")  # still open with the bot

    report = api("agent").get("/api/v1/reports/chat").json
    (table,) = report["tables"]
    rows = {row["key"]: row for row in table["rows"]}
    total = rows["all"]
    assert total["chats"] == 3
    assert total["solved"] == 1
    assert abs(total["deflection"] - 1 / 3) < 1e-9
    assert total["handoffs"] == 1 and total["incidents"] == 1 and total["open"] == 1
    assert total["take_mean"] is not None and total["take_mean"] >= 0
    assert rows["portal"]["chats"] == 3 and rows["telegram"]["chats"] == 0

    # A period before the chats has none of them.
    earlier = api("agent").get("/api/v1/reports/chat", start="2026-01-01", end="2026-01-31").json
    assert {row["key"]: row["chats"] for row in earlier["tables"][0]["rows"]}["all"] == 0

    page = logged_in(app, "agent").get("/reports/chat")
    assert "Deflection" in page.text and "33" in page.text
    logged_in(app, "employee").get("/reports/chat", status=404)
