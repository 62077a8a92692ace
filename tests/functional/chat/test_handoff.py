"""Handoff to the live-chat queue, take, transfer, convert to an incident, close; outside the
desk's hours; who may see a chat (an employee only their own, agents their groups')."""

from __future__ import annotations

from typing import Any

from tests.conftest import csrf_of, logged_in
from tests.functional.chat.conftest import bot_texts, set_desk_hours


def _handed_off(api: Any, text: str = "My docking station is dead") -> dict[str, Any]:
    employee = api("employee")
    chat = employee.start(text)
    return employee.act(chat["key"], "person")


def test_handoff_take_and_chat(desk_open: Any, api: Any) -> None:
    chat = _handed_off(api)
    assert chat["state"] == "waiting" and chat["group"] == "Service Desk"
    queue = api("agent").get("/api/v1/chats").json["items"]
    assert chat["key"] in [c["key"] for c in queue]
    taken = api("agent").act(chat["key"], "take")
    assert taken["state"] == "live" and taken["agent"] == "agent" and taken["taken_at"]
    api("agent").say(chat["key"], "Hello Elena, which model is it?")
    api("employee").say(chat["key"], "The USB-C one")
    seen = api("employee").chat(chat["key"])
    roles = [(m["role"], m["text"]) for m in seen["messages"]]
    assert ("agent", "Hello Elena, which model is it?") in roles
    assert ("employee", "The USB-C one") in roles
    # The virtual agent is quiet once a person has the chat.
    assert roles[-1] == ("employee", "The USB-C one")
    # Only what came after message N, for the page's poll.
    later = api("employee").get(f"/api/v1/chats/{chat['key']}", after=seen["last_seq"] - 1).json
    assert [m["text"] for m in later["messages"]] == ["The USB-C one"]


def test_transfer_to_another_group_and_agent(desk_open: Any, api: Any) -> None:
    chat = _handed_off(api)
    api("agent").act(chat["key"], "take")
    moved = api("agent").act(chat["key"], "transfer", group="Network")
    assert moved["state"] == "waiting" and moved["group"] == "Network" and moved["agent"] is None
    # Anna is not in Network: the chat is out of her sight now; Nikolai's queue has it.
    api("agent").chat(chat["key"], status=404)
    assert chat["key"] in [c["key"] for c in api("agent2").get("/api/v1/chats").json["items"]]
    to_agent = api("agent2").act(chat["key"], "transfer", agent="agent")
    assert to_agent["state"] == "live" and to_agent["agent"] == "agent"
    api("agent").chat(chat["key"])
    api("agent2").act(chat["key"], "transfer", agent="employee2", status=400)


def test_convert_to_incident_with_the_transcript(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api, "Excel crashes when I open the budget file")
    api("agent").act(chat["key"], "take")
    api("agent").say(chat["key"], "I will open an incident for you.")
    done = api("agent").act(chat["key"], "to_incident")
    assert done["state"] == "closed" and done["outcome"] == "incident"
    number = done["ticket"]
    incident = api("employee").get(f"/api/v1/incidents/{number}").json
    assert incident["title"] == "Excel crashes when I open the budget file"
    assert incident["requester"] == "employee" and incident["channel"] == "chat"

    def first_entry(root: Any) -> tuple[str, str, str]:
        ticket = root["incidents"][number]
        entry = next(iter(ticket.journal))
        return entry.kind, entry.body, ticket.chat

    kind, body, key = app.read(first_entry)
    assert key == chat["key"]
    assert body.startswith("Chat transcript")
    assert "I will open an incident for you." in body
    assert "Excel crashes when I open the budget file" in body


def test_employee_reports_an_incident_from_the_chat(desk_open: Any, api: Any) -> None:
    employee = api("employee")
    chat = employee.start("zzqx wibble frobnicate")
    done = employee.act(chat["key"], "to_incident")
    assert done["outcome"] == "incident" and done["ticket"].startswith("INC-")


def test_outside_hours_the_employee_is_offered_a_ticket(app: Any, api: Any) -> None:
    set_desk_hours(app, False)
    employee = api("employee")
    chat = employee.start("I want to talk to a person")
    assert chat["state"] == "bot" and chat["awaiting"] == "ticket"
    assert "closed" in bot_texts(chat)[-1]
    assert api("agent").get("/api/v1/chats").json["items"] == []
    done = employee.say(chat["key"], "yes")
    assert employee.chat(chat["key"])["outcome"] == "incident"
    assert done["messages"]


def test_an_employee_never_sees_another_employees_chat(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api)
    key = chat["key"]
    other = api("employee2")
    other.chat(key, status=404)
    other.say(key, "hello", status=404)
    other.act(key, "close", status=404)
    assert key not in [c["key"] for c in other.get("/api/v1/chats").json["items"]]
    browser = logged_in(app, "employee2")
    browser.get(f"/chats/{key}", status=404)
    browser.get(f"/chats/{key}/state.json", status=404)
    browser.get("/chats/", status=404)


def test_agents_of_other_groups_do_not_see_the_chat(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api)
    api("agent2").chat(chat["key"], status=404)
    api("agent2").act(chat["key"], "take", status=404)
    assert chat["key"] not in [c["key"] for c in api("agent2").get("/api/v1/chats").json["items"]]
    logged_in(app, "agent2").get(f"/chats/{chat['key']}", status=404)


