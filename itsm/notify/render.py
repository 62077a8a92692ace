"""Render notification mails from Chameleon templates, in the recipient's language.

A mail template is one HTML document (``itsm/notify/templates/<name>.pt``, or any asset spec
such as ``itsm.incidents:templates/mail/assigned.pt``):

- its ``<title>`` is the subject;
- its ``<body>`` is the HTML part, and the plain-text part is made from it, so each mail has one
  source and one set of messages to translate;
- strings are marked with ``i18n:translate`` (domain ``itsm``) and every value inside a
  translated element is wrapped in ``i18n:name``, so the message id stays constant;
- ``${...}`` is escaped by Chameleon: ticket titles, bodies and names cannot inject markup.
  Never use ``structure:`` on anything a person typed.

Besides the caller's values a template sees ``language``, ``public_url`` and ``_``.
Values that are translation strings (``_("...")``) are translated too.
"""

from __future__ import annotations

import html
import re
import threading
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from chameleon import PageTemplateFile
from pyramid.i18n import Localizer, TranslationString
from pyramid.path import AssetResolver

from itsm.i18n import _, localizer_for

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: Marks text of a ``<pre>`` while the plain text is made (a private-use character).
KEEP = "\ue000"


class RenderedMail(NamedTuple):
    """What :func:`render_mail` returns; unpacks as ``subject, text, html``."""

    subject: str
    text: str
    html: str


def mail_language(registry: Any, language: str | None) -> str:
    """``language`` when the desk offers it (``ru``, ``ru-RU``), else the default locale."""
    settings = registry.itsm_settings
    if language:
        for candidate in (language, re.split(r"[-_]", language)[0].lower()):
            if candidate in settings.locales:
                return candidate
    return settings.default_locale


def render_mail(
    registry: Any, template_name: str, language: str | None, **values: Any
) -> RenderedMail:
    """Render ``template_name`` in ``language`` (falling back to the default locale)."""
    language = mail_language(registry, language)
    localizer = localizer_for(registry, language)

    def translate(
        msgid: Any,
        domain: str | None = None,
        mapping: Any = None,
        context: Any = None,
        target_language: str | None = None,
        default: Any = None,
    ) -> str:
        if not isinstance(msgid, TranslationString):
            msgid = TranslationString(msgid, domain=domain, default=default, mapping=mapping)
        return _translate(localizer, msgid)

    template = _template(_template_path(template_name), _auto_reload(registry))
    namespace = {"language": language, "public_url": registry.itsm_settings.public_url, "_": _}
    namespace.update(values)
    document = template.render(translate=translate, target_language=language, **namespace)
    return split_rendered(document)


def _translate(localizer: Localizer, message: TranslationString) -> str:
    # Pyramid leaves translation strings inside a mapping untranslated; do them first.
    if message.mapping and any(isinstance(v, TranslationString) for v in message.mapping.values()):
        mapping = {
            key: _translate(localizer, value) if isinstance(value, TranslationString) else value
            for key, value in message.mapping.items()
        }
        message = TranslationString(message, mapping=mapping)
    return localizer.translate(message)


def split_document(document: str) -> RenderedMail:
    """Subject (the title), plain text and HTML of a rendered mail document."""
    parser = _TextMaker()
    parser.feed(document)
    parser.close()
    subject = " ".join("".join(parser.title).split())
    return RenderedMail(subject, parser.text(), document)


#: The tokens of a document our own templates render: comments, declarations, end tags, start
#: tags (attribute values quoted or bare, so a ">" inside quotes stays in the value), text.
_TOKEN = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?[^>]*>"
    r"|</([a-zA-Z][^\s/>]*)\s*>"
    r"|<([a-zA-Z][^\s/>]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>"
    r"|([^<]+|<)",
    re.S,
)
_ATTR = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_RAW_TEXT = ("script", "style")


