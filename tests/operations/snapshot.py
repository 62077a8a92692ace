"""What "restored data identical" means for the operations checks (R12, R13): every object
reachable from the database's root (its record and tid), the sha256 of every blob, and a JSON
export of every ticket as the API gives it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ZODB.utils import get_pickle_metadata, load_current, z64

TICKET_KINDS = ("incidents", "requests", "changes", "problems")


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def objects(db: Any) -> dict[str, dict[str, str]]:
    """oid → ``{"class", "tid", "state"}`` (sha256 of the pickle) and ``"blob"`` (sha256 of
    the file) for blobs, for every object reachable from the root. Loading every one of them is
    also the "read everything" of R13: a POSKeyError or a missing blob file raises here."""
    from ZODB.serialize import referencesf

    storage = db.storage
    found: dict[str, dict[str, str]] = {}
    todo = [z64]
    while todo:
        oid = todo.pop()
        if oid.hex() in found:
            continue
        data, tid = load_current(storage, oid)
        module, name = get_pickle_metadata(data)
        entry = {
            "class": f"{module}.{name}",
            "tid": tid.hex(),
            "state": hashlib.sha256(data).hexdigest(),
        }
        if (module, name) == ("ZODB.blob", "Blob"):
            entry["blob"] = sha256_file(storage.loadBlob(oid, tid))
        found[oid.hex()] = entry
        todo.extend(referencesf(data))
    return found


def blobs(snapshot: dict[str, dict[str, str]]) -> dict[str, str]:
    return {oid: entry["blob"] for oid, entry in snapshot.items() if "blob" in entry}


def tickets_json(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Every ticket of every kind, listed and fetched one by one through the JSON API."""
    export: dict[str, Any] = {}
    for kind in TICKET_KINDS:
        page = 1
        while True:
            listing = client.get(
                f"/api/v1/{kind}", params={"page": page, "per_page": 100}, headers=headers
            ).json
            for item in listing["items"]:
                number = item["number"]
                export[number] = client.get(f"/api/v1/{kind}/{number}", headers=headers).json
            if page * listing["per_page"] >= listing["total"]:
                break
            page += 1
    return json.loads(json.dumps(export, sort_keys=True))
