"""``/api/v1/chats`` in the OpenAPI description, and requests validated against it."""

from __future__ import annotations

from typing import Any


def test_openapi_describes_the_chat_endpoints(api: Any) -> None:
    spec = api("employee").get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/api/v1/chats"]) == {"get", "post"}
    assert set(paths["/api/v1/chats/{key}"]) == {"get"}
    assert set(paths["/api/v1/chats/{key}/messages"]) == {"post"}
    assert set(paths["/api/v1/chats/{key}/actions"]) == {"post"}
    names = paths["/api/v1/chats/{key}/actions"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["properties"]["name"]["enum"]
    assert {"take", "transfer", "to_incident", "to_request", "close", "solved"} <= set(names)
    assert "Chat" in spec["components"]["schemas"]


def test_requests_are_validated_against_the_description(api: Any) -> None:
    employee = api("employee")
    chat = employee.start()
    employee.post(f"/api/v1/chats/{chat['key']}/actions", {"name": "dance"}, status=400)
    employee.post(f"/api/v1/chats/{chat['key']}/messages", {"text": ""}, status=400)
    employee.post(f"/api/v1/chats/{chat['key']}/messages", {"body": "x"}, status=400)
    employee.get("/api/v1/chats/no-such-chat", status=404)


def test_the_employee_cannot_take_their_own_chat(api: Any) -> None:
    employee = api("employee")
    chat = employee.start("hello")
    employee.act(chat["key"], "take", status=404)
    employee.act(chat["key"], "close")
    assert employee.chat(chat["key"])["outcome"] == "abandoned"
    employee.say(chat["key"], "anyone?", status=409)
