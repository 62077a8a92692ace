"""S2 (../shared/RELIABILITY.md): about 200 XSS payloads through every way text comes in - the
portal and the API (incident titles, descriptions, replies), mail-in (HTML body, subject, sender
name, attachment file name), the knowledge base (markdown), the CMDB import and uploaded file
names - then every page that shows them rendered in Chromium.

Three things are counted on every page, and each must be 0:
- executions: ``alert``/``confirm``/``prompt`` are hooked before any page script runs;
- CSP refusals of script: the CSP (``script-src 'self'``) would stop an inline handler that got
  through, so a refusal means the markup reached the DOM unescaped - a bug even though the CSP
  held (the test asks for escaping, not luck);
- dangerous markup in the DOM: event-handler attributes, inline scripts, ``javascript:``/``data:``
  URLs, frames, objects, ``<base>``, refresh ``<meta>``.
And each page must show the payload's text (escaped), so the check cannot pass on a page that
dropped the input.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.test_incident_flow import log_in_at
from tests.browser.xss_payloads import payloads
from tests.conftest import csrf_of, logged_in

pytestmark = pytest.mark.browser

HOOKS = """
window.__xss = [];
window.__csp = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (message) => { window.__xss.push(name + ': ' + message); };
}
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""

DANGEROUS = r"""
() => {
  const bad = [];
  const urlAttrs = /^(href|src|action|formaction|data|xlink:href|poster|background)$/i;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
      if (attr.name.toLowerCase() === 'srcdoc') bad.push(el.tagName + ' srcdoc');
      if (urlAttrs.test(attr.name) && /^\s*(javascript|vbscript|data:text\/html)/i.test(attr.value))
        bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
    }
    const tag = el.tagName;
    if (tag === 'SCRIPT' && !el.src && !/json/.test(el.type || '')) bad.push('inline script');
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'FRAME', 'APPLET'].includes(tag)) bad.push(tag);
    if (tag === 'META' && el.httpEquiv) bad.push('meta ' + el.httpEquiv);
    if (tag === 'LINK' && /import/i.test(el.rel)) bad.push('link import');
  }
  return bad;
}
"""

PAYLOADS = payloads()


def _script_refusals(page: Any) -> list[str]:
    # Script refusals only: the desk's pages carry no inline style either, but a style refusal
    # cannot run code.
    return [v for v in page.evaluate("window.__csp") if v.startswith(("script", "object", "frame"))]


def check(page: Any, url: str, expect_text: str = "alert('xss')") -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    found = {
        "executions": page.evaluate("window.__xss"),
        "csp": _script_refusals(page),
        "dom": page.evaluate(DANGEROUS),
    }
    assert found == {"executions": [], "csp": [], "dom": []}, url
    # The payloads are there, as text.
    assert expect_text in page.inner_text("body"), f"{url}: the payloads are not on the page"


@pytest.fixture
def hooked(page: Any) -> Any:
    page.context.add_init_script(HOOKS)
    return page


def _api(app: Any, login: str) -> Any:
    from tests.functional.incidents.conftest import ApiClient

    return ApiClient(app, login)


def _incidents(app: Any) -> list[str]:
    """One incident per payload (title) and the payloads in descriptions and replies."""
    employee, agent = _api(app, "employee"), _api(app, "agent")
    numbers = []
    for index, payload in enumerate(PAYLOADS):
        body = {"description": payload, "impact": "low", "urgency": "medium"}
        number = employee.report(payload[:200], **body)["number"]
        numbers.append(number)
        if index % 20 == 0:
            chunk = "\n\n".join(PAYLOADS[index : index + 20])
            url = f"/api/v1/incidents/{number}/journal"
            agent.post(url, {"kind": "reply", "body": chunk}, status=201)
            employee.post(url, {"kind": "reply", "body": chunk}, status=201)
    return numbers


def _attachments(app: Any, number: str) -> None:
    """Replies from the page's form with files named like payloads."""
    client = logged_in(app, "agent")
    names = [p[:120] + ".txt" for p in PAYLOADS[::10]]
    for name in names:
        token = csrf_of(client.get(f"/incidents/{number}/"))
        client.post(
            f"/incidents/{number}/@@reply",
            {"csrf_token": token, "kind": "reply", "body": "file attached"},
            upload_files=[("files", name, b"plain text")],
            status=303,
        )


