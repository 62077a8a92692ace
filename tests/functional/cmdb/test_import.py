"""``itsm-import`` run as a command against a FileStorage, as an administrator would."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

#: About a FileStorage itself (held by one process, read offline): run on the file run only.
pytestmark = pytest.mark.filestorage

HEADER_RU = "Название;Серийный номер;Владелец;Статус;Местоположение;Модель;ОЗУ, ГБ;Дата покупки\n"


@pytest.fixture
def cli(app, tmp_path):
    """Close the app (the FileStorage is held by one process at a time) and return a runner of
    ``itsm-import`` on its database, and a reader of the database afterwards."""
    ini = tmp_path / "cli.ini"
    settings = "\n".join(f"{k} = {v}" for k, v in app.settings.items() if k != "use")
    ini.write_text(f"[app:main]\nuse = egg:itsm\n{settings}\n", encoding="utf-8")
    app.close()

    def run(*args: str, check: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "itsm.cmdb.importer", str(ini), *args],
            capture_output=True,
            text=True,
        )
        assert done.returncode == check, done.stderr + done.stdout
        return done

    return run


def read_laptops(app_settings) -> dict[str, dict]:
    """Serial → (name, owner, fields, history length) of every Laptop, read from the file."""
    import transaction
    import ZODB
    import ZODB.FileStorage

    path = app_settings["zodbconn.uri"].removeprefix("file://").split("?")[0]
    storage = ZODB.FileStorage.FileStorage(path, read_only=True)
    db = ZODB.DB(storage)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    try:
        root = conn.root()["itsm"]
        return {
            ci.serial: {
                "name": ci.name,
                "owner": ci.owner,
                "fields": dict(ci.fields),
                "status": ci.status,
                "history": len(ci.history),
                "location": ci.location,
                "number": ci.number,
            }
            for ci in root["cmdb"].values()
            if ci.ci_class == "Laptop"
        }
    finally:
        tm.abort()
        conn.close()
        db.close()


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_windows_1251_file_with_cyrillic_names_is_imported(app, cli, tmp_path):
    settings = dict(app.settings)
    rows = (
        HEADER_RU
        + "Ноутбук бухгалтерии;WIN-001;employee2;deployed;Москва, офис 5;T14;16;01.02.2024\n"
        + "Ноутбук склада;WIN-002;;in_stock;Склад;E14;8;2024-03-01\n"
    )
    source = write(tmp_path / "laptops.csv", rows, "cp1251")
    done = cli(str(source), "--class", "Laptop")
    assert "created 2, updated 0, unchanged 0, rejected 0" in done.stdout
    assert "windows-1251" in done.stderr and "2/2" in done.stderr  # detected; progress bar
    laptops = read_laptops(settings)
    assert laptops["WIN-001"]["name"] == "Ноутбук бухгалтерии"
    assert laptops["WIN-001"]["owner"] == "employee2"
    assert laptops["WIN-001"]["location"] == "Москва, офис 5"
    assert laptops["WIN-001"]["fields"] == {"model": "T14", "ram_gb": 16}
    assert laptops["WIN-002"]["status"] == "in_stock"


def test_utf8_comma_file_with_english_headers(app, cli, tmp_path):
    settings = dict(app.settings)
    rows = 'name,serial,owner,model,notes\n"Dev laptop, spare",UTF-1,employee,X1,"Зарядка, сумка"\n'
    source = write(tmp_path / "utf8.csv", rows, "utf-8-sig")
    done = cli(str(source), "--class", "Laptop")
    assert "created 1" in done.stdout
    assert read_laptops(settings)["UTF-1"]["name"] == "Dev laptop, spare"


def test_bad_rows_go_to_the_rejects_file_with_the_reason(app, cli, tmp_path):
    settings = dict(app.settings)
    rows = (
        HEADER_RU
        + "Хороший;OK-1;employee;deployed;;T14;16;\n"
        + ";NO-NAME;;;;;;\n"  # no name
        + "Плохая память;BAD-RAM;;;;;много;\n"  # not a number
        + "Чужой;OK-2;nobody;;;;;\n"  # unknown owner
        + "Дубль;ok-1;;;;;;\n"  # the serial of the first row
        + "Плохая дата;BAD-DATE;;;;;;32.13.2024\n"
        + "Laptop serial missing;;;;;;;\n"  # Laptops need a serial
    )
    source = write(tmp_path / "bad.csv", rows, "utf-8")
    done = cli(str(source), "--class", "Laptop", check=2)
    assert "created 1, updated 0, unchanged 0, rejected 6" in done.stdout
    rejects_path = tmp_path / "bad.rejects.csv"
    assert str(rejects_path) in done.stdout
    with rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle, delimiter=";"))
    reasons = {r["Серийный номер"]: r["reason"] for r in rejects}
    assert set(reasons) == {"NO-NAME", "BAD-RAM", "OK-2", "ok-1", "BAD-DATE", ""}
    assert "name" in reasons["NO-NAME"]
    assert "ram_gb" in reasons["BAD-RAM"]
    assert "owner" in reasons["OK-2"]
    assert "already registered" in reasons["ok-1"]
    assert "purchase_date" in reasons["BAD-DATE"]
    assert "serial" in reasons[""]
    assert [r["line"] for r in rejects] == ["3", "4", "5", "6", "7", "8"]
    assert set(read_laptops(settings)) >= {"OK-1"}
    assert not {"NO-NAME", "BAD-RAM", "OK-2", "BAD-DATE"} & set(read_laptops(settings))


def test_reimport_with_update_changes_nothing_when_nothing_changed(app, cli, tmp_path):
    settings = dict(app.settings)
    rows = (
        HEADER_RU
        + "Первый;UPD-1;employee;deployed;Офис;T14;16;2024-01-01\n"
        + "Второй;UPD-2;;in_stock;Склад;E14;;\n"
    )
    source = write(tmp_path / "upd.csv", rows, "cp1251")
    cli(str(source), "--class", "Laptop")
    before = read_laptops(settings)
    size = Path(settings["zodbconn.uri"].removeprefix("file://").split("?")[0]).stat().st_size

    done = cli(str(source), "--class", "Laptop", "--update")
    assert "created 0, updated 0, unchanged 2, rejected 0" in done.stdout
    assert read_laptops(settings) == before
    after_size = Path(settings["zodbconn.uri"].removeprefix("file://").split("?")[0]).stat()
    assert after_size.st_size == size  # not one transaction written

    # Without --update the same rows are refused (their serials exist).
    done = cli(str(source), "--class", "Laptop", check=2)
    assert "rejected 2" in done.stdout

    changed = rows.replace("Офис;T14;16", "Офис 2;T14;32").replace(";employee;", ";employee2;")
    write(source, changed, "cp1251")
    done = cli(str(source), "--class", "Laptop", "--update")
    assert "created 0, updated 1, unchanged 1, rejected 0" in done.stdout
    laptop = read_laptops(settings)["UPD-1"]
    assert laptop["location"] == "Офис 2" and laptop["fields"]["ram_gb"] == 32
    assert laptop["owner"] == "employee2" and laptop["number"] == before["UPD-1"]["number"]
    assert laptop["history"] == before["UPD-1"]["history"] + 4  # location, ram, owner, department


def test_dry_run_writes_nothing(app, cli, tmp_path):
    settings = dict(app.settings)
    path = Path(settings["zodbconn.uri"].removeprefix("file://").split("?")[0])
    rows = HEADER_RU + "".join(f"Ноутбук {n};DRY-{n};;in_stock;;;;\n" for n in range(7))
    rows += ";DRY-BAD;;;;;;\n"
    source = write(tmp_path / "dry.csv", rows, "utf-8")
    before = read_laptops(settings)
    size = path.stat().st_size
    done = cli(str(source), "--class", "Laptop", "--dry-run", "--batch", "3", check=2)
    assert "created 7, updated 0, unchanged 0, rejected 1 (dry run: nothing written)" in done.stdout
    assert path.stat().st_size == size
    assert read_laptops(settings) == before


def test_batches_commit_and_rerun_resumes(app, cli, tmp_path):
    settings = dict(app.settings)
    rows = HEADER_RU + "".join(f"Ноутбук {n};B-{n};;in_stock;;;;\n" for n in range(12))
    source = write(tmp_path / "batches.csv", rows, "utf-8")
    done = cli(str(source), "--class", "Laptop", "--batch", "5")
    assert "created 12" in done.stdout
    done = cli(str(source), "--class", "Laptop", "--batch", "5", "--update")
    assert "unchanged 12" in done.stdout
    assert {f"B-{n}" for n in range(12)} <= set(read_laptops(settings))


def test_an_unknown_class_is_refused_in_one_line(app, cli, tmp_path):
    source = write(tmp_path / "x.csv", "name\nx\n", "utf-8")
    done = cli(str(source), "--class", "Spaceship", check=1)
    assert "unknown CI class 'Spaceship'" in done.stderr
