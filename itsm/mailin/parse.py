"""Raw RFC 5322 bytes → a :class:`ParsedMail`: decoded headers, text, sanitised HTML, files.

Never raises for anything in the mail. The structure comes from the standard parser with the
``compat32`` policy, which only records defects; every header is decoded here from its raw
bytes, because ``email.policy.default`` parses headers lazily and can raise on access for
malformed ones, and decodes RFC 2047 words inside an address (``=?utf-8?Q?agent?=@example.com``
would become another sender). Addresses are taken from the raw header; only display names,
subjects and file names are RFC 2047 / RFC 2231 decoded.

Charsets: the declared one first (with the usual aliases: GB2312 as GB18030, KS C 5601 as
CP949, ISO-2022-JP with its extensions), then UTF-8, then, for 8-bit text that declares
nothing or lies, a choice between windows-1251 and KOI8-R by which reads as Russian (most
letters of running text are lower case: the wrong one of the two turns them upper case),
else windows-1252; never an exception (``errors="replace"`` last).
"""

from __future__ import annotations

import binascii
import codecs
import email
import email.header
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

import nh3

#: Parts nested deeper than this are not visited (a hostile mail could nest thousands).
MAX_DEPTH = 20
#: Leaf parts beyond this many are not visited.
MAX_PARTS = 500

CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "us-ascii": "",
    "ascii": "",
    "ansi_x3.4-1968": "",
    "default": "",
}
#: ISO-2022-JP mail often uses NEC / IBM extension characters outside the strict codec.
ISO2022_JP_VARIANTS = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3")

#: How often each letter occurs in Russian text (per cent).
RUSSIAN_FREQUENCY = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81,
         2.62, 2.01, 1.90, 1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48,
         0.36, 0.32, 0.26, 0.04, 0.04),
        strict=True,
    )
)  # fmt: skip

HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins",
    "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
HTML_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


