"""What a report is made of: tables of columns and plain rows, and where it reads its data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itsm.reports.filters import Filters
from itsm.reports.store import ReportStore


@dataclass(frozen=True)
class Column:
    key: str
    title: Any
    type: str = "count"  # text | count | share | duration | number | date | datetime


@dataclass
class Table:
    name: str
    title: Any
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: tuple[str, str, str] | None = None  # (kind: bar|line, label column, value column)


@dataclass
class Report:
    name: str
    title: Any
    definition: Any
    filters: Filters
    by: str = ""
    tables: list[Table] = field(default_factory=list)
    #: Who the figures are narrowed to, when not the whole desk (a manager's team).
    scope: Any = None


@dataclass(frozen=True)
class Source:
    """Where a report reads: the store, the desk root (for live lists), the time."""

    store: ReportStore | None
    root: Any
    now: datetime
    max_age_seconds: float = 0.0
    cache: Any = None  # itsm.reports.cache.SummaryCache
