"""Classification and routing: rules in settings pick a category and an assignment group.

A rule matches on word stems (English and Russian, so "printers" matches "printer" and
"принтера" matches "принтер"), on the requester's department, or on the class of a linked
configuration item. The first matching rule wins; the result says why, so agents can trust it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from itsm.search.stemming import stem_words


@dataclass(frozen=True)
class RoutingRule:
    """One rule. Keywords are words or phrases in any of our languages."""

    name: str
    group: str
    category: str = ""
    keywords: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    ci_classes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = field(default=(), compare=False)

    @classmethod
    def make(cls, name: str, group: str, category: str = "", **kw: Iterable[str]) -> RoutingRule:
        keywords = tuple(k.strip() for k in kw.get("keywords", ()) if k.strip())
        phrases = tuple(tuple(stem_words(k)) for k in keywords if stem_words(k))
        return cls(
            name,
            group,
            category,
            keywords,
            tuple(d.strip() for d in kw.get("departments", ()) if d.strip()),
            tuple(c.strip() for c in kw.get("ci_classes", ()) if c.strip()),
            phrases,
        )


@dataclass(frozen=True)
class RoutingDecision:
    category: str
    group: str
    rule: str | None  # None: nothing matched, the defaults apply
    matched: str = ""  # the keyword, department or CI class that matched


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == tuple(phrase) for i in range(len(words) - n + 1))


def classify(
    rules: Iterable[RoutingRule],
    text: str,
    *,
    department: str = "",
    ci_classes: Iterable[str] = (),
    default_group: str = "Service Desk",
    default_category: str = "general",
) -> RoutingDecision:
    """The first rule that matches the text, department or CI classes; else the defaults."""
    words = stem_words(text)
    classes = {c.casefold() for c in ci_classes}
    for rule in rules:
        for keyword, phrase in zip(rule.keywords, rule.phrases, strict=False):
            if phrase and _contains(words, phrase):
                return RoutingDecision(
                    rule.category or default_category, rule.group, rule.name, keyword
                )
        if department and department.casefold() in {d.casefold() for d in rule.departments}:
            return RoutingDecision(
                rule.category or default_category, rule.group, rule.name, department
            )
        for ci_class in rule.ci_classes:
            if ci_class.casefold() in classes:
                return RoutingDecision(
                    rule.category or default_category, rule.group, rule.name, ci_class
                )
    return RoutingDecision(default_category, default_group, None)


#: The demo's rules (itsm-init --demo).
DEMO_RULES = (
    (
        "Network words",
        "Network",
        "network",
        (
            "vpn",
            "wi-fi",
            "wifi",
            "wireless",
            "network",
            "internet",
            "сеть",
            "интернет",
            "впн",
            "вайфай",
        ),
    ),
    (
        "Workplace words",
        "Workplace",
        "hardware",
        (
            "printer",
            "print",
            "laptop",
            "notebook",
            "monitor",
            "принтер",
            "печать",
            "ноутбук",
            "монитор",
        ),
    ),
)


def demo_rules() -> tuple[RoutingRule, ...]:
    return tuple(
        RoutingRule.make(name, group, category, keywords=keywords)
        for name, group, category, keywords in DEMO_RULES
    )
