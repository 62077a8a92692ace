"""``itsm-import-events INI FILE.csv``: bring a department's incident history from another tool.

The input is an event log with one row per update of an incident, such as ServiceNow's export
(the public UCI "incident management process enriched event log"). Rows are folded into one
historical record per ``number``: the row with the highest ``sys_mod_count`` (else the last
one) gives the final state, the times, priority, group, category and counts.

History becomes report facts (``TicketFacts`` with ``imported`` set), not Incident objects:
old tickets must feed the figures, but they are not work — they must not appear in queues,
start SLA clocks for the sweep, mail anyone, or grow the catalog's text index by thousands of
closed records. Their own tool measured SLA with its own calendar, so the business times stay
empty and ``made_sla`` is taken as the resolution target's outcome.

Columns used: ``number``, ``incident_state``, ``sys_created_at`` (or ``opened_at``),
``resolved_at``, ``closed_at``, ``priority`` ("3 - Moderate"), ``reassignment_count``,
``reopen_count``, ``assignment_group``, ``category``, ``made_sla``, and when present
``contact_type``, ``assigned_to``, ``resolved_by``, ``caller_id``, ``sys_mod_count``. Missing
values are ``?`` or empty. Times are ``d/m/yyyy HH:MM`` (or ISO 8601) in ``--timezone``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from itsm.reports.facts import TicketFacts

COMMAND = "itsm-import-events"
REQUIRED = ("number", "incident_state", "priority")
CHANNELS = {
    "phone": "phone",
    "email": "email",
    "self service": "portal",
    "ivr": "phone",
    "direct opening": "portal",
}
ENDED = {
    "resolved": "resolved",
    "closed": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}
BATCH = 2000


class EventLogError(ValueError):
    """The file cannot be read as an event log."""


@dataclass
class ImportSummary:
    rows: int = 0
    incidents: int = 0
    written: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    open: int = 0


def _missing(value: str | None) -> bool:
    return value is None or value.strip() in ("", "?")


def parse_time(value: str | None, zone: ZoneInfo) -> datetime | None:
    """``29/2/2016 01:16`` or ISO 8601 (naive values are in ``zone``)."""
    if _missing(value):
        return None
    text = value.strip()
    try:
        moment = datetime.strptime(text, "%d/%m/%Y %H:%M")
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EventLogError(f"cannot read the time {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _int(value: str | None, default: int = 0) -> int:
    if _missing(value):
        return default
    text = value.strip().split(" ")[0]
    try:
        return int(text)
    except ValueError:
        return default


def _text(value: str | None) -> str:
    return "" if _missing(value) else value.strip()


def fold(rows: Iterable[dict[str, str]]) -> tuple[dict[str, dict[str, str]], int]:
    """The final row of each number (highest ``sys_mod_count``, ties: the later row)."""
    final: dict[str, dict[str, str]] = {}
    order: dict[str, int] = {}
    count = 0
    for row in rows:
        count += 1
        number = _text(row.get("number"))
        if not number:
            continue
        rank = _int(row.get("sys_mod_count"), count)
        if number not in final or rank >= order[number]:
            final[number], order[number] = row, rank
    return final, count


def facts_from_row(row: dict[str, str], zone: ZoneInfo) -> TicketFacts:
    """One historical incident from its final event row."""
    created = parse_time(row.get("sys_created_at"), zone) or parse_time(row.get("opened_at"), zone)
    if created is None:
        raise EventLogError("neither sys_created_at nor opened_at is given")
    state = _text(row.get("incident_state")).lower()
    status = ENDED.get(state, "open")
    resolved_at = parse_time(row.get("resolved_at"), zone)
    closed_at = parse_time(row.get("closed_at"), zone)
    if status == "open":
        # Still open when the log was exported: part of the backlog, not resolved.
        resolved_at = closed_at = None
    elif status == "closed" and resolved_at is None:
        resolved_at = closed_at
    ended_at = resolved_at or closed_at if status != "open" else None
    if resolved_at is not None and resolved_at < created:
        resolved_at = created
    reassignments = _int(row.get("reassignment_count"))
    reopens = _int(row.get("reopen_count"))
    made_sla = _text(row.get("made_sla")).lower()
    resolution_met = {"true": True, "false": False}.get(made_sla) if resolved_at else None
    resolver = _text(row.get("resolved_by"))
    assignee = _text(row.get("assigned_to"))
    return TicketFacts(
        number=_text(row.get("number")),
        kind="incident",
        created=created.astimezone(UTC),
        priority=min(5, max(1, _int(row.get("priority"), 3))),
        group=_text(row.get("assignment_group")),
        category=_text(row.get("category")),
        channel=CHANNELS.get(
            _text(row.get("contact_type")).lower(), _text(row.get("contact_type")).lower()
        ),
        assignee=assignee,
        requester=_text(row.get("caller_id")),
        status=status,
        resolved_at=resolved_at.astimezone(UTC) if resolved_at else None,
        ended_at=ended_at.astimezone(UTC) if ended_at else None,
        resolution_wall=(resolved_at - created).total_seconds() if resolved_at else None,
        resolution_met=resolution_met,
        reassignments=reassignments,
        reopens=reopens,
        first_agent=assignee if reassignments == 0 else "",
        resolver=resolver,
        fcr=(reassignments == 0 and reopens == 0) if resolved_at else None,
        imported=True,
    )


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The header and the rows of a CSV (``.gz`` is read through gzip; a BOM is dropped)."""
    raw = path.open("rb")
    stream = gzip.open(raw) if path.suffix == ".gz" else raw
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    headers = reader.fieldnames or []
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise EventLogError(f"missing columns: {', '.join(missing)}")
    return list(headers), reader


