"""The virtual agent's pure parts: intents by their words, spelling correction."""

from __future__ import annotations

import pytest

from itsm.chat.agent import correct_spelling, intent_of

WORDS = frozenset({"printer", "printers", "vpn", "phone", "принтер", "принтера", "настройка"})


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I forgot my password", "password"),
        ("please reset password", "password"),
        ("Забыл пароль", "password"),
        ("как сбросить пароль?", "password"),
        ("what about INC-000123", "status"),
        ("inc 42?", "status"),
        ("REQ-7 status please", "status"),
        ("what is the status of my ticket", "status"),
        ("статус моей заявки", "status"),
        ("I want to order a monitor", "order"),
        ("хочу заказать мышь", "order"),
        ("let me talk to a person", "person"),
        ("соедините с оператором", "person"),
        ("How do I set up VPN on my phone?", "none"),
        ("printer is jammed", "none"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert intent_of(text) == intent


def test_misspelt_words_are_corrected_and_known_ones_kept() -> None:
    assert correct_spelling("setup the pritner", WORDS) == "setup the printer"
    assert correct_spelling("настройка принтерра", WORDS) == "настройка принтера"
    # A word form of a known word (same stem) is not "corrected".
    assert correct_spelling("принтеры phones", WORDS) == "принтеры phones"
    assert correct_spelling("zzqx", WORDS) == "zzqx"
    assert correct_spelling("anything", frozenset()) == "anything"
