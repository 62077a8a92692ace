"""Every UI string has a Russian translation, and the compiled catalogue is up to date."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "itsm/locale/ru/LC_MESSAGES/itsm.po"
MO = ROOT / "itsm/locale/ru/LC_MESSAGES/itsm.mo"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "itsm.pot"
    pot_create = Path(sys.executable).parent / "pot-create"
    subprocess.run(
        [str(pot_create), "-c", "etc/lingua.cfg", "-d", "itsm", "-o", str(pot), "itsm"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_every_ui_string_has_a_russian_translation(tmp_path):
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for msgid in sorted(extracted(tmp_path)):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
    assert not missing, "no Russian translation (run scripts/i18n, then translate): " + repr(
        missing
    )


def test_translations_keep_their_placeholders():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    with MO.open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert po == mo, "itsm.mo is stale: run scripts/i18n"
