"""Real Chromium (Debian's package) driven by Playwright against the app served by waitress
on a free loopback port."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class LiveServer:
    def __init__(self, app: Any) -> None:
        from waitress.server import create_server

        self.server = create_server(app.wsgi, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.close()


@pytest.fixture
def live_server(make_app: Any) -> Iterator[LiveServer]:
    app = make_app(**{"itsm.public_url": "http://127.0.0.1"})
    server = LiveServer(app)
    server.app = app  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/test, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_errors() -> list[str]:
    """What went wrong in the page: script errors, console errors (CSP refusals among them)."""
    return []


@pytest.fixture
def page(browser: Any, page_errors: list[str]) -> Iterator[Any]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/test (npm ci installs it)")
    # Reduced motion turns Bootstrap's colour transitions off, so axe never samples a button
    # half-way through its hover animation (a false contrast failure).
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 800}, reduced_motion="reduce"
    )
    # An init script is exempt from the page's CSP (script-src 'self'), which would refuse
    # axe injected as an inline <script>; the page's own scripts stay under the CSP.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    # A bound, not a pause: waits end as soon as the page is there. 30 s because a loaded
    # 2-core machine (CI beside other work) was seen taking over 10 s for one navigation.
    page.set_default_timeout(30_000)

    def on_console(message: Any) -> None:
        if message.type == "error":
            page_errors.append(f"console: {message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    yield page
    context.close()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """Run axe-core in the page; the violations of the given impacts. The pointer is moved off
    the page first: axe judges what a reader sees, not a button under the mouse."""
    page.mouse.move(0, 0)
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in impacts
    ]