@dataclass
class MailFile:
    """An attachment or inline image of a mail."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class Address:
    address: str  # as in the mail, lower case; "" when none could be read
    name: str = ""


@dataclass
class ParsedMail:
    """What a mail says, decoded. ``headers`` are (lower-case name, decoded value) pairs."""

    raw: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    sender: Address = field(default_factory=lambda: Address(""))
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    content_type: str = "text/plain"
    text: str = ""
    html: str = ""  # sanitised (nh3): no scripts, styles, images or event handlers
    files: list[MailFile] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    #: The top-level message as the standard parser built it (loops.py reads DSN parts).
    message: Message | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]

    @property
    def recipients(self) -> list[str]:
        """Every address the mail was delivered to, as far as the headers tell."""
        found = [a.address for a in (*self.to, *self.cc) if a.address]
        for name in ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to"):
            for value in self.header_all(name):
                found += [a.address for a in parse_addresses(value) if a.address]
        return list(dict.fromkeys(found))

    def stable_bytes(self) -> bytes:
        """What identifies a mail without a Message-ID: sender, date, subject and body, not
        the trace headers a redelivery changes."""
        head = "\n".join(
            f"{key}: {value}"
            for key, value in self.headers
            if key in ("from", "to", "cc", "date", "subject")
        )
        body = self.raw.split(b"\n\n", 1)[-1] if b"\n\n" in self.raw else self.raw
        return head.encode("utf-8", "surrogateescape") + b"\n\n" + body


# -- charsets -----------------------------------------------------------------------------------
def _codec(charset: str | None) -> str:
    """A Python codec name for a declared charset, or "" when none (or unknown)."""
    if not charset:
        return ""
    name = str(charset).strip().strip("\"'").lower()
    if name in CHARSET_ALIASES:
        return CHARSET_ALIASES[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


CYRILLIC_CODECS = ("cp1251", "koi8-r", "koi8-u", "iso8859-5", "cp866", "utf-8")  # codecs names
#: Bytes 0x80-0xBF that Russian text in each codec uses (quotes, dashes, Ё/ё, №, NBSP).
PLAUSIBLE_HIGH = {
    "cp1251": set(b"\x85\x91\x92\x93\x94\x95\x96\x97\xa0\xa8\xab\xb8\xb9\xbb"),
    "koi8_r": set(b"\xa3\xb3\x9a"),
}


def guess_cyrillic(data: bytes) -> str | None:
    """``data`` decoded as windows-1251 or KOI8-R when one of them reads as Russian text.

    Each codec shows the other's letters as different letters of the other case, so the
    right one has Russian letter frequencies and mostly lower case; Latin text with a few
    accented letters (German in latin-1) is refused because its "Cyrillic" letters sit
    between Latin ones."""
    high = [b for b in data if b > 0x7F]
    if not high:
        return None
    best: tuple[float, str] | None = None
    for name in ("cp1251", "koi8_r"):
        odd = sum(1 for b in high if b < 0xC0 and b not in PLAUSIBLE_HIGH[name])
        if odd > len(high) * 0.05:
            continue
        text = data.decode(name, "replace")
        letters = [i for i, ch in enumerate(text) if "\u0400" <= ch <= "\u04ff"]
        if not letters:
            continue
        mixed = sum(
            1
            for i in letters
            if (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha())
            or (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha())
        )
        if mixed > len(letters) * 0.2:
            continue
        frequency = sum(RUSSIAN_FREQUENCY.get(text[i].lower(), 0) for i in letters) / len(letters)
        lower = sum(1 for i in letters if text[i].islower()) / len(letters)
        if frequency < 3.0:
            continue
        score = frequency + 0.8 * lower
        if best is None or score > best[0]:
            best = (score, text)
    return best[1] if best else None


def _cjk(ch: str) -> bool:
    return (
        "\u3000" <= ch <= "\u30ff"  # CJK punctuation, hiragana, katakana
        or "\u4e00" <= ch <= "\u9fff"
        or "\uff00" <= ch <= "\uffef"
        or "\uac00" <= ch <= "\ud7af"  # hangul
    )


def guess_cjk(data: bytes) -> str | None:
    """Undeclared Shift_JIS or GB18030 (raw 8-bit headers of Asian mailers), when strictly
    valid and made of CJK characters."""
    for name in ("cp932", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in text if ord(ch) > 0x7F]
        if wide and all(_cjk(ch) for ch in wide):
            if name == "cp932" and not any("\u3040" <= ch <= "\u30ff" for ch in wide):
                continue  # no kana: more likely Chinese, let GB18030 try
            return text
    return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of ``data`` in ``charset`` (declared) with the fallbacks the module docstring lists."""
    if not data:
        return ""
    codec = _codec(charset)
    candidates: list[str] = []
    if codec.startswith("iso2022_jp"):
        candidates += ISO2022_JP_VARIANTS
    elif codec:
        candidates.append(codec)
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text
    if not any(b > 0x7F for b in data):
        return data.decode("ascii", "replace")
    if not codec or codec in CYRILLIC_CODECS:
        guess = guess_cyrillic(data)
        if guess is not None:
            return guess
    if not codec:
        guess = guess_cjk(data)
        if guess is not None:
            return guess
    if codec and codec != "utf-8":
        return data.decode(codec, "replace")
    if codec == "utf-8":
        return data.decode("utf-8", "replace")
    return data.decode("cp1252", "replace")