def test_a_chat_with_the_bot_is_not_in_the_queue(api: Any) -> None:
    chat = api("employee").start("how to set up a printer")
    api("agent").chat(chat["key"], status=404)


def test_the_portal_chat_works_without_javascript(desk_open: Any, app: Any) -> None:
    browser = logged_in(app, "employee")
    home = browser.get("/")
    assert 'id="chat-with-it"' in home.text
    page = browser.get("/chat")
    form = page.forms["chat-form"]
    form["text"] = "How do I set up VPN on my phone?"
    page = form.submit("action", value="message", status=303).follow()
    assert "Connect to the VPN on a phone" in page.text
    assert 'id="chat-solved"' in page.text
    page = page.forms["chat-buttons"].submit("action", value="not_solved", status=303).follow()
    page = page.forms["chat-buttons"].submit("action", value="person", status=303).follow()
    assert "Waiting for an agent" in page.text
    # The agent's side: the queue, the conversation with the employee's tickets and assets.
    agent = logged_in(app, "agent")
    queue = agent.get("/chats/")
    assert "Live chats (1)" in queue.text
    link = queue.html.select_one("#chats-waiting a")
    chat_page = agent.get(link["href"])
    assert "How do I set up VPN on my phone?" in chat_page.text
    assert 'id="chat-tickets"' in chat_page.text and 'id="chat-assets"' in chat_page.text
    reply = chat_page.forms["chat-form"]
    reply["text"] = "Hi, I am Anna. Which phone do you have?"
    reply.submit(status=303)
    page = browser.get("/chat")
    assert "Hi, I am Anna. Which phone do you have?" in page.text
    assert "You are chatting with the service desk." in page.text
    # The employee's profile keeps the transcript.
    profile = browser.get("/people/employee/")
    assert link["href"].rsplit("/", 1)[-1] in profile.text


def test_the_state_poll_never_writes(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api)
    browser = logged_in(app, "employee")
    before = app.db.lastTransaction()
    for _turn in range(3):
        state = browser.get(f"/chats/{chat['key']}/state.json", {"after": 0}).json
        assert state["state"] == "waiting"
    assert app.db.lastTransaction() == before


def test_csrf_is_required_on_the_chat_form(app: Any) -> None:
    browser = logged_in(app, "employee")
    page = browser.get("/chat")
    browser.post("/chat", {"text": "hello"}, status=400)
    browser.post("/chat", {"text": "hello", "csrf_token": csrf_of(page)}, status=303)


def test_typed_person_and_incident_answer_the_offer(desk_open: Any, api: Any) -> None:
    employee = api("employee")
    chat = employee.start("zzqx wibble frobnicate")
    assert employee.say(chat["key"], "person")["state"] == "waiting"
    other = employee.start("zzqx wibble again")
    employee.say(other["key"], "incident")
    assert employee.chat(other["key"])["outcome"] == "incident"


def test_convert_to_a_request(desk_open: Any, app: Any, api: Any) -> None:
    slug = app.read(
        lambda root: next(i.slug for i in root["catalog"].values() if "laptop" in i.name.lower())
    )
    chat = _handed_off(api, "I need a new laptop, mine is broken")
    api("agent").act(chat["key"], "take")
    done = api("agent").act(chat["key"], "to_request", item=slug)
    assert done["outcome"] == "request" and done["ticket"].startswith("REQ-")
    request = api("employee").get(f"/api/v1/requests/{done['ticket']}").json
    assert request["requester"] == "employee"
    api("agent").act(_handed_off(api)["key"], "to_request", item="no-such-item", status=400)


def test_the_transcript_shows_on_the_incident_page(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api, "Excel crashes when I open the budget file")
    api("agent").act(chat["key"], "take")
    api("agent").say(chat["key"], "Sending it to the Workplace team.")
    number = api("agent").act(chat["key"], "to_incident")["ticket"]
    page = logged_in(app, "employee").get(f"/incidents/{number}")
    assert "Chat transcript" in page.text
    assert "Sending it to the Workplace team." in page.text
    link = page.html.select_one("#from-chat")["href"]
    assert link.endswith(f"/chats/{chat['key']}")
    logged_in(app, "employee").get(link)


def test_a_file_sent_in_the_chat_is_downloadable_by_who_sees_it(desk_open: Any, app: Any) -> None:
    browser = logged_in(app, "employee")
    form = browser.get("/chat").forms["chat-form"]
    form["text"] = "This is the error"
    form["file"] = ("error.txt", b"Error 0x61011beb")
    page = form.submit("action", value="message", status=303).follow()
    link = page.html.select_one(".chat-files a")
    assert link.text == "error.txt"
    assert browser.get(link["href"]).body == b"Error 0x61011beb"
    logged_in(app, "employee2").get(link["href"], status=404)
    browser.get(link["href"].replace("n=0", "n=5"), status=404)


def test_chat_pages_never_write(desk_open: Any, app: Any, api: Any) -> None:
    chat = _handed_off(api)
    employee, agent = logged_in(app, "employee"), logged_in(app, "agent")
    agent_api = api("agent")  # its token is made (written) here
    before = app.db.lastTransaction()
    employee.get("/chat")
    employee.get(f"/chats/{chat['key']}")
    employee.get("/people/employee/")
    agent.get("/chats/")
    agent.get(f"/chats/{chat['key']}")
    agent_api.get("/api/v1/chats")
    agent_api.get(f"/api/v1/chats/{chat['key']}")
    assert app.db.lastTransaction() == before
