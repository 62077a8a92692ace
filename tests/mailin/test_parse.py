"""Parsing mail: charsets, encoded names, HTML-only mail, files, reply trimming, addresses."""

from __future__ import annotations

import base64
from email.header import Header
from email.message import EmailMessage

import pytest

from itsm.mailin.parse import decode_bytes, parse_addresses, parse_mail, trim_reply
from tests.mailin.conftest import build_mail

RUSSIAN = "Не работает принтер на третьем этаже, помогите пожалуйста. Ёлка"


def raw_mail(headers: str, body: bytes) -> bytes:
    return headers.encode("ascii").replace(b"\n", b"\r\n") + b"\r\n\r\n" + body


@pytest.mark.parametrize("charset", ["utf-8", "koi8-r", "windows-1251"])
def test_declared_cyrillic_charsets_come_out_right(charset):
    mail = parse_mail(build_mail(subject=RUSSIAN, body=RUSSIAN + "\n", charset=charset))
    assert mail.subject == RUSSIAN
    assert mail.text == RUSSIAN


@pytest.mark.parametrize("codec", ["koi8_r", "cp1251", "utf-8"])
def test_undeclared_8bit_cyrillic_is_recognised(codec):
    raw = raw_mail(
        "From: ivan@example.com\nTo: desk@example.com\nSubject: test\nMIME-Version: 1.0",
        RUSSIAN.encode(codec),
    )
    assert parse_mail(raw).text == RUSSIAN


@pytest.mark.parametrize("codec", ["koi8_r", "cp1251"])
def test_a_raw_8bit_cyrillic_subject_is_recognised(codec):
    raw = (
        b"From: ivan@example.com\r\nSubject: "
        + "Принтер сломался".encode(codec)
        + b"\r\n\r\nbody\r\n"
    )
    assert parse_mail(raw).subject == "Принтер сломался"


@pytest.mark.parametrize("words", ["Принтер", "ПРИНТЕР СЛОМАН", "Жёсткий диск", "Ошибка 1С"])
@pytest.mark.parametrize("codec", ["koi8_r", "cp1251"])
def test_short_cyrillic_texts_are_told_apart(words, codec):
    assert decode_bytes(words.encode(codec)) == words


def test_latin1_text_is_not_taken_for_cyrillic():
    assert decode_bytes("Grüße aus München".encode("latin-1")) == "Grüße aus München"


def test_a_charset_that_lies_falls_back_to_what_decodes():
    # Declared UTF-8, written in windows-1251 (an old Outlook): still readable.
    raw = raw_mail(
        "From: ivan@example.com\nSubject: x\nContent-Type: text/plain; charset=utf-8",
        RUSSIAN.encode("cp1251"),
    )
    assert parse_mail(raw).text == RUSSIAN


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "utf-8"])
def test_rfc2047_sender_names_and_subjects_are_decoded(charset):
    name = Header("Иван Петров", charset).encode()
    subject = Header("Не печатает принтер", charset).encode()
    raw = raw_mail(f"From: {name} <ivan@example.com>\nSubject: {subject}", b"x")
    mail = parse_mail(raw)
    assert (mail.sender.address, mail.sender.name) == ("ivan@example.com", "Иван Петров")
    assert mail.subject == "Не печатает принтер"


def test_rfc2231_and_rfc2047_file_names_are_decoded():
    message = EmailMessage()
    message["From"] = "ivan@example.com"
    message["Subject"] = "files"
    message.set_content("see attached")
    message.add_attachment(b"1", maintype="application", subtype="pdf", filename="Счёт №5.pdf")
    raw = message.as_bytes()
    assert b"filename*=" in raw  # the email package writes RFC 2231
    encoded = "=?koi8-r?B?" + base64.b64encode("Отчёт.txt".encode("koi8_r")).decode() + "?="
    outlook = raw_mail(
        "From: ivan@example.com\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"',
        (
            "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
            f'Content-Type: text/plain; name="{encoded}"\r\n'
            f'Content-Disposition: attachment; filename="{encoded}"\r\n\r\ndata\r\n--b--\r\n'
        ).encode("ascii"),
    )
    assert [f.filename for f in parse_mail(raw).files] == ["Счёт №5.pdf"]
    assert [f.filename for f in parse_mail(outlook).files] == ["Отчёт.txt"]


