"""``/cmdb/@@import``: upload, preview (a dry run that writes nothing), confirm, rejects."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

import webtest

from tests.conftest import csrf_of, logged_in

HEADER_RU = "Название;Серийный номер;Владелец;Модель;ОЗУ, ГБ\n"


def laptops(app) -> dict[str, dict]:
    return app.read(
        lambda root: {
            ci.serial: {"name": ci.name, "owner": ci.owner, "fields": dict(ci.fields)}
            for ci in root["cmdb"].values()
            if ci.ci_class == "Laptop"
        }
    )


def upload(
    client, data: bytes, cls: str = "Laptop", update: bool = False, status=303, name="x.csv"
):
    page = client.get("/cmdb/@@import")
    form = page.forms["import-form"]
    form["file"] = webtest.Upload(name, data, "text/csv")
    form["class"] = cls
    form["update"] = update
    return form.submit(status=status)


def token_of(response) -> str:
    return parse_qs(urlparse(response.location).query)["token"][0]


def outcomes(page) -> dict[str, tuple[str, str]]:
    """Name → (outcome, reason) of each preview row."""
    rows = page.html.select("#import-preview tbody tr")
    result = {}
    for row in rows:
        cells = [c.get_text(" ", strip=True) for c in row.find_all("td")]
        result[cells[1]] = (row["data-outcome"], cells[4])
    return result


def test_agent_previews_a_windows_1251_file_then_imports_it_and_downloads_the_rejects(app):
    data = (
        HEADER_RU
        + "Ноутбук бухгалтерии;WEB-001;employee2;T14;16\n"
        + "Плохая память;WEB-002;;E14;много\n"
        + "Чужой;WEB-003;nobody;;\n"
    ).encode("cp1251")
    agent = logged_in(app, "agent")
    assert 'id="import-link"' in agent.get("/cmdb/").text
    before = laptops(app)
    staged = upload(agent, data, name="ноутбуки.csv")
    preview = agent.get(staged.location)
    assert "windows-1251" in preview.text and "ноутбуки.csv" in preview.text
    rows = outcomes(preview)
    assert rows["Ноутбук бухгалтерии"][0] == "created"
    assert rows["Плохая память"][0] == "rejected" and "ram_gb" in rows["Плохая память"][1]
    assert rows["Чужой"][0] == "rejected" and "owner" in rows["Чужой"][1]
    summary = preview.html.select_one("#import-summary").get_text(" ", strip=True)
    assert summary.split()[:1] == ["1"] and "2 rejected" in summary
    assert laptops(app) == before  # the preview wrote nothing

    done = preview.forms["import-confirm"].submit("confirm", status=303)
    assert token_of(done) == token_of(staged)
    result = agent.get(done.location)
    assert "Imported: 1 created, 0 updated, 0 unchanged, 2 rejected." in result.text
    after = laptops(app)
    assert after["WEB-001"] == {
        "name": "Ноутбук бухгалтерии",
        "owner": "employee2",
        "fields": {"model": "T14", "ram_gb": 16},
    }
    assert "WEB-002" not in after and "WEB-003" not in after

    rejects = agent.get(result.html.select_one("#rejects-link")["href"])
    assert rejects.content_type == "text/csv"
    disposition = rejects.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("UTF-8''")[1]) == "ноутбуки.rejects.csv"
    lines = list(csv.DictReader(io.StringIO(rejects.text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["line"], r["Серийный номер"]) for r in lines] == [("3", "WEB-002"), ("4", "WEB-003")]
    assert "ram_gb" in lines[0]["reason"] and "owner" in lines[1]["reason"]

    # A second confirmation (a double click) imports nothing twice.
    agent.post(
        "/cmdb/@@import",
        {"csrf_token": csrf_of(result), "token": token_of(staged), "confirm": "1"},
        status=303,
    )
    assert len(laptops(app)) == len(after)


def test_update_existing_changes_only_what_differs(app):
    agent = logged_in(app, "agent")
    same = "name;serial;owner;location\nThinkPad T14;PF-3A1B2C;employee;Moscow HQ, 3rd floor\n"
    moved = same.replace("Moscow HQ, 3rd floor", "Kazan office")
    page = agent.get(upload(agent, same.encode()).location)
    assert outcomes(page)["ThinkPad T14"][0] == "rejected"
    assert "already registered" in outcomes(page)["ThinkPad T14"][1]
    assert page.forms["import-confirm"]["confirm"].attrs.get("disabled") is not None

    page = agent.get(upload(agent, same.encode(), update=True).location)
    assert outcomes(page)["ThinkPad T14"][0] == "unchanged"

    page = agent.get(upload(agent, moved.encode(), update=True).location)
    assert outcomes(page)["ThinkPad T14"][0] == "updated"
    page.forms["import-confirm"].submit("confirm", status=303)
    location = app.read(
        lambda root: next(c.location for c in root["cmdb"].values() if c.serial == "PF-3A1B2C")
    )
    assert location == "Kazan office"


def test_the_preview_commits_nothing(app):
    agent = logged_in(app, "agent")
    staged = upload(agent, b"name;serial\nNew one;TX-1\n")
    last = app.db.lastTransaction()
    page = agent.get(staged.location)
    assert outcomes(page)["New one"][0] == "created"
    assert app.db.lastTransaction() == last


def test_files_the_import_cannot_read_get_a_clear_message(make_app):
    app = make_app(**{"itsm.cmdb.import_max_bytes": "5000"})
    agent = logged_in(app, "agent")
    big = upload(agent, b"name;serial\n" + b"x;y\n" * 2000, status=400)
    assert "The file is larger than" in big.html.select_one("#import-error").text
    binary = upload(agent, "name;serial\n".encode("utf-16"), status=400)
    assert "not a CSV text file" in binary.html.select_one("#import-error").text
    many = b"name\n" + b"x\n" * 2001  # under the byte limit, over the row limit
    too_many = upload(agent, many, status=400)
    assert "The file has 2001 rows" in too_many.html.select_one("#import-error").text
    empty = upload(agent, b"", status=400)
    assert "no header row" in empty.html.select_one("#import-error").text
    nameless = upload(agent, b"serial;model\nA1;T14\n", status=400)
    assert "no name column" in nameless.html.select_one("#import-error").text
    page = agent.get("/cmdb/@@import")
    form = page.forms["import-form"]
    form["class"] = "Laptop"
    nofile = form.submit(status=400)
    assert "Choose a CSV file" in nofile.html.select_one("#import-error").text
    staged = app.read(lambda root: root["settings"]["ci-classes"].staged_imports)
    assert staged is None or len(staged) == 0


def test_an_upload_is_only_its_owners_and_expires(app):
    agent = logged_in(app, "agent")
    staged = upload(agent, b"name;serial\nMine;OWN-1\n")
    token = token_of(staged)
    other = logged_in(app, "agent2")
    assert "expired or is not yours" in other.get(staged.location, status=404).text
    page = other.get("/cmdb/@@import")
    other.post(
        "/cmdb/@@import",
        {"csrf_token": csrf_of(page), "token": token, "confirm": "1"},
        status=404,
    )
    other.get("/cmdb/@@import-rejects", params={"token": token}, status=404)

    def age(root):
        store = root["settings"]["ci-classes"].staged_imports
        store[token].created -= timedelta(hours=3)

    app.write(age)
    agent.get(staged.location, status=404)
    assert "OWN-1" not in laptops(app)


def test_employees_cannot_import(app):
    employee = logged_in(app, "employee")
    assert 'id="import-link"' not in employee.get("/cmdb/").text
    employee.get("/cmdb/@@import", status=403)
    page = employee.get("/cmdb/")
    employee.post(
        "/cmdb/@@import",
        {"csrf_token": csrf_of(page), "class": "Laptop"},
        upload_files=[("file", "x.csv", b"name;serial\nSneaky;EMP-1\n")],
        status=403,
    )
    employee.get("/cmdb/@@import-rejects", params={"token": "x"}, status=403)
    assert "EMP-1" not in laptops(app)


def test_a_long_preview_lists_every_rejected_row_and_counts_them_all(app):
    lines = [f"Laptop {i};LONG-{i:04d}" for i in range(600)]
    lines[550] = ";NO-NAME"  # rejected, past the first 500
    data = ("name;serial\n" + "\n".join(lines) + "\n").encode()
    agent = logged_in(app, "agent")
    page = agent.get(upload(agent, data).location)
    assert page.html.select_one("#preview-partial") is not None
    rows = page.html.select("#import-preview tbody tr")
    assert len(rows) == 500
    assert rows[-1]["data-outcome"] == "rejected"
    assert rows[-1].find("td").text == "552"
    summary = page.html.select_one("#import-summary").get_text(" ", strip=True)
    assert summary.startswith("599 to create") and "1 rejected" in summary


def test_six_hundred_imported_rows_all_reach_the_csv_export(app):
    data = ("name;serial\n" + "".join(f"Bulk {i};BULK-{i:04d}\n" for i in range(600))).encode()
    agent = logged_in(app, "agent")
    page = agent.get(upload(agent, data).location)
    page.forms["import-confirm"].submit("confirm", status=303)
    export = agent.get("/cmdb/export.csv", params={"q": "bulk"})
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 600
    assert {r["serial"] for r in rows} == {f"BULK-{i:04d}" for i in range(600)}
    numbers = [r["number"] for r in rows]
    assert numbers == sorted(numbers)
    listed = agent.get("/cmdb/", params={"q": "bulk", "page": "6"})
    pages = [a.text for a in listed.html.select(".pagination a")]
    assert pages == ["1", "3", "4", "5", "6", "7", "8", "9", "12"]
    assert listed.html.select_one(".pagination [aria-current=page]").text == "6"
