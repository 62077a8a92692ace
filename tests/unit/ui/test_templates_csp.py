"""Page templates must work under our CSP (no inline script, no inline style)."""

from __future__ import annotations

import re
from pathlib import Path

ITSM = Path(__file__).resolve().parents[3] / "itsm"
INLINE_STYLE = re.compile(r"\sstyle=\"")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+=\"")


def page_templates() -> list[Path]:
    # Mail templates are not pages: mail clients need inline styles and never run scripts.
    return [
        p
        for p in ITSM.rglob("*.pt")
        if "/mail/" not in p.as_posix() and "notify/templates" not in p.as_posix()
    ]


def test_no_page_template_has_inline_styles_scripts_or_event_handlers():
    offenders = []
    for path in page_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_STYLE, INLINE_SCRIPT, EVENT_HANDLER):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ITSM)}:{line}: {match.group(0).strip()}")
    assert not offenders, "blocked by our CSP:\n" + "\n".join(offenders)


def test_there_are_templates_to_check():
    assert len(page_templates()) > 20
