"""``itsm-mail-in INI`` as the MTA runs it: 0 when the desk took the mail, 75 when it could
not be stored (the MTA keeps it and retries), 69 when it is too large, and the desk's
``POST /api/v1/mail/in`` behind it."""

from __future__ import annotations

import re
import socket
from typing import Any

from tests.functional.zeo.test_zeo import eventually, zeo  # noqa: F401 - zeo is a fixture
from tests.mailin.conftest import SECRET, build_mail, mail_in_command, write_ini

EX_TEMPFAIL = 75


def incidents(app: Any) -> int:
    return app.read(lambda root: len(root["incidents"]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_mail_piped_in_becomes_an_incident_and_exits_0(live_desk, tmp_path):
    ini = write_ini(
        tmp_path / "desk.ini", live_desk.app.settings, **{"itsm.mail_in.url": live_desk.url}
    )
    result = mail_in_command(ini, build_mail("Piped in"))
    assert result.returncode == 0, result.stderr
    assert re.match(r"ticket number=INC-\d{6}", result.stdout.decode())
    assert live_desk.app.read(lambda root: [i.title for i in root["incidents"].values()]) == [
        "Piped in"
    ]


def test_exit_75_when_the_desk_does_not_answer(desk, tmp_path):
    ini = write_ini(
        tmp_path / "desk.ini",
        desk.settings,
        **{"itsm.mail_in.url": f"http://127.0.0.1:{free_port()}"},
    )
    result = mail_in_command(ini, build_mail())
    assert result.returncode == EX_TEMPFAIL
    assert b"does not answer" in result.stderr and b"Traceback" not in result.stderr
    assert incidents(desk) == 0


def test_exit_75_on_a_wrong_secret_so_nothing_is_lost(live_desk, tmp_path):
    ini = write_ini(
        tmp_path / "desk.ini",
        live_desk.app.settings,
        **{"itsm.mail_in.url": live_desk.url, "itsm.mail_in.secret": "w" * 40},
    )
    result = mail_in_command(ini, build_mail())
    assert result.returncode == EX_TEMPFAIL and b"403" in result.stderr
    assert incidents(live_desk.app) == 0


def test_a_mail_over_the_limit_is_refused_for_good(desk, tmp_path):
    ini = write_ini(tmp_path / "desk.ini", desk.settings, **{"itsm.mail_in.max_bytes": "1000"})
    result = mail_in_command(ini, build_mail(body="x" * 5000))
    assert result.returncode == 69 and b"too large" in result.stderr


def test_exit_75_when_the_desk_answers_503(desk, monkeypatch):
    from itsm.mailin import cli

    class Down:
        def __enter__(self) -> Any:
            import urllib.error

            raise urllib.error.HTTPError("http://x", 503, "unavailable", {}, None)

        def __exit__(self, *exc: Any) -> None: ...

    monkeypatch.setattr(cli.urllib.request, "urlopen", lambda *a, **k: Down())
    assert cli.post_to_desk(desk.registry.itsm_settings, build_mail()) == EX_TEMPFAIL


def post(desk: Any, raw: bytes, secret: str = SECRET, status: int = 200, **query: str) -> Any:
    return desk.client().post(
        "/api/v1/mail/in" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        raw,
        headers={"X-Itsm-Mail-Secret": secret, "Content-Type": "message/rfc822"},
        status=status,
    )


def test_the_endpoint_needs_the_secret(desk):
    assert post(desk, build_mail(), secret="nope", status=403).json["error"]["code"] == "forbidden"
    assert post(desk, build_mail(), secret="", status=403)
    assert incidents(desk) == 0
    assert post(desk, build_mail()).json["kind"] == "ticket"


def test_the_endpoint_is_off_without_a_secret(make_app):
    app = make_app()
    post(app, build_mail(), secret="", status=404)


def test_the_endpoint_refuses_mail_over_the_limit(make_app):
    app = make_app(**{"itsm.mail_in.secret": SECRET, "itsm.mail_in.max_bytes": "2000"})
    post(app, build_mail(body="x" * 3000), status=413)


def test_the_endpoint_is_in_the_openapi_description(desk):
    doc = desk.client().get("/api/v1/openapi.json").json
    operation = doc["paths"]["/api/v1/mail/in"]["post"]
    assert "message/rfc822" in operation["requestBody"]["content"]


def test_a_bug_in_the_intake_holds_the_mail_instead_of_losing_it(desk, monkeypatch):
    from itsm.mailin import intake

    def broken(self: Any, person: Any, **kw: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(intake._Intake, "new_incident", broken)
    outcome = post(desk, build_mail("Lost?")).json
    assert (outcome["kind"], outcome["reason"]) == ("quarantined", "invalid")
    assert desk.read(
        lambda root: [(h.subject, h.detail) for h in root["mail"]["quarantine"].values()]
    ) == [("Lost?", "RuntimeError: a bug")]
    assert incidents(desk) == 0


def test_the_directory_down_answers_503_so_the_mta_retries(desk, monkeypatch):
    from itsm.directory.base import DirectoryUnavailable
    from itsm.directory.local import LocalDirectory

    def down(self: Any, text: str, limit: int = 20) -> Any:
        raise DirectoryUnavailable("down")

    monkeypatch.setattr(LocalDirectory, "search", down)
    post(desk, build_mail(sender="someone-new@example.com"), status=503)
    assert desk.read(lambda root: len(root["mail"]["quarantine"])) == 0


def test_on_zeo_the_command_writes_to_the_shared_database(zeo, make_app, tmp_path):  # noqa: F811
    app = make_app(demo=False, **{"zodbconn.uri": zeo.uri(tmp_path / "app-blobs")})
    ini = write_ini(
        tmp_path / "zeo.ini", app.settings, **{"zodbconn.uri": zeo.uri(tmp_path / "cli-blobs")}
    )
    result = mail_in_command(ini, build_mail("Over ZEO", sender="nobody@elsewhere.example"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"quarantined")
    assert eventually(lambda: app.read(lambda root: len(root["mail"]["quarantine"])) == 1)
    zeo.stop()
    result = mail_in_command(ini, build_mail("ZEO down"), timeout=120)
    assert result.returncode == EX_TEMPFAIL, result.stderr
