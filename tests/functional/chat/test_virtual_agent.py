"""The virtual agent on the demo knowledge base (published in English and Russian): the
right article for known questions, misspellings, Russian word forms, and the intents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.chat.conftest import bot_texts, link_titles


@pytest.mark.parametrize(
    ("question", "language", "article"),
    [
        ("How do I set up VPN on my phone?", "en", "Connect to the VPN on a phone"),
        (
            "VPN says authentication failed",
            "en",
            "What to do when the VPN says 'authentication failed'",
        ),
        ("how to set up a printer", "en", "Set up a printer"),
        # Misspellings, corrected against the knowledge base's words.
        ("how to setup a pritner", "en", "Set up a printer"),
        ("conect vpn on my phnoe", "en", "Connect to the VPN on a phone"),
        # Russian word forms: the stemmed search finds "принтер" in "принтера", "принтеру".
        ("Как настроить принтеры?", "ru", "Настройка принтера"),
        ("не могу подключиться к VPN на телефоне", "ru", "Подключение к VPN на телефоне"),
        (
            "нужно зарегистрировать новый телефон для почты",
            "ru",
            "Регистрация нового телефона для рабочей почты",
        ),
        # A Russian misspelling.
        ("настройка принтерра", "ru", "Настройка принтера"),
    ],
)
def test_the_agent_answers_with_the_right_article(
    api: Any, question: str, language: str, article: str
) -> None:
    chat = api("employee").start(question, language=language)
    titles = link_titles(chat)
    assert article in titles
    assert 1 <= len(titles) <= 3
    assert chat["awaiting"] == "feedback"


def test_articles_in_the_employees_language_come_first(api: Any) -> None:
    chat = api("employee").start("VPN on my phone", language="ru")
    assert link_titles(chat)[0] == "Подключение к VPN на телефоне"
    # One article of a translated pair, not both.
    assert "Connect to the VPN on a phone" not in link_titles(chat)


def test_the_answer_quotes_the_first_useful_paragraph(api: Any) -> None:
    chat = api("employee").start("How do I set up VPN on my phone?")
    assert "Company mail and chat work without the VPN" in bot_texts(chat)[-1]


def test_yes_ends_the_chat_as_a_deflection(app: Any, api: Any) -> None:
    employee = api("employee")
    chat = employee.start("how to set up a printer")
    number = link_titles(chat) and chat["messages"][-1]["links"][0]["url"].rsplit("/", 1)[1]
    before = app.read(lambda root: root["kb"][number].deflection_count)
    chat = employee.say(chat["key"], "yes, thanks")
    chat = employee.chat(chat["key"])
    assert chat["state"] == "closed"
    assert chat["outcome"] == "solved"
    assert chat["ticket"] is None
    assert app.read(lambda root: root["kb"][number].deflection_count) == before + 1


def test_no_offers_a_person_or_an_incident(api: Any) -> None:
    employee = api("employee")
    chat = employee.start("how to set up a printer")
    chat = employee.act(chat["key"], "not_solved")
    assert chat["awaiting"] == "offer"
    assert "talk to a person" in bot_texts(chat)[-1]


def test_nothing_found_offers_a_person_or_an_incident(api: Any) -> None:
    chat = api("employee").start("zzqx wibble frobnicate")
    assert chat["awaiting"] == "offer"
    assert chat["messages"][-1]["links"] == []


def test_password_intent_links_the_reset_flow(api: Any) -> None:
    for text, language in (("I forgot my password", "en"), ("Забыл пароль, как сбросить?", "ru")):
        chat = api("employee").start(text, language=language)
        urls = [link["url"] for link in chat["messages"][-1]["links"]]
        assert any(url.endswith("/password-reset") for url in urls), chat["messages"][-1]


def test_ticket_status_goes_to_its_requester_only(app: Any, api: Any) -> None:
    from tests.functional.chat.conftest import set_desk_hours

    set_desk_hours(app, True)
    number = api("employee").report("Printer on floor 3 is jammed")["number"]
    short = "INC-" + str(int(number.split("-")[1]))
    chat = api("employee").start(f"what is the status of {short}?")
    text = bot_texts(chat)[-1]
    assert number in text and "Printer on floor 3 is jammed" in text
    assert "Expected" in text
    other = api("employee2").start(f"status {number}")
    assert "Printer on floor 3" not in bot_texts(other)[-1]
    assert "cannot find" in bot_texts(other)[-1]


def test_status_of_my_tickets_lists_the_open_ones(api: Any) -> None:
    number = api("employee").report("Monitor flickers")["number"]
    chat = api("employee").start("what is the status of my ticket?")
    assert number in bot_texts(chat)[-1]
    chat = api("employee").start("какой статус моей заявки?", language="ru")
    assert number in bot_texts(chat)[-1]


def test_order_intent_offers_matching_catalog_items(app: Any, api: Any) -> None:
    names = app.read(lambda root: {i.slug: i.name for i in root["catalog"].values()})
    assert any("laptop" in n.lower() for n in names.values()), names
    chat = api("employee").start("I want to order a laptop")
    titles = link_titles(chat)
    assert titles and all("laptop" in t.lower() for t in titles[:1])
    assert chat["messages"][-1]["links"][0]["url"].split("/catalog/")[1] in names


def test_talk_to_a_person_hands_off(desk_open: Any, api: Any) -> None:
    chat = api("employee").start("I want to talk to a person")
    assert chat["state"] == "waiting"
    assert chat["group"] == "Service Desk"


def test_the_agent_speaks_the_chats_language(api: Any) -> None:
    chat = api("employee").start("Как настроить принтер?", language="ru")
    assert bot_texts(chat)[0].startswith("Здравствуйте")
    assert bot_texts(chat)[-1].endswith("Это помогло?")
