"""Classification and routing rules: stems in both languages, departments, CI classes."""

from __future__ import annotations

import pytest

from itsm.incidents.routing import RoutingRule, classify, demo_rules


@pytest.mark.parametrize(
    ("text", "group", "matched"),
    [
        ("The VPN keeps dropping", "Network", "vpn"),
        ("Wi-Fi is slow in room 5", "Network", "wi-fi"),
        ("Нет сети на третьем этаже", "Network", "сеть"),
        ("Проблема с интернетом", "Network", "интернет"),
        ("Printers on floor 2 jam", "Workplace", "printer"),
        ("Принтера нет в списке", "Workplace", "принтер"),
        ("Ноутбук не включается", "Workplace", "ноутбук"),
    ],
)
def test_demo_rules_match_on_word_stems(text, group, matched):
    decision = classify(demo_rules(), text)
    assert decision.group == group
    assert decision.matched == matched
    assert decision.rule is not None


def test_nothing_matched_goes_to_the_default_group():
    decision = classify(demo_rules(), "Outlook asks for my password", default_group="Service Desk")
    assert (decision.group, decision.category, decision.rule) == ("Service Desk", "general", None)


def test_a_word_inside_another_word_does_not_match():
    # "vpnclient" is not the word "vpn"; "print" must not fire on "blueprint".
    assert classify(demo_rules(), "blueprint of vpnclient").rule is None


def test_phrases_match_as_consecutive_words():
    rules = [RoutingRule.make("Mail", "Messaging", "email", keywords=["shared mailbox"])]
    assert classify(rules, "Cannot open the shared mailboxes").group == "Messaging"
    assert classify(rules, "The mailbox is shared with me").rule is None


def test_department_and_ci_class_rules():
    rules = [
        RoutingRule.make("Finance apps", "Finance IT", "software", departments=["Finance"]),
        RoutingRule.make("Phones", "Workplace", "hardware", ci_classes=["phone"]),
    ]
    assert classify(rules, "It is broken", department="finance").group == "Finance IT"
    assert classify(rules, "It is broken", ci_classes=["Phone"]).rule == "Phones"
    assert classify(rules, "It is broken", department="Sales").rule is None


def test_the_first_matching_rule_wins():
    rules = [
        RoutingRule.make("A", "Group A", keywords=["printer"]),
        RoutingRule.make("B", "Group B", keywords=["printer"]),
    ]
    assert classify(rules, "printer").group == "Group A"


def test_rules_survive_pickling():
    import pickle

    rule = demo_rules()[0]
    assert pickle.loads(pickle.dumps(rule)) == rule  # noqa: S301 - our own bytes
