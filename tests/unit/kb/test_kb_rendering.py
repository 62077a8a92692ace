"""Article bodies are rendered safely; snippets are escaped before highlighting; line diffs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from itsm.kb.diff import line_diff
from itsm.kb.rendering import plain_text, render_markdown, sanitize_html
from itsm.kb.search import snippet

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


class _Elements(HTMLParser):
    """The real tags and attributes of some HTML (escaped text is not markup)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def assert_inert(markup: str) -> None:
    for tag, attrs in _Elements(markup).found:
        assert tag not in ("script", "iframe", "svg", "object", "embed", "style"), markup
        for name, value in attrs.items():
            assert not name.startswith("on"), markup
            assert name != "style", markup
            if name in ("href", "src"):
                scheme = value.strip().lower().split(":", 1)[0] if ":" in value else ""
                assert scheme in ("", "http", "https", "mailto"), markup


@pytest.mark.parametrize("source", HOSTILE)
def test_markdown_with_hostile_input_renders_nothing_active(source):
    assert_inert(render_markdown(f"Text before\n\n{source}\n\nText after"))


@pytest.mark.parametrize(
    "markup",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<script>alert(1)</script><p>ok</p>",
        '<a href="JAVASCRIPT:alert(1)" onclick="x()">y</a>',
    ],
)
def test_sanitizer_drops_scripts_handlers_and_javascript_urls(markup):
    html = sanitize_html(markup).lower()
    assert "script" not in html.replace("<p>ok</p>", "")
    assert "onerror" not in html and "onclick" not in html and "javascript:" not in html


def test_markdown_keeps_the_useful_parts():
    html = render_markdown(
        "# Steps\n\n1. Open **Settings**\n2. Visit [the portal](https://vpn.example.com)\n\n"
        "![screen](files/screen.png)\n\n`code`"
    )
    assert "<h1>Steps</h1>" in html
    assert "<ol>" in html and "<strong>Settings</strong>" in html
    assert 'href="https://vpn.example.com"' in html
    assert 'src="files/screen.png"' in html
    assert "<code>code</code>" in html


def test_plain_text_has_the_words_without_markup():
    assert plain_text("# Title\n\nSome *text* & <b>more</b>") == "Title\nSome text & <b>more</b>"


def test_snippet_marks_stemmed_matches_in_both_languages():
    assert "<mark>connecting</mark>" in snippet("Problems connecting to the VPN", "connect")
    text = "Чтобы сменить пароль, откройте профиль. Пароли храните в секрете."
    result = snippet(text, "пароль")
    assert "<mark>пароль</mark>" in result and "<mark>Пароли</mark>" in result


def test_snippet_escapes_before_marking():
    result = snippet('<script>alert("vpn")</script> the vpn <b>', "vpn")
    assert "<script>" not in result and "<b>" not in result
    assert "&lt;script&gt;" in result
    assert result.count("<mark>") == 2
    assert result.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippet_cuts_around_the_first_match():
    text = "word " * 200 + "printer setup " + "word " * 200
    result = snippet(text, "printer")
    assert "<mark>printer</mark>" in result
    assert result.startswith("…") and result.endswith("…")
    assert len(result) < 300


def test_line_diff_shows_removed_and_added_lines_with_context():
    before = "one\ntwo\nthree\nfour\n"
    after = "one\ntwo\n3\nfour\nfive\n"
    diff = [(line.kind, line.text) for line in line_diff(before, after)]
    assert ("removed", "three") in diff
    assert ("added", "3") in diff
    assert ("added", "five") in diff
    assert ("same", "one") in diff
    assert diff.index(("removed", "three")) < diff.index(("added", "3"))


def test_line_diff_of_equal_texts_is_empty_and_far_changes_get_a_gap():
    assert line_diff("a\nb", "a\nb") == []
    before = "\n".join(str(n) for n in range(30))
    after = before.replace("\n2\n", "\nTWO\n").replace("\n27\n", "\n27b\n")
    kinds = [line.kind for line in line_diff(before, after)]
    assert "gap" in kinds
