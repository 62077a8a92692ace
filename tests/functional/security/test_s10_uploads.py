"""RELIABILITY.md S10: uploads over the limit or of the wrong type are refused and leave no
blob; hostile names are cleaned; stored names are the storage's own; downloads are
attachments the browser does not sniff or render; waitress refuses an oversized body (413)."""

from __future__ import annotations

import base64
import http.client
import threading
from pathlib import Path
from typing import Any

import pytest
import waitress

from tests.conftest import logged_in
from tests.functional.incidents.test_ui import report, report_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _blob_files(app: Any) -> set[str] | None:
    """The files in the FileStorage's blob directory (None on other storages)."""
    uri = app.settings["zodbconn.uri"]
    if not uri.startswith("file://") or "blobstorage_dir=" not in uri:
        return None
    directory = Path(uri.split("blobstorage_dir=", 1)[1].split("&", 1)[0])
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}


def _count(app: Any) -> int:
    return app.read(lambda root: len(root["incidents"]))


def test_over_the_limit_is_a_form_error_and_stores_no_blob(make_app):
    app = make_app(**{"itsm.attachments.max_bytes": "1000"})
    client = logged_in(app, "employee")
    before, blobs = _count(app), _blob_files(app)
    answer = report(client, title="Big one", files=(("big.png", PNG + b"x" * 5000),), status=400)
    assert "Too large: big.png" in answer.text
    assert _count(app) == before
    assert _blob_files(app) == blobs


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.html", b"<html><script>alert(1)</script>", "(.html) are not accepted"),
        ("logo.svg", b"<svg onload=alert(1)>", "(.svg) are not accepted"),
        ("photo.png", b"<script>alert(1)</script>", "not a .png file"),
        ("invoice.pdf", b"MZ\x90\x00 a program", "programs are not accepted"),
        ("setup.exe", b"MZ\x90\x00", "(.exe) are not accepted"),
        ("notes.txt", b"\x7fELF\x02\x01", "programs are not accepted"),
    ],
)
def test_wrong_extension_or_magic_bytes_are_refused(app, name, content, reason):
    client = logged_in(app, "employee")
    before, blobs = _count(app), _blob_files(app)
    answer = report(client, title="With a file", files=((name, content),), status=400)
    assert f"Not accepted: {name}" in answer.text and reason in answer.text
    assert _count(app) == before and _blob_files(app) == blobs


def test_the_api_refuses_the_wrong_type_too(app):
    from tests.functional.requests.conftest import RequestClient

    employee = RequestClient(app, "employee")
    body = {
        "item": "shared-access",
        "fields": {
            "system": "crm",
            "level": "read",
            "signed_form": {
                "filename": "signed.pdf",
                "content_base64": base64.b64encode(b"<svg onload=alert(1)>").decode(),
            },
        },
    }
    answer = employee.post("/api/v1/requests", body, status=400)
    assert "not a .pdf file" in answer.json["error"]["fields"]["signed_form"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("a\r\nSet-Cookie: x=1.txt", None),  # the multipart parser already cuts it
        ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
    ],
)
def test_hostile_names_are_cleaned(app, sent, kept):
    client = logged_in(app, "employee")
    number = report_number(client, files=((sent, b"plain text\n"),))
    stored = app.read(lambda root: [a.filename for a in root["incidents"][number].attachments])
    if kept is None:
        assert not any(c in stored[0] for c in "\r\n/\\"), stored
    else:
        assert stored == [kept]
    download = client.get(f"/incidents/{number}/@@attachment?entry=0&n=0")
    disposition = download.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert disposition.startswith("attachment;")
    assert "Set-Cookie" not in download.headers


def test_stored_names_are_the_storages_own(app):
    client = logged_in(app, "employee")
    blobs = _blob_files(app)
    report_number(client, files=(("my-secret-name.txt", b"x\n"),))
    after = _blob_files(app)
    if blobs is not None:
        new = after - blobs
        assert new and all(name.endswith(".blob") for name in new), new
        assert not [name for name in after if "secret" in name]


def test_downloads_are_attachments_never_rendered(app):
    client = logged_in(app, "employee")
    number = report_number(client, files=(("page.txt", b"<html><script>alert(1)</script>"),))
    download = client.get(f"/incidents/{number}/@@attachment?entry=0&n=0")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.content_type == "text/plain"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_waitress_answers_413_to_a_body_over_its_limit(app):
    server = waitress.create_server(
        app.wsgi, host="127.0.0.1", port=0, max_request_body_size=100_000, threads=1
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
        connection.request(
            "POST",
            "/incidents/new",
            body=b"x" * 200_000,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert connection.getresponse().status == 413
    finally:
        server.close()
        thread.join(timeout=10)