def import_facts(
    root: Any, facts: Iterable[TicketFacts], zone_name: str, summary: ImportSummary
) -> None:
    """Store imported facts; a number that is a ticket of this desk is skipped."""
    from itsm.reports.store import ensure_store

    store = ensure_store(root, zone_name)
    incidents = root.get("incidents")
    for item in facts:
        if incidents is not None and item.number in incidents:
            summary.skipped.append(f"{item.number}: a ticket of this desk has that number")
            continue
        if store.put(item):
            summary.written += 1
        else:
            summary.unchanged += 1


def main(argv: list[str] | None = None) -> None:
    from itsm.scripts.env import fail, open_env

    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Import incident history from an event log (CSV, or .csv.gz)."
    )
    parser.add_argument("ini", help="the ini file, e.g. etc/development.ini")
    parser.add_argument("file", type=Path, help="the event log")
    parser.add_argument("--timezone", help="zone of the times in the file (default: the reports')")
    parser.add_argument("--dry-run", action="store_true", help="read and count; write nothing")
    args = parser.parse_args(argv)
    with open_env(COMMAND, args.ini) as env:
        settings = env.registry.itsm_reports
        zone = ZoneInfo(args.timezone) if args.timezone else settings.zone
        try:
            _headers, rows = read_rows(args.file)
            final, count = fold(rows)
        except OSError as exc:
            fail(COMMAND, f"cannot read {args.file}: {exc.strerror or exc}")
        except (csv.Error, EventLogError, UnicodeDecodeError) as exc:
            fail(COMMAND, f"{args.file}: {exc}")
        summary = ImportSummary(rows=count, incidents=len(final))
        facts: list[TicketFacts] = []
        for number, row in final.items():
            try:
                facts.append(facts_from_row(row, zone))
            except EventLogError as exc:
                summary.skipped.append(f"{number}: {exc}")
        summary.open = sum(1 for f in facts if f.is_open)
        if not args.dry_run:
            from itsm.reports.jobs import refresh_all

            for start in range(0, len(facts), BATCH):
                batch = facts[start : start + BATCH]
                for attempt in env.tm.attempts(3):
                    with attempt:
                        import_facts(env.root, batch, settings.timezone, summary)
                print(f"{min(start + BATCH, len(facts))}/{len(facts)}", file=sys.stderr)
            for attempt in env.tm.attempts(3):
                with attempt:
                    days = refresh_all(env.root, datetime.now(UTC))
            print(f"{days} day(s) summarised", file=sys.stderr)
    print(
        f"{args.file}: {summary.rows} rows, {summary.incidents} incidents, "
        f"{summary.written} written, {summary.unchanged} unchanged, {summary.open} still open, "
        f"{len(summary.skipped)} skipped" + (" (dry run)" if args.dry_run else "")
    )
    for line in summary.skipped[:20]:
        print(f"  skipped {line}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover - ``python -m itsm.reports.importer``
    main()
