"""Fixtures of the email channel's tests: a desk, mails built with the ``email`` package, the
intake in a committed transaction, a live desk on waitress for the real ``itsm-mail-in``."""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import demo_person

ROOT = Path(__file__).resolve().parents[2]
#: Real mail from other help desks' test suites, beside the repository (never copied into it).
CORPUS = ROOT / ".." / "shared" / "external" / "mail"
SECRET = "mail-in-secret-0123456789abcdef0123456789abcdef"
DESK = "localhost"  # the host of itsm.public_url in etc/test.ini: our Message-ID domain


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".tsv"))


def build_mail(
    subject: str = "The printer on floor 3 jams",
    body: str = "It jams on every page.\n",
    *,
    sender: str = "employee@example.com",
    to: str = "servicedesk@example.com",
    message_id: str | None = None,
    html: str | None = None,
    charset: str = "utf-8",
    files: tuple[tuple[str, bytes, str], ...] = (),
    **headers: str,
) -> bytes:
    """A mail as a mail client writes it; ``headers`` with ``_`` for ``-``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if html is not None and body is None:
        message.set_content(html, subtype="html", charset=charset)
    else:
        message.set_content(body, charset=charset)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for filename, data, ctype in files:
        maintype, subtype = ctype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.fixture
def desk(make_app: Callable[..., Any], smtp_server: Any) -> Any:
    """The demo desk, its mail going to ``smtp_server``, the HTTP intake on."""
    return make_app(**smtp_server.settings_overrides(), **{"itsm.mail_in.secret": SECRET})


@pytest.fixture
def take(desk: Any) -> Callable[..., Any]:
    """``take(raw, **options)``: the intake in one committed transaction; its Outcome."""
    from itsm.mailin.intake import take_message

    def run(raw: bytes, app: Any = None, **options: Any) -> Any:
        app = app or desk
        options.setdefault("source", "test")
        return app.write(lambda root: take_message(root, raw, registry=app.registry, **options))

    return run


@pytest.fixture
def person(desk: Any) -> Callable[..., Any]:
    """``person(login, **fields)``: the demo person's record made as logging in makes it;
    returns their mail address."""
    return functools.partial(demo_person, desk)


@pytest.fixture
def live_desk(desk: Any) -> Iterator[Any]:
    """``desk`` served by waitress on a free loopback port (``.url``, ``.app``)."""
    from tests.browser.conftest import LiveServer

    server = LiveServer(desk)
    server.app = desk  # type: ignore[attr-defined]
    yield server
    server.stop()


def write_ini(path: Path, settings: dict[str, str], **overrides: str) -> Path:
    """An ini file with ``settings`` (and overrides) for a command run beside the desk."""
    values = {**settings, **overrides}
    lines = ["[app:main]", "use = egg:itsm"]
    lines += [f"{k} = {v}" for k, v in values.items() if k != "use" and "\n" not in str(v)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mail_in_command(ini: Path, raw: bytes, *args: str, timeout: float = 120) -> Any:
    """Run the real ``itsm-mail-in`` with ``raw`` on stdin."""
    command = Path(sys.executable).parent / "itsm-mail-in"
    return subprocess.run(
        [str(command), str(ini), *args],
        input=raw,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
