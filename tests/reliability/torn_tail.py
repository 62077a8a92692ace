"""R2: ``Data.fs`` cut at random offsets inside its last transaction, as a crash mid-commit
leaves it. FileStorage must open it (saving the cut-off bytes in ``Data.fs.trN``), every
earlier transaction must be intact, and the app must serve: pages, the earlier tickets, new
tickets."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ZODB.FileStorage.format import TRANS_HDR_LEN

from tests.reliability.harness import base_settings, copy_demo, file_uri, transactions


@dataclass
class TornTail:
    """The database with the last transaction written, and where that transaction lies."""

    directory: Path
    index_before: Path
    earlier: dict[str, str]  # number → title, committed before the last transaction
    last_number: str
    start: int  # offset of the last transaction's header
    end: int  # the file's size


@dataclass
class CutResult:
    offset: int
    problems: list[str] = field(default_factory=list)


def make_app(directory: Path) -> Any:
    from itsm import main

    settings = base_settings()
    settings["zodbconn.uri"] = file_uri(directory)
    return main({}, **settings)


def close_app(app: Any) -> None:
    from itsm.db import get_db

    get_db(app.registry).close()


def api_client(app: Any, token: str) -> Any:
    import webtest

    return webtest.TestApp(
        app,
        extra_environ={
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
        },
    )


def prepare(template: Path, directory: Path, earlier: int = 5) -> TornTail:
    """A demo database with ``earlier`` incidents, closed (its index file kept as a crash
    would find it), then one more incident made by a request: the last transaction."""
    from itsm.db import run_in_transaction
    from itsm.security.tokens import create_token

    copy_demo(template, directory)
    app = make_app(directory)
    token = run_in_transaction(
        app.registry, lambda root: create_token(root.tokens, "employee", "r2")
    )
    client = api_client(app, token)
    made: dict[str, str] = {}
    for n in range(earlier):
        title = f"Earlier ticket {n}"
        body = {"title": title, "description": f"body {n}", "impact": "low", "urgency": "low"}
        made[client.post_json("/api/v1/incidents", body, status=201).json["number"]] = title
    close_app(app)
    index_before = directory.parent / f"{directory.name}.index-before"
    shutil.copy(directory / "Data.fs.index", index_before)
    (directory / "token").write_text(token)

    app = make_app(directory)
    client = api_client(app, token)
    body = {"title": "The last one", "description": "cut", "impact": "low", "urgency": "low"}
    last = client.post_json("/api/v1/incidents", body, status=201).json["number"]
    close_app(app)
    *_, final = transactions(directory)
    return TornTail(
        directory, index_before, made, last, final._tpos, (directory / "Data.fs").stat().st_size
    )


def offsets(tail: TornTail, count: int, seed: int) -> list[int]:
    """``count`` distinct offsets strictly inside the last transaction, one of them inside its
    header (the case FileStorage treats on its own)."""
    rng = random.Random(seed)
    inside = range(tail.start + 1, tail.end)
    chosen = {tail.start + rng.randint(1, TRANS_HDR_LEN - 1)}
    while len(chosen) < min(count, len(inside)):
        chosen.add(rng.choice(inside))
    return sorted(chosen)


def check_cut(tail: TornTail, offset: int, work: Path) -> CutResult:
    """Cut a copy of the database at ``offset`` and check what R2 says must hold."""
    result = CutResult(offset)
    directory = work / f"cut-{offset}"
    directory.mkdir()
    with open(tail.directory / "Data.fs", "rb") as source, open(directory / "Data.fs", "wb") as out:
        out.write(source.read(offset))
    shutil.copy(tail.index_before, directory / "Data.fs.index")
    shutil.copytree(tail.directory / "blobs", directory / "blobs")
    token = (tail.directory / "token").read_text()
    try:
        app = make_app(directory)
    except Exception as exc:  # noqa: BLE001 - the finding of this check
        result.problems.append(f"does not open: {type(exc).__name__}: {exc}")
        return result
    try:
        saved = sorted(directory.glob("Data.fs.tr*"))
        if offset - tail.start >= TRANS_HDR_LEN and not saved:
            result.problems.append("no Data.fs.trN with the cut-off bytes")
        if saved and saved[0].stat().st_size != offset - tail.start:
            result.problems.append(f"{saved[0].name} has {saved[0].stat().st_size} bytes")
        client = api_client(app, token)
        if client.get("/healthz", expect_errors=True).status_int != 200:
            result.problems.append("/healthz is not 200")
        for number, title in tail.earlier.items():
            answer = client.get(f"/api/v1/incidents/{number}", expect_errors=True)
            if answer.status_int != 200 or answer.json["title"] != title:
                result.problems.append(f"earlier {number}: {answer.status}")
        if client.get(f"/api/v1/incidents/{tail.last_number}", expect_errors=True).status_int != (
            404
        ):
            result.problems.append(f"{tail.last_number} of the torn transaction is there")
        if client.get("/api/v1/incidents", expect_errors=True).status_int != 200:
            result.problems.append("the incident list does not answer")
        body = {"title": "After the crash", "description": "", "impact": "low", "urgency": "low"}
        created = client.post_json("/api/v1/incidents", body, expect_errors=True)
        if created.status_int != 201:
            result.problems.append(f"cannot create: {created.status}")
    finally:
        close_app(app)
    from tests.reliability.harness import storage_check

    problems = storage_check(directory)
    result.problems += [f"{name}: {text}" for name, text in problems.items() if text]
    shutil.rmtree(directory, ignore_errors=True)
    return result