def test_html_only_mail_is_sanitised_and_turned_into_text():
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        '<p onclick="steal()">Привет,</p><p>the <b>VPN</b> drops.<br>Every hour.</p>'
        '<img src="http://tracker.example/pixel.gif"><a href="javascript:alert(2)">x</a>'
        '<a href="https://wiki.example/vpn">wiki</a></body></html>'
    )
    mail = parse_mail(build_mail(body=None, html=html))
    assert "Привет," in mail.text and "the VPN drops." in mail.text and "Every hour." in mail.text
    assert "alert" not in mail.text and "color:red" not in mail.text
    assert "https://wiki.example/vpn" in mail.text
    for bad in ("<script", "onclick", "javascript:", "<img", "tracker.example", "<style"):
        assert bad not in mail.html
    assert "<b>VPN</b>" in mail.html


def test_plain_text_wins_over_html_in_an_alternative():
    mail = parse_mail(build_mail(body="plain words\n", html="<p>html words</p>"))
    assert mail.text == "plain words"
    assert "html words" in mail.html


def test_attachments_and_inline_images_are_files():
    message = EmailMessage()
    message["From"] = "ivan@example.com"
    message["Subject"] = "screenshot"
    message.set_content("see the picture")
    message.add_alternative('<p>see <img src="cid:shot1"></p>', subtype="html")
    message.get_payload()[1].add_related(
        b"\x89PNG...", maintype="image", subtype="png", cid="<shot1>"
    )
    message.add_attachment(b"a,b\n", maintype="text", subtype="csv", filename="report.csv")
    files = parse_mail(message.as_bytes()).files
    assert [(f.content_type, f.inline) for f in files] == [("image/png", True), ("text/csv", False)]
    assert files[1].filename == "report.csv" and files[1].data == b"a,b\n"


def test_uuencoded_files_in_a_plain_body_are_taken_out():
    import binascii

    data = b"id;name\n1;vpn\n"
    block = "begin 644 report.csv\n" + binascii.b2a_uu(data).decode() + "`\nend\n"
    mail = parse_mail(raw_mail("From: a@example.com\nSubject: x", f"Report:\n{block}".encode()))
    assert mail.text == "Report:"
    assert [(f.filename, f.data) for f in mail.files] == [("report.csv", data)]


def test_an_encoded_word_never_becomes_another_address():
    for value in ("=?utf-8?Q?agent?=@example.com", "=?utf-8?Q?attacker?Q?agent?=@victim.example"):
        (address,) = parse_addresses(value)
        assert address.address != "agent@example.com"
        assert "agent@" not in address.address


def test_a_garbled_address_is_not_repaired_into_someone_elses():
    assert [a.address for a in parse_addresses('"x" <power quadrant system@example.com>')] == [""]
    assert [a.address for a in parse_addresses("Test test@example.com")] == ["test@example.com"]


def test_malformed_mime_keeps_what_can_be_read():
    raw = raw_mail(
        "From: a@example.com\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="never"',
        b"no parts here, just text\r\n",
    )
    mail = parse_mail(raw)
    assert mail.text == "no parts here, just text"
    assert mail.defects


def test_quoted_history_and_signature_are_trimmed():
    text = (
        "Thanks, it works now.\n\n-- \nIvan Petrov\nAccounting\n\n"
        "On Mon, 1 Dec 2026 at 10:00, IT Service Desk <desk@example.com> wrote:\n> Hello"
    )
    assert trim_reply(text) == "Thanks, it works now."
    outlook = "Да, спасибо.\n\nFrom: IT Service Desk\nSent: Monday\nTo: Ivan\nSubject: [INC-000001]"
    assert trim_reply(outlook) == "Да, спасибо."
    russian = "Всё ещё не работает.\n\n1 дек. 2026 г., в 10:00, IT <desk@example.com> написал:\n> x"
    assert trim_reply(russian) == "Всё ещё не работает."
    assert trim_reply("> only quoted\n> lines") == "> only quoted\n> lines"
