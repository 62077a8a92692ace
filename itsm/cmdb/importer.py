"""``itsm-import INI FILE.csv --class Laptop [--update] [--dry-run]``: CSV into the CMDB.

- The file may be UTF-8 (with or without a BOM) or Windows-1251, separated by ``;`` or ``,``:
  both are detected.
- Columns map to fields by header: a field's name (``serial``, ``ram_gb``), its English or
  Russian title (``Серийный номер``), case and spaces ignored. Unknown columns are listed and
  ignored.
- Every row is validated with the class's schema; rows that fail are written, with the
  reason, to a rejects file (``FILE.rejects.csv`` unless ``--rejects`` says otherwise).
- A row whose serial is already registered in the class is rejected, or with ``--update``
  compared with the CI and changed only where it differs (``unchanged`` otherwise). The
  status of an existing CI is not changed by an import (it moves through the lifecycle).
- Rows are written in batches of 500, one transaction each: an error leaves whole batches,
  and running the same import again with ``--update`` resumes (done rows are unchanged).
- ``--dry-run`` validates and counts everything and writes nothing.

Exit status: 0 when every row was taken, 2 when some were rejected, 1 when the import could
not run (unknown class, unreadable file, database held by another process).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itsm.cmdb.classes import CiClass, cmdb_settings
from itsm.cmdb.lifecycle import set_owner
from itsm.cmdb.register import (
    CmdbError,
    changes_of,
    check_owner,
    create_ci,
    find_class,
    serial_holder,
    update_ci,
    validate,
)
from itsm.i18n import _
from itsm.tickets.context import ActionContext

COMMAND = "itsm-import"
BATCH = 500
#: Header aliases of the base fields (normalised: lower case, single spaces).
ALIASES = {
    "name": ("name", "title", "название", "наименование", "имя"),
    "serial": (
        "serial",
        "serial number",
        "serial no",
        "asset tag",
        "серийный номер",
        "инвентарный номер",
        "серийный номер / инвентарный номер",
        "serial number / asset tag",
    ),
    "status": ("status", "статус", "состояние"),
    "owner": ("owner", "owner (login)", "владелец", "пользователь", "логин владельца"),
    "location": ("location", "местоположение", "расположение", "место"),
    "department": ("department", "отдел", "подразделение"),
    "purchase_date": ("purchase date", "purchased", "дата покупки", "куплен"),
    "warranty_end": ("warranty end", "warranty ends", "гарантия до", "окончание гарантии"),
    "cost": ("cost", "price", "стоимость", "цена"),
    "notes": ("notes", "note", "comment", "примечание", "примечания", "комментарий"),
}


NOT_TEXT = _(
    "The file is not a CSV text file in UTF-8 or Windows-1251 (save it from the spreadsheet "
    "as “CSV”)."
)
NO_HEADER = _("The file is empty or has no header row.")
NO_NAME = _("The file has no name column (name / название).")

#: Columns of our own CSV export that an import skips without a word.
IGNORED = frozenset({"class", "класс", "number", "номер", "line", "reason", "fields"})


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").replace("\ufeff", "").strip().lower().split())


class ImportFileError(ValueError):
    """A file the import cannot read at all; ``message`` is translatable."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding: UTF-8 when it decodes as such, Windows-1251 otherwise.
    ImportFileError for bytes that are neither (a spreadsheet, UTF-16, an image)."""
    if b"\x00" in data:
        raise ImportFileError(NOT_TEXT)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "windows-1251"
    except UnicodeDecodeError:
        raise ImportFileError(NOT_TEXT) from None


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever the header line has more of (``;`` on a tie)."""
    first = text.split("\n", 1)[0]
    return "," if first.count(",") > first.count(";") else ";"


def map_headers(headers: list[str], ci_class: CiClass) -> tuple[dict[str, str], list[str]]:
    """``{header: field}`` (class fields as ``fields.<name>``) and the headers left unknown."""
    lookup: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in (name, *aliases):
            lookup[_norm(alias)] = name
    for definition in ci_class.fields:
        for alias in (definition.name, definition.title, definition.title_ru):
            if alias:
                lookup[_norm(alias)] = f"fields.{definition.name}"
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        norm = _norm(header or "")
        target = lookup.get(norm)
        if target is None or target in mapping.values():
            if norm not in IGNORED:
                unknown.append(header)
            continue
        mapping[header] = target
    return mapping, unknown


