"""Article bodies: Markdown rendered to sanitised HTML, and the plain text the index reads.

Two layers, so one mistake does not open a hole: markdown-it escapes raw HTML typed into the
Markdown (``html=False``) and refuses ``javascript:``/``vbscript:``/``data:`` links; nh3
(ammonia) then keeps only the tags and attributes below, drops every event handler and
``style``, and allows only http, https and mailto links (or relative ones, such as the
article's own attachments).
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(markup: str) -> str:
    """Keep only harmless markup (see the module doc)."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Markdown → sanitised HTML."""
    return sanitize_html(_MARKDOWN.render(source or ""))


_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_text(source: str) -> str:
    """The words of a Markdown body without its markup (for the index and snippets)."""
    markup = _MARKDOWN.render(source or "")
    # Block ends become line breaks, so words of two paragraphs do not run together.
    markup = re.sub(r"</(p|li|h\d|tr|pre|blockquote)>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()