def _mail(app: Any) -> None:
    from itsm.mailin.intake import take_message
    from tests.mailin.conftest import build_mail

    html = "<html><body>" + "<br>".join(PAYLOADS[:100]) + "</body></html>"
    known = build_mail(
        subject="<img src=x onerror=alert('xss')> mail subject",
        body=None,
        html=html,
        sender="\"<svg onload=alert('xss')>\" <employee@example.com>",
        files=(("<img src=x onerror=alert('xss')>.txt", b"file", "text/plain"),),
    )
    unknown = build_mail(
        subject="<script>alert('xss')</script> from a stranger",
        body="\n".join(PAYLOADS[100:]),
        sender="\"<img src=x onerror=alert('xss')>\" <stranger@example.org>",
    )
    for raw in (known, unknown):
        app.write(lambda root, raw=raw: take_message(root, raw, registry=app.registry, source="t"))


def _kb(app: Any) -> list[str]:
    agent = _api(app, "agent")
    numbers = []
    for index in range(0, len(PAYLOADS), 50):
        chunk = PAYLOADS[index : index + 50]
        body = "\n\n".join(chunk)
        data = agent.post("/api/v1/kb", {"title": chunk[0][:150], "body": body}, status=201).json
        agent.post(f"/api/v1/kb/{data['number']}/transitions", {"name": "publish"}, status=200)
        numbers.append(data["number"])
    return numbers


def _cmdb(app: Any) -> None:
    from itsm.cmdb.importer import Importer, apply_rows
    from itsm.cmdb.register import find_class
    from itsm.tickets.context import ActionContext

    rows = [
        {"name": payload[:200], "serial": f"XSS-{index}", "owner": "employee"}
        for index, payload in enumerate(PAYLOADS[:60])
    ]

    def run(root: Any) -> None:
        ctx = ActionContext(root, app.registry, datetime.now(UTC), "agent", frozenset({"agent"}))
        importer = Importer(ctx, find_class(root, "Laptop"), update=False, dry_run=False)
        outcomes = apply_rows(importer, rows)
        assert {o.action for o in outcomes} == {"created"}, outcomes[:3]

    app.write(run)


def test_no_payload_runs_on_any_page(live_server, hooked, page_errors):
    app, url = live_server.app, live_server.url
    numbers = _incidents(app)
    _attachments(app, numbers[0])
    _mail(app)
    articles = _kb(app)
    _cmdb(app)

    page = hooked
    log_in_at(page, url, "/incidents/", "agent")
    pages = math.ceil((len(numbers) + 1) / 50)  # and the mail's incident
    for number in range(1, pages + 1):
        check(page, f"{url}/incidents/?queue=all&page={number}")
    for number in numbers[::20] + [numbers[0]]:
        check(page, f"{url}/incidents/{number}/")
    mail_incident = page.evaluate(
        "async () => (await (await fetch('/api/v1/incidents?q=mail+subject')).json()).items"
    )
    assert mail_incident, "the mail did not become an incident"
    check(page, f"{url}/incidents/{mail_incident[0]['number']}/")
    check(page, f"{url}/mail/quarantine/", expect_text="stranger@example.org")
    held = re.findall(r'href="([^"]*/mail/quarantine/[^"/]+/?)"', page.content())
    assert held, "the stranger's mail is not in the quarantine"
    check(page, held[0] if held[0].startswith("http") else url + held[0])
    for number in articles:
        check(page, f"{url}/kb/{number}/")
    check(page, f"{url}/kb/?q=alert")
    check(page, f"{url}/cmdb/?class=Laptop")
    # Reflected input: the search boxes and filters echo what was typed.
    for payload in PAYLOADS[::25]:
        page.goto(f"{url}/incidents/?q={payload}")
        assert page.evaluate("window.__xss") == [] and page.evaluate(DANGEROUS) == []
        assert _script_refusals(page) == []

    # The employee's portal: their list and an incident page.
    page.context.clear_cookies()
    log_in_at(page, url, "/incidents/", "employee")
    check(page, f"{url}/incidents/")
    check(page, f"{url}/incidents/{numbers[0]}/")
    assert [e for e in page_errors if "Content Security Policy" in e and "script" in e] == []
