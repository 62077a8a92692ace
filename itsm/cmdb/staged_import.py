"""The CSV import from the web page: upload, preview (a dry run), confirm.

The uploaded bytes wait between the preview and the confirmation as a ZODB blob under a
random token, readable only by the person who uploaded them and only for :data:`STAGED_TTL`;
no file name or path from the browser is ever used on disk. The rows go through the same
:class:`itsm.cmdb.importer.Importer` as ``itsm-import``, with the same detection of the
encoding and the delimiter. A confirmed import runs in the request's one transaction, so it
is all or nothing; afterwards the record keeps the counts and the rejected rows as CSV.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.cmdb.classes import CiClass, cmdb_settings, ensure_cmdb_settings
from itsm.cmdb.importer import (
    NO_NAME,
    Importer,
    ImportFileError,
    Outcome,
    Summary,
    apply_rows,
    map_headers,
    parse_csv,
    rejects_csv,
)
from itsm.i18n import _
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment, make_attachment

#: How long an uploaded file waits for its confirmation.
STAGED_TTL = timedelta(hours=2)
#: Default of ``itsm.cmdb.import_max_bytes``: the largest file the page takes (the command
#: line takes any size, in batches).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
#: The most rows the page imports: the confirmation is one request and one transaction (and
#: holds the process's write lock), so a bigger file goes to ``itsm-import``, which batches.
MAX_ROWS = 2000


class StagedImport(Persistent):
    """An uploaded CSV file waiting for its owner to confirm the import, then its outcome."""

    __parent__: Any = None
    __name__: str | None = None
    #: After the import: ``{"created", "updated", "unchanged", "rejected"}`` counts.
    result: dict[str, int] | None = None
    done_at: datetime | None = None
    #: After the import, if rows were rejected: the rejects file (line, columns, reason).
    rejects: Attachment | None = None

    def __init__(
        self,
        token: str,
        owner: str,
        created: datetime,
        class_name: str,
        update: bool,
        upload: Attachment,
    ) -> None:
        self.token = token
        self.owner = owner
        self.created = created
        self.class_name = class_name
        self.update = update
        self.upload: Attachment | None = upload

    @property
    def filename(self) -> str:
        return self.upload.filename if self.upload is not None else ""

    def data(self) -> bytes:
        if self.upload is None:
            return b""
        with self.upload.blob.open("r") as handle:
            return handle.read()

    def expired(self, now: datetime) -> bool:
        return now - self.created > STAGED_TTL


def _store(root: Any, create: bool) -> Any:
    settings = ensure_cmdb_settings(root) if create else cmdb_settings(root)
    store = settings.staged_imports
    if store is None and create:
        store = settings.staged_imports = OOBTree()
    return store


@dataclass
class CheckedFile:
    """A readable CSV file for a class: its rows and how its columns map to fields."""

    headers: list[str]
    rows: list[dict[str, str]]
    encoding: str
    delimiter: str
    mapping: dict[str, str]
    unknown: list[str]


def check_file(data: bytes, ci_class: CiClass) -> CheckedFile:
    """Parse and map the file; ImportFileError (translatable) when it cannot be imported."""
    try:
        headers, rows, encoding, delimiter = parse_csv(data)
    except csv.Error as exc:
        raise ImportFileError(
            _("The file is not a valid CSV file: ${detail}", mapping={"detail": str(exc)})
        ) from None
    mapping, unknown = map_headers(headers, ci_class)
    if "name" not in mapping.values():
        raise ImportFileError(NO_NAME)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _(
                "The file has ${n} rows; the page imports at most ${max} at a time. Split it, or "
                "give it to an administrator to import with the itsm-import command.",
                mapping={"n": len(rows), "max": MAX_ROWS},
            )
        )
    return CheckedFile(headers, rows, encoding, delimiter, mapping, unknown)


def stage(
    root: Any,
    owner: str,
    now: datetime,
    class_name: str,
    update: bool,
    filename: str,
    data: bytes,
) -> StagedImport:
    """Keep ``data`` for its owner under a new random token (and drop expired uploads)."""
    store = _store(root, create=True)
    for token in [t for t, staged in store.items() if staged.expired(now)]:
        del store[token]
    upload = make_attachment(filename or "import.csv", io.BytesIO(data), len(data), "text/csv")
    token = secrets.token_urlsafe(24)
    staged = StagedImport(token, owner, now, class_name, update, upload)
    store[token] = staged
    return staged


def find_staged(root: Any, token: str, owner: str, now: datetime) -> StagedImport | None:
    """The owner's upload under ``token``; None for anyone else's, an expired or unknown one."""
    store = _store(root, create=False)
    if store is None or not token or len(token) > 64:
        return None
    staged = store.get(token)
    if staged is None or not secrets.compare_digest(staged.owner, owner or ""):
        return None
    if staged.expired(now):
        return None
    return staged


@dataclass
class Run:
    """One pass over the file: each row's outcome and the counts."""

    checked: CheckedFile
    outcomes: list[Outcome]
    summary: Summary = field(default_factory=Summary)

    def rows(self) -> list[dict[str, Any]]:
        """Per row: line, outcome, the CI number, the row's name and the reason."""
        name_header = next((h for h, t in self.checked.mapping.items() if t == "name"), None)
        return [
            {
                "line": outcome.line,
                "action": outcome.action,
                "number": "" if outcome.number.startswith("CI-DRY") else outcome.number,
                "name": (row.get(name_header) or "").strip() if name_header else "",
                "reason": outcome.reason,
            }
            for outcome, row in zip(self.outcomes, self.checked.rows, strict=True)
        ]


def run(
    ctx: ActionContext,
    staged: StagedImport,
    ci_class: CiClass,
    *,
    dry_run: bool,
    resolve: Any = None,
    translate: Any = None,
) -> Run:
    """Every row of the staged file through the importer, in the caller's transaction (a dry
    run changes objects too: the caller must abort or doom that transaction)."""
    checked = check_file(staged.data(), ci_class)
    importer = Importer(
        ctx,
        ci_class,
        update=staged.update,
        dry_run=dry_run,
        resolve=resolve,
        translate=translate,
    )
    outcomes = apply_rows(importer, checked.rows)
    result = Run(checked, outcomes)
    for outcome, row in zip(outcomes, checked.rows, strict=True):
        result.summary.add(outcome, row)
    return result


def finish(staged: StagedImport, result: Run, now: datetime) -> None:
    """Record the outcome of the real import, keep the rejects, and let the upload go."""
    summary = result.summary
    staged.result = {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
    }
    staged.done_at = now
    if summary.rejects:
        checked = result.checked
        text = "\ufeff" + rejects_csv(checked.headers, summary, checked.delimiter)
        data = text.encode("utf-8")
        stem = staged.filename.rsplit(".", 1)[0] or "import"
        staged.rejects = make_attachment(
            f"{stem}.rejects.csv", io.BytesIO(data), len(data), "text/csv"
        )
    staged.upload = None
