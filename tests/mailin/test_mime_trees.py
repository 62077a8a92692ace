"""Hypothesis-built MIME trees (nested multiparts, charsets, encodings, files, broken bytes):
the parser never raises, and the intake never loses a mail: each one becomes exactly one
ticket, reply or held mail, or is ignored with a reason."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm.mailin.parse import parse_mail

CHARSETS = ["utf-8", "koi8-r", "windows-1251", "iso-8859-1", "iso-2022-jp", "gb2312", "us-ascii"]
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x4FFF), max_size=200
)
HEADER_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)


@st.composite
def leaf(draw: Any) -> EmailMessage:
    part = EmailMessage()
    kind = draw(st.sampled_from(["plain", "html", "file", "image", "message"]))
    charset = draw(st.sampled_from(CHARSETS))
    text = draw(TEXT)
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    if kind == "plain":
        part.set_content(
            text,
            charset=charset,
            cte=draw(st.sampled_from(["8bit", "base64", "quoted-printable"]))
            if charset != "us-ascii"
            else "7bit",
        )
    elif kind == "html":
        part.set_content(f"<p>{text}</p><script>x()</script>", subtype="html", charset="utf-8")
    elif kind == "message":
        inner = EmailMessage()
        inner["Subject"] = draw(HEADER_TEXT).replace("\n", " ") or "inner"
        inner.set_content(text or "inner body")
        part.set_content(inner)
    else:
        name = draw(HEADER_TEXT).strip().replace("\n", " ") or "file"
        data = draw(st.binary(max_size=300))
        maintype, subtype = ("image", "png") if kind == "image" else ("application", "octet-stream")
        part.set_content(data, maintype=maintype, subtype=subtype, filename=name)
    return part


def trees() -> Any:
    def extend(children: Any) -> Any:
        @st.composite
        def multipart(draw: Any) -> EmailMessage:
            subtype = draw(st.sampled_from(["mixed", "alternative", "related", "signed"]))
            parts = draw(st.lists(children, min_size=0, max_size=4))
            node = EmailMessage()
            node.make_mixed()
            node.set_type(f"multipart/{subtype}")
            # Our own boundary: the email package would draw one from ``random``.
            node.set_param("boundary", f"b-{draw(st.integers(0, 10**12))}")
            for p in parts:
                node.attach(p)
            return node

        return multipart()

    return st.recursive(leaf(), extend, max_leaves=8)


@st.composite
def mails(draw: Any) -> bytes:
    top = draw(trees())
    message = EmailMessage()
    for name, value in top.items():
        message[name] = value
    message.set_payload(top.get_payload())
    sender = draw(st.sampled_from(["employee@example.com", "stranger@elsewhere.example", "", "x"]))
    if sender:
        message["From"] = sender
    try:
        message["Subject"] = draw(HEADER_TEXT).replace("\n", " ").replace("\r", " ")
    except Exception:  # noqa: BLE001 - the email package refuses some header text; fine
        message["Subject"] = "subject"
    for name in draw(
        st.lists(st.sampled_from(["Auto-Submitted", "Precedence", "List-Id"]), max_size=2)
    ):
        message[name] = draw(st.sampled_from(["auto-replied", "bulk", "x <list.example>", "no"]))
    try:
        raw = message.as_bytes()
    except Exception:  # noqa: BLE001 - a tree the generator cannot write: a plain mail then
        raw = b"From: employee@example.com\r\nSubject: s\r\n\r\nbody\r\n"
    # Damage: truncate, or flip bytes, as broken mailers and transfers do.
    damage = draw(st.sampled_from(["none", "truncate", "bytes", "boundary"]))
    if damage == "truncate" and len(raw) > 10:
        raw = raw[: draw(st.integers(min_value=1, max_value=len(raw) - 1))]
    elif damage == "bytes":
        noise = draw(st.binary(min_size=1, max_size=20))
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:at] + noise + raw[at:]
    elif damage == "boundary":
        raw = raw.replace(b"boundary=", b"boundary=x", 1)
    return raw


@settings(max_examples=300)
@given(mails())
def test_the_parser_never_raises(raw):
    mail = parse_mail(raw)
    assert isinstance(mail.text, str) and isinstance(mail.subject, str)
    assert "<script" not in mail.html


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mails())
def test_the_intake_never_loses_a_mail(desk, raw):
    from itsm.mailin.intake import take_message

    def count(root: Any) -> int:
        return (
            len(root["incidents"])
            + sum(len(i.journal) for i in root["incidents"].values())
            + len(root["mail"]["quarantine"])
        )

    before = desk.read(count)
    outcome = desk.write(
        lambda root: take_message(root, raw, registry=desk.registry, source="test")
    )
    made = desk.read(count) - before
    if outcome.kind in ("ticket", "reply", "quarantined"):
        assert made == 1, outcome
    else:
        assert outcome.kind in ("ignored", "duplicate") and made == 0
        assert outcome.reason