def split_rendered(document: str) -> RenderedMail:
    """:func:`split_document` for the documents of our own templates, five times faster.

    ``html.parser`` spends about 1.3 ms on a notification (it counts lines and positions for
    error messages), more than the template itself, and every create queues two or three
    mails. Chameleon's output is well-formed (values escaped), so a tokenizer of one regular
    expression finds the same tags and text and feeds them to the same :class:`_TextMaker`
    (tests/mail/test_mail_rendering.py compares both). Mail from outside goes through
    :func:`split_document`."""
    maker = _TextMaker()
    data: list[str] = []
    position, length = 0, len(document)
    while position < length:
        match = _TOKEN.match(document, position)
        if match is None:  # cannot happen: the last alternative takes any character
            data.append(document[position:])
            break
        position = match.end()
        end_tag, start_tag, attributes, closed, text = match.groups()
        if text is not None:
            data.append(text)
            continue
        if data:
            maker.handle_data(html.unescape("".join(data)))
            data = []
        if end_tag is not None:
            maker.handle_endtag(end_tag.lower())
        elif start_tag is not None:
            tag = start_tag.lower()
            # Only a link's attributes are read (its href).
            attrs = (
                [
                    (name.lower(), _attribute_value(value) if value else None)
                    for name, value in _ATTR.findall(attributes)
                ]
                if tag == "a" and attributes
                else []
            )
            maker.handle_starttag(tag, attrs)
            if closed:
                maker.handle_endtag(tag)
            elif tag in _RAW_TEXT:
                close = re.compile(rf"</{tag}\s*>", re.I).search(document, position)
                stop = close.start() if close else length
                if stop > position:
                    maker.handle_data(document[position:stop])
                position = stop
    if data:
        maker.handle_data(html.unescape("".join(data)))
    subject = " ".join("".join(maker.title).split())
    return RenderedMail(subject, maker.text(), document)


def _attribute_value(value: str) -> str:
    if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
        value = value[1:-1]
    return html.unescape(value)


def _template_path(name: str) -> str:
    if ":" in name:
        return AssetResolver().resolve(name).abspath()
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a mail template name: {name!r}")
    return str(TEMPLATE_DIR / f"{name}.pt")


def _auto_reload(registry: Any) -> bool:
    settings = getattr(registry, "settings", None) or {}
    return str(settings.get("pyramid.reload_templates", "false")).lower() in ("1", "true", "yes")


_COOKING = threading.Lock()


@lru_cache(maxsize=64)
def _template(path: str, auto_reload: bool) -> PageTemplateFile:
    # Compiled templates are immutable and thread-safe to render: one per path is enough.
    # Compiling is not: CPython 3.11's compile() can fail with "AST constructor recursion
    # depth mismatch" when two threads compile at once (seen with 8 concurrent requests), so
    # the first compilation happens under a lock.
    template = PageTemplateFile(path, auto_reload=auto_reload)
    with _COOKING:
        template.cook_check()
    return template


class _TextMaker(HTMLParser):
    """Plain text of a mail document: paragraphs, rows ``Label: value``, links with their URL."""

    BLOCKS = {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "dl",
        "blockquote",
        "hr",
        "section",
        "header",
        "footer",
        "pre",
    }
    LINES = {"br", "tr", "li", "dt", "dd"}
    SKIP = {"head", "style", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.skipping = 0
        self.preformatted = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
            self.preformatted += tag == "pre"
        elif tag in self.LINES:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.preformatted = max(0, self.preformatted - 1)
        elif tag == "th":
            self.parts.append(": ")
        elif tag == "td":
            self.parts.append(" ")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = " ".join("".join(self.parts[start:]).split())
            if href and href != label:
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        data = data.replace(KEEP, "")
        if self.in_title:
            self.title.append(data)
        elif self.skipping:
            return
        elif self.preformatted:
            # Kept as typed: each line marked so that text() does not squeeze it.
            lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self.parts.append("\n".join(KEEP + line for line in lines))
        else:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = []
        for line in "".join(self.parts).split("\n"):
            if KEEP in line:
                head, _sep, kept = line.partition(KEEP)
                lines.append((" ".join(head.split()) + kept.replace(KEEP, "")).rstrip())
            else:
                lines.append(" ".join(line.split()))
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
