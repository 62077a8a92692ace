"""Helpers of the operations checks: an ini file for the admin commands on a given database,
the commands run as processes, and tickets written the way people write them (the API, and
the incident page's form for attachments)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import TEST_INI, AppHandle, csrf_of
from tests.plugins.storages import BIN


def ini_for(uri: str, path: Path) -> Path:
    """The suite's ini with ``zodbconn.uri`` set to ``uri``, written to ``path``."""
    text, count = re.subn(
        r"(?m)^zodbconn\.uri = .*$",
        lambda _: f"zodbconn.uri = {uri}",
        TEST_INI.read_text(encoding="utf-8"),
    )
    assert count == 1, f"{TEST_INI} has no zodbconn.uri line"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path, expect: int = 0, timeout: float = 300) -> subprocess.CompletedProcess:
    """A console script of the venv (or a tool on PATH) as a separate process."""
    name = str(args[0])
    program = str(BIN / name) if (BIN / name).exists() else name
    result = subprocess.run(
        [program, *map(str, args[1:])],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == expect, (
        f"{name} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


def token_for(app: AppHandle, login: str) -> dict[str, str]:
    from itsm.security.tokens import create_token

    token = app.write(lambda root: create_token(root.tokens, login, "operations"))
    return {"Authorization": f"Bearer {token}"}


def report(client: Any, headers: dict[str, str], title: str) -> str:
    body = {"title": title, "description": f"{title}: details", "impact": "low", "urgency": "low"}
    return client.post_json("/api/v1/incidents", body, headers=headers, status=201).json["number"]


def attach(agent: Any, number: str, content: bytes | None = None) -> bytes:
    """An internal note with a file, through the incident page's form; the file's bytes."""
    content = content if content is not None else secrets.token_bytes(3000)
    page = agent.get(f"/incidents/{number}/")
    agent.post(
        f"/incidents/{number}/@@reply",
        {"csrf_token": csrf_of(page), "kind": "note", "body": f"log for {number}"},
        upload_files=[("files", f"{number}.bin", content)],
        status=303,
    )
    return content


def edit(client: Any, headers: dict[str, str], number: str, text: str) -> None:
    client.post_json(
        f"/api/v1/incidents/{number}/journal",
        {"kind": "note", "body": text},
        headers=headers,
        status="2*",
    )
