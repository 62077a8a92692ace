"""The line diff between two versions of an article, for the versions page."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed" | "gap"
    text: str


def line_diff(before: str, after: str, context: int = 3) -> list[DiffLine]:
    """What changed from ``before`` to ``after``, line by line, with ``context`` unchanged
    lines around each change ("gap" marks lines left out). Text, not HTML: templates escape."""
    lines: list[DiffLine] = []
    a, b = (before or "").splitlines(), (after or "").splitlines()
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", line) for line in a[i1:i2]]
                continue
            if tag in ("delete", "replace"):
                lines += [DiffLine("removed", line) for line in a[i1:i2]]
            if tag in ("insert", "replace"):
                lines += [DiffLine("added", line) for line in b[j1:j2]]
    return lines
