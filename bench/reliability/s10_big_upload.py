"""S10: a 2 GB request body sent with curl to pserve (waitress, 4 threads, the sample's
max_request_body_size of 26 MiB) is refused with 413 and the server's memory does not grow
by more than 50 MB; then a 25.5 MiB file through the report form (over the 25 MiB attachment
limit but under waitress's limit) is a form error, streamed to a blob that is never stored.

    .venv/bin/python bench/reliability/s10_big_upload.py [--gigabytes 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import Browser, Desk, build_demo  # noqa: E402 - after sys.path


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of ``pid`` in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    return now, peak


def curl(url: str, body: Path, *extra: str) -> str:
    done = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-T", str(body)]
        + list(extra)
        + [url],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return done.stdout.strip() or f"curl exit {done.returncode}"


def blob_files(directory: Path) -> int:
    return sum(1 for p in (directory / "blobs").rglob("*.blob"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="itsm-s10-"))
    desk = None
    try:
        build_demo(work / "desk")
        desk = Desk(work / "desk")
        desk.start()
        browser = Browser(desk.port)
        browser.login("employee")
        for _ in range(20):  # a few pages, so the baseline includes compiled templates
            browser.open("/incidents/new")
        before, peak_before = rss_mb(desk.pid)
        huge = work / "huge.bin"
        with open(huge, "wb") as out:  # sparse: no 2 GB on disk
            out.truncate(int(args.gigabytes * 1024**3))
        url = f"http://127.0.0.1:{desk.port}/incidents/new"
        sized = curl(url, huge)
        chunked = curl(url, huge, "-H", "Transfer-Encoding: chunked")
        after, peak = rss_mb(desk.pid)
        blobs_before = blob_files(work / "desk")
        status, page = browser_upload(browser, work, 25.5)
        blobs_after = blob_files(work / "desk")
        after_form, peak_form = rss_mb(desk.pid)
        print(
            f"S10: {args.gigabytes:g} GB body: {sized} (Content-Length), {chunked} (chunked); "
            f"RSS {before:.0f} -> {after:.0f} MB, growth {after - before:.1f} MB; peak "
            f"{peak_before:.0f} -> {peak:.0f} MB"
        )
        print(
            f"S10: a 25.5 MiB file through the report form: {status}, "
            f"{_message(page)!r}; blobs "
            f"{blobs_before} -> {blobs_after}; RSS {after_form:.0f} MB (peak {peak_form:.0f})"
        )
        print(
            "reproduce: .venv/bin/python bench/reliability/s10_big_upload.py "
            f"--gigabytes {args.gigabytes:g}"
        )
    finally:
        if desk is not None:
            desk.stop()
        shutil.rmtree(work, ignore_errors=True)


def _message(page: str) -> str:
    found = re.search(r"(Too large[^<]*|Your session expired[^<]*|invalid-feedback[^<]*<)", page)
    return found.group(1).strip() if found else page[:200]


def browser_upload(browser: Browser, work: Path, megabytes: float) -> tuple[int, str]:
    """POST the report form with a file of ``megabytes`` through urllib (multipart, streamed
    from a temporary file)."""
    import html
    import urllib.error
    import urllib.request
    import uuid

    _status, page = browser.open("/incidents/new")
    form = page[page.index('id="report-form"') :]
    form = form[: form.index("</form>")]
    fields: list[tuple[str, str]] = []
    seen_radio: set[str] = set()
    for tag in re.findall(r"<(?:input|textarea|select|button)\b[^>]*>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        name, kind = attrs.get("name"), attrs.get("type", "")
        if not name or kind == "file":
            if kind == "file":
                fields.append(("\0file", name or "upload"))
            continue
        if kind == "radio":
            if name in seen_radio:
                continue
            seen_radio.add(name)
        if kind == "submit" and name != "submit":
            continue
        fields.append((name, html.unescape(attrs.get("value", ""))))
    fields = [(n, "Big file" if n == "title" else v) for n, v in fields]
    boundary = uuid.uuid4().hex
    body = work / "form.bin"
    with open(body, "wb") as out:
        for name, value in fields:
            if name == "\0file":
                part = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{value}"; '
                    'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
                )
                out.write(part.encode())
                out.write(b"\0" * int(megabytes * 1024 * 1024) + b"\r\n")
                continue
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        out.write(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        browser.base + "/incidents/new",
        data=open(body, "rb"),  # noqa: SIM115 - urllib streams it
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(body.stat().st_size),
        },
    )
    try:
        with browser.opener.open(request, timeout=300) as response:
            return response.status, html.unescape(response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return error.code, html.unescape(error.read().decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