def _control_free(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


# -- headers ------------------------------------------------------------------------------------
def _raw_bytes(value: Any) -> bytes:
    """The bytes of a raw header value (compat32 keeps 8-bit bytes as surrogate escapes)."""
    if isinstance(value, email.header.Header):
        value = str(value)
    return str(value).encode("utf-8", "surrogateescape")


def decode_header_value(value: Any) -> str:
    """A header's text: RFC 2047 words decoded, raw 8-bit bytes guessed, one line."""
    raw = _raw_bytes(value).decode("latin-1")
    text = ""
    try:
        parts = email.header.decode_header(raw)
    except Exception:  # noqa: BLE001 - a broken encoded-word must not stop the intake
        parts = [(raw, None)]
    pieces: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            chunk = chunk.encode("latin-1", "replace")
        pieces.append(decode_bytes(chunk, charset))
    # decode_header drops the blanks between an encoded word and plain text: put one back
    # where a word and a non-blank meet (decode_header keeps them when the raw had them).
    text = ""
    for piece in pieces:
        if text and not text[-1].isspace() and piece and not piece[0].isspace():
            if len(parts) > 1:
                text += " "
        text += piece
    return " ".join(_control_free(text).split())


def parse_addresses(value: Any) -> list[Address]:
    """Addresses of a raw header value. The address is read from the raw text, never from
    decoded encoded-words; only the display name is decoded."""
    raw = _raw_bytes(value).decode("latin-1")
    raw = " ".join(raw.split())
    try:
        pairs = email.utils.getaddresses([raw])
    except Exception:  # noqa: BLE001
        pairs = []
    found: list[Address] = []
    for name, address in pairs:
        address = address.strip()
        if address and ("@" not in address or any(c.isspace() for c in address)):
            address = ""
        if address:
            address = decode_bytes(address.encode("latin-1", "replace")).lower()
        if not address and not name:
            continue
        found.append(Address(address, decode_header_value(name) if name else ""))
    if not any(a.address for a in found) and not any(c in raw for c in '<>"(),;'):
        # "From: Test test@example.com": one plain addr-spec among words, nothing else that
        # could make a broken address look like another person's.
        specs = BARE_ADDRESS.findall(raw)
        if len(specs) == 1:
            name = raw.replace(specs[0], "").strip(" <>\"'")
            return [Address(specs[0].lower(), decode_header_value(name) if name else "")]
    return found


BARE_ADDRESS = re.compile(
    r"(?<![^\s<,;:])([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?![^\s>,;])"
)


MSGID_RE = re.compile(r"<([^<>\s]{1,4000})>")


def message_ids(value: str | None) -> list[str]:
    """The ids in In-Reply-To / References, with their angle brackets."""
    if not value:
        return []
    found = [f"<{m}>" for m in MSGID_RE.findall(value)]
    if not found:
        found = [f"<{w.strip('<>')}>" for w in value.split() if "@" in w]
    return list(dict.fromkeys(found))


# -- bodies -------------------------------------------------------------------------------------
def sanitise_html(html: str) -> str:
    """HTML safe to show: an allow-list of tags and attributes, http(s)/mailto links only, no
    images (no remote content), no styles or scripts."""
    try:
        return nh3.clean(
            html,
            tags=HTML_TAGS,
            attributes=HTML_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
    except Exception:  # noqa: BLE001 - nh3 refuses nothing we know of; be safe anyway
        return ""


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: paragraphs, line breaks, links with their address."""
    from itsm.notify.render import split_document

    cleaned = nh3.clean(html, tags=HTML_TAGS | {"title"}, attributes=HTML_ATTRIBUTES)
    try:
        text = split_document(cleaned).text
    except Exception:  # noqa: BLE001
        text = re.sub(r"<[^>]+>", " ", cleaned)
    return text.strip()


UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (?P<name>\S.*)$", re.MULTILINE)


def split_uuencoded(text: str) -> tuple[str, list[MailFile]]:
    """Take uuencoded files (``begin 644 name`` … ``end``) out of a plain body."""
    files: list[MailFile] = []
    while True:
        match = UU_BEGIN.search(text)
        if match is None:
            break
        end = re.search(r"^end\s*$", text[match.end() :], re.MULTILINE)
        if end is None:
            break
        block = text[match.end() : match.end() + end.start()]
        data = bytearray()
        for line in block.splitlines():
            if not line.strip() or line.strip() == "`":
                continue
            try:
                data += binascii.a2b_uu(line)
            except binascii.Error:
                # Some encoders write lines a little too long; the standard workaround.
                try:
                    nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                    data += binascii.a2b_uu(line[:nbytes])
                except (binascii.Error, IndexError):
                    continue
        name = match.group("name").strip()
        files.append(MailFile(name, "", bytes(data)))
        text = text[: match.start()] + text[match.end() + end.end() :]
    return text, files


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        defects.append(f"payload: {type(exc).__name__}")
        data = None
    if data is None:
        payload = part.get_payload()
        data = _raw_bytes(payload) if isinstance(payload, str) else b""
    return data


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # noqa: BLE001
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
        try:
            value = email.utils.collapse_rfc2231_value(value)
        except Exception:  # noqa: BLE001
            value = value[2]
    return str(value)


def _filename(part: Message) -> str:
    name = _param(part, "filename", "content-disposition") or _param(part, "name")
    if not name:
        return ""
    # RFC 2231 values arrive decoded; RFC 2047 in a file name is common (Outlook) though
    # not standard, and raw 8-bit names happen too.
    return decode_header_value(name)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _disposition(part: Message) -> str:
    value = part.get("content-disposition")
    if value is None:
        return ""
    return str(value).split(";", 1)[0].strip().lower()


@dataclass
class _Collector:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)  # sanitised
    html_sources: list[str] = field(default_factory=list)  # as sent, to make text from
    files: list[MailFile] = field(default_factory=list)
    parts: int = 0


def _extension(content_type: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(content_type) or ".bin"


def _visit(part: Message, out: _Collector, depth: int, defects: list[str]) -> None:
    out.parts += 1
    if depth > MAX_DEPTH or out.parts > MAX_PARTS:
        if "too deep" not in defects:
            defects.append("too deep")
        return
    ctype = _content_type(part)
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            children = []
        if ctype == "multipart/alternative":
            subs = []
            for child in children:
                sub = _Collector(parts=out.parts)
                _visit(child, sub, depth + 1, defects)
                out.parts = sub.parts
                subs.append(sub)
            with_plain = [s for s in subs if s.plain]
            with_html = [s for s in subs if s.html_sources]
            if with_plain:
                out.plain += with_plain[0].plain
            elif with_html:
                out.plain += [html_to_text("\n".join(with_html[-1].html_sources))]
            if with_html:
                out.html += with_html[-1].html
            for sub in subs:
                out.files += sub.files
            return
        for child in children:
            _visit(child, out, depth + 1, defects)
        return
    filename = _filename(part)
    disposition = _disposition(part)
    if ctype.startswith("multipart/"):
        ctype = "text/plain"  # a multipart with no parts found: its body is all there is
    if ctype == "message/rfc822" or (ctype.startswith("message/") and not filename):
        inner = part.get_payload()
        data = b""
        title = ""
        if isinstance(inner, list) and inner:
            try:
                data = inner[0].as_bytes(policy=email.policy.compat32)
            except Exception:  # noqa: BLE001
                data = _raw_bytes(str(inner[0]))
            title = decode_header_value(inner[0].get("subject", "") or "")
        else:
            data = _payload_bytes(part, defects)
        name = filename or f"{(title or 'message')[:60]}.eml"
        out.files.append(MailFile(name, "message/rfc822", data))
        return
    data = _payload_bytes(part, defects)
    is_text = ctype in ("text/plain", "text/html") or (ctype == "text/enriched")
    if is_text and not filename and disposition != "attachment":
        text = decode_bytes(data, _param(part, "charset"))
        if ctype == "text/html":
            out.html.append(sanitise_html(text))
            out.html_sources.append(text)
        else:
            text, uu_files = split_uuencoded(text)
            out.plain.append(text)
            out.files += uu_files
        return
    content_id = str(part.get("content-id") or "").strip().strip("<>")
    if not filename:
        filename = f"{'image' if ctype.startswith('image/') else 'attachment'}-{len(out.files) + 1}"
        filename += _extension(ctype)
    out.files.append(
        MailFile(
            filename,
            ctype,
            data,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
            content_id=content_id,
        )
    )


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything :class:`ParsedMail` holds, from the raw bytes. Never raises."""
    mail = ParsedMail(raw=raw)
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # noqa: BLE001 - the parser is meant never to raise; be sure
        mail.defects.append(f"parser: {type(exc).__name__}")
        mail.text = decode_bytes(raw)
        return mail
    mail.message = message
    mail.defects += [type(d).__name__ for d in getattr(message, "defects", [])]
    raw_headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = str(name).strip().lower()
        raw_headers.setdefault(key, []).append(_latin(value))
        mail.headers.append((key, _header_text(str(name), value)))

    def raw(name: str) -> list[str]:
        return raw_headers.get(name, [])

    mail.message_id = _first_id(raw("message-id"))
    mail.in_reply_to = message_ids(" ".join(raw("in-reply-to")))
    mail.references = message_ids(" ".join(raw("references")))
    senders = [a for v in raw("from") for a in parse_addresses(v)]
    if not any(a.address for a in senders):
        senders = [a for v in raw("sender") for a in parse_addresses(v)] or senders
    with_address = [a for a in senders if a.address]
    mail.sender = with_address[0] if with_address else (senders[0] if senders else Address(""))
    mail.to = [a for v in raw("to") for a in parse_addresses(v)]
    mail.cc = [a for v in raw("cc") for a in parse_addresses(v)]
    mail.subject = (mail.header("subject") or "")[:500]
    try:
        date = (raw("date") or [""])[0]
        mail.date = email.utils.parsedate_to_datetime(date) if date.strip() else None
    except Exception:  # noqa: BLE001
        mail.date = None
    mail.content_type = _content_type(message)
    collector = _Collector()
    try:
        _visit(message, collector, 0, mail.defects)
    except Exception as exc:  # noqa: BLE001 - keep what was read so far
        mail.defects.append(f"structure: {type(exc).__name__}")
    for sub in _walk_defects(message):
        mail.defects.append(sub)
    plain = "\n\n".join(p.strip("\n") for p in collector.plain if p.strip())
    if not plain and collector.html_sources:
        plain = html_to_text("\n".join(collector.html_sources))
    mail.text = _normalise_text(plain)
    mail.html = "\n".join(h for h in collector.html if h)
    mail.files = collector.files
    mail.defects = list(dict.fromkeys(mail.defects))
    return mail


def _walk_defects(message: Message) -> list[str]:
    found: list[str] = []
    try:
        for part in message.walk():
            if part is message:
                continue
            found += [type(d).__name__ for d in getattr(part, "defects", [])]
    except Exception as exc:  # noqa: BLE001
        found.append(f"walk: {type(exc).__name__}")
    return found


def _latin(value: Any) -> str:
    """A raw header value with each byte as one character (nothing lost, nothing decoded)."""
    return _raw_bytes(value).decode("latin-1")


def _first_id(values: list[Any]) -> str:
    for value in values:
        text = " ".join(_latin(value).split())
        if not text:
            continue
        ids = MSGID_RE.findall(text)
        if ids:
            return f"<{ids[0]}>"
        return f"<{text.strip('<>')}>"
    return ""


def _header_text(name: str, value: Any) -> str:
    try:
        return decode_header_value(value)
    except Exception:  # noqa: BLE001
        return _latin(value)


def _normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _control_free(text).replace("\ufeff", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- replies ------------------------------------------------------------------------------------
QUOTE_HEADERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\s*-{2,}\s*(original message|forwarded message|исходное сообщение|"
        r"пересылаемое сообщение|ursprüngliche nachricht)\s*-{2,}\s*$",
        r"^\s*_{10,}\s*$",
        r"^\s*on\b.{0,200}\bwrote:\s*$",
        r"^\s*am\b.{0,200}\bschrieb.{0,40}:\s*$",
        r"^.{0,200}\b(написал|написала|пишет)\s*(\(а\))?:\s*$",
        r"^\s*(from|от|von|de):\s.{0,200}$",
    )
]
SIGNATURE = re.compile(r"^(--|-- |__+|sent from my .{0,40}|отправлено с .{0,40})\s*$", re.I)


def trim_reply(text: str) -> str:
    """The new part of a reply: without the quoted history and the signature. When nothing
    would be left (an answer written between quoted lines), the whole text."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if index == 0:
            continue
        if any(p.match(line) for p in QUOTE_HEADERS):
            if QUOTE_HEADERS[-1].match(line) and not _outlook_block(lines, index):
                continue
            cut = index
            break
        if SIGNATURE.match(line):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    if not result:
        return text.strip()
    return result


def _outlook_block(lines: list[str], index: int) -> bool:
    """``From:`` starts quoted history only when ``Sent:``/``Date:``/``To:`` follow it."""
    following = " ".join(lines[index + 1 : index + 4]).lower()
    return any(
        word in following
        for word in ("sent:", "date:", "to:", "subject:", "отправлено:", "кому:", "тема:")
    )