def row_values(row: dict[str, str], mapping: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {"fields": {}}
    for header, target in mapping.items():
        value = row.get(header)
        value = value.strip() if isinstance(value, str) else ""
        if target.startswith("fields."):
            raw["fields"][target.removeprefix("fields.")] = value
        else:
            raw[target] = value
    if raw.get("cost"):
        # Russian spreadsheets write 125 000,50.
        raw["cost"] = raw["cost"].replace("\xa0", "").replace(" ", "").replace(",", ".")
    if raw.get("status"):
        raw["status"] = raw["status"].lower().replace(" ", "_")
    return raw


@dataclass
class Outcome:
    line: int
    action: str  # created | updated | unchanged | rejected
    number: str = ""
    reason: str = ""


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[tuple[dict[str, str], int, str]] = field(default_factory=list)

    def add(self, outcome: Outcome, row: dict[str, str]) -> None:
        setattr(self, outcome.action, getattr(self, outcome.action) + 1)
        if outcome.action == "rejected":
            self.rejects.append((row, outcome.line, outcome.reason))

    def line(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        )


class Importer:
    """Applies rows to the CMDB within the caller's transaction."""

    def __init__(
        self,
        ctx: ActionContext,
        ci_class: CiClass,
        *,
        update: bool,
        dry_run: bool,
        resolve: Any = None,
        translate: Any = None,
    ) -> None:
        self.ctx = ctx
        self.translate = translate or _english
        self.ci_class = ci_class
        self.update = update
        self.dry_run = dry_run
        self.resolve = resolve

    def apply(self, line: int, raw: dict[str, Any]) -> Outcome:
        try:
            return self._apply(line, raw)
        except CmdbError as error:
            return Outcome(line, "rejected", reason=error.text(self.translate))

    def _apply(self, line: int, raw: dict[str, Any]) -> Outcome:
        ctx, root = self.ctx, self.ctx.root
        serial = (raw.get("serial") or "").strip()
        holder = serial_holder(root, self.ci_class.name, serial) if serial else None
        if holder is None:
            number = f"CI-DRY{line:07d}" if self.dry_run else None
            ci = create_ci(ctx, self.ci_class.name, raw, number=number, resolve_owner=self.resolve)
            return Outcome(line, "created", ci.number)
        if not self.update:
            return Outcome(
                line,
                "rejected",
                holder,
                self.translate(
                    _(
                        "Serial number ${serial} is already registered as ${number}; import "
                        "with “update existing” (--update) to change it.",
                        mapping={"serial": serial, "number": holder},
                    )
                ),
            )
        ci = root["cmdb"][holder]
        values = validate(self.ci_class, raw, partial=True)
        owner = values.pop("owner", ci.owner) or None
        values.pop("status", None)
        changes = changes_of(ci, values)
        if owner != ci.owner:
            check_owner(ctx, owner, self.resolve)
        if not changes and owner == ci.owner:
            return Outcome(line, "unchanged", holder)
        update_ci(ctx, ci, {k: v for k, v in raw.items() if k not in ("owner", "status")})
        if owner != ci.owner:
            set_owner(ctx, ci, owner, None)
        return Outcome(line, "updated", holder)


def parse_csv(data: bytes) -> tuple[list[str], list[dict[str, str]], str, str]:
    """Headers, non-empty rows, encoding and delimiter of a CSV file's bytes.
    ImportFileError when it is not text or has no header; csv.Error when it is not CSV."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader if any(isinstance(v, str) and v.strip() for v in row.values())]
    headers = list(reader.fieldnames or [])
    if not any(h and h.strip() for h in headers):
        raise ImportFileError(NO_HEADER)
    return headers, rows, encoding, delimiter


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]], str, str]:
    return parse_csv(path.read_bytes())


def apply_rows(importer: Importer, rows: list[dict[str, str]], start: int = 0) -> list[Outcome]:
    """Each row through ``importer``; line numbers count the header as line 1, as a
    spreadsheet shows them (``start``: rows before these)."""
    mapping, _unknown = map_headers(list(rows[0].keys()) if rows else [], importer.ci_class)
    return [
        importer.apply(start + offset + 2, row_values(row, mapping))
        for offset, row in enumerate(rows)
    ]


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, stream: Any = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.width = width
        self.shown = -1

    def update(self, done: int) -> None:
        percent = done * 100 // self.total
        if percent == self.shown and done != self.total:
            return
        self.shown = percent
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} ({percent}%)")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _chunks(items: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def rejects_csv(headers: list[str], summary: Summary, delimiter: str) -> str:
    """The rejected rows as CSV text: their line, their columns, and the reason."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["line", *headers, "reason"])
    for row, line, reason in summary.rejects:
        writer.writerow([line, *(row.get(h, "") for h in headers), reason])
    return out.getvalue()


def write_rejects(path: Path, headers: list[str], summary: Summary, delimiter: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(rejects_csv(headers, summary, delimiter))


def main(argv: list[str] | None = None) -> None:
    from itsm.scripts.env import fail, open_env

    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Import configuration items from a CSV file."
    )
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    parser.add_argument("file", type=Path, help="the CSV file (UTF-8 or Windows-1251)")
    parser.add_argument("--class", dest="ci_class", required=True, help="the CI class, e.g. Laptop")
    parser.add_argument("--update", action="store_true", help="change CIs whose serial exists")
    parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    parser.add_argument("--rejects", type=Path, help="where rejected rows go (FILE.rejects.csv)")
    parser.add_argument("--batch", type=int, default=BATCH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        headers, rows, encoding, delimiter = read_rows(args.file)
    except OSError as exc:
        fail(COMMAND, f"cannot read {args.file}: {exc.strerror or exc}")
    except csv.Error as exc:
        fail(COMMAND, f"{args.file} is not a CSV file: {exc}")
    except ImportFileError as exc:
        fail(COMMAND, f"{args.file}: {_english(exc.message)}")
    rejects_path = args.rejects or args.file.with_name(args.file.stem + ".rejects.csv")
    summary = Summary()
    with open_env(COMMAND, args.ini) as env:
        from itsm.directory import make_directory
        from itsm.people.records import find_or_fetch

        env.tm.begin()
        try:
            names = cmdb_settings(env.root).names()
            try:
                ci_class = find_class(env.root, args.ci_class)
            except CmdbError:
                fail(COMMAND, f"unknown CI class {args.ci_class!r}; known: {', '.join(names)}")
        finally:
            env.tm.abort()
        mapping, unknown = map_headers(headers, ci_class)
        print(
            f"{args.file}: {len(rows)} rows, {encoding}, separated by {delimiter!r}",
            file=sys.stderr,
        )
        if unknown:
            print(f"ignored columns: {', '.join(unknown)}", file=sys.stderr)
        if "name" not in mapping.values():
            fail(COMMAND, _english(NO_NAME))
        progress = Progress(len(rows))
        for start, batch in _chunks(rows, max(1, args.batch)):
            outcomes: list[Outcome] = []
            if args.dry_run:
                env.tm.begin()
                try:
                    outcomes = _run_batch(
                        env, ci_class, args, start, batch, make_directory, find_or_fetch
                    )
                finally:
                    env.tm.abort()
            else:
                outcomes = env.transact(
                    lambda _root, start=start, batch=batch: _run_batch(
                        env, ci_class, args, start, batch, make_directory, find_or_fetch
                    )
                )
            for outcome, row in zip(outcomes, batch, strict=True):
                summary.add(outcome, row)
            progress.update(start + len(batch))
        progress.close()
    if summary.rejects:
        write_rejects(rejects_path, headers, summary, delimiter)
    note = " (dry run: nothing written)" if args.dry_run else ""
    print(summary.line() + note)
    if summary.rejects:
        print(f"rejected rows and reasons: {rejects_path}")
        raise SystemExit(2)


def _run_batch(
    env: Any,
    ci_class: CiClass,
    args: Any,
    start: int,
    batch: list[dict[str, str]],
    make_directory: Any,
    find_or_fetch: Any,
) -> list[Outcome]:
    root = env.root
    directory = make_directory(env.registry, root)
    roles = env.registry.itsm_settings.roles

    def resolve(login: str) -> Any:
        return find_or_fetch(root["people"], directory, login, roles)

    ctx = ActionContext(root, env.registry, datetime.now(UTC), None, frozenset({"system"}))
    importer = Importer(ctx, ci_class, update=args.update, dry_run=args.dry_run, resolve=resolve)
    return apply_rows(importer, batch, start)


def _english(term: Any) -> str:
    """A translation string's English text with its placeholders filled (for the terminal)."""
    return term.interpolate() if hasattr(term, "interpolate") else str(term)


if __name__ == "__main__":  # pragma: no cover
    main()
