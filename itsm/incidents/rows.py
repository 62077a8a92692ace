"""The rows of an incident list as HTML, written by code rather than a template.

A list page draws 50 rows of a dozen cells; in Chameleon each cell is a few name lookups in the
template's scope, which made the row macro the largest single cost of the agent's queue page
(bench/read_profile.py). Here a row is one f-string of escaped, final texts (:class:`Row`), and
the few fixed words ("Major", "Known error", the expected wait) are translated once a page.
The markup is what ``list.pt``'s table expects: a ``<tbody>`` with one ``<tr>`` per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape as _escape
from typing import Any

from itsm.i18n import _


def escape(value: Any) -> str:
    """Text for HTML: ``&<>"'`` as entities (element content and quoted attributes)."""
    return _escape(str(value), quote=True)


MAJOR = _("Major")
KNOWN_ERROR = _("Known error")
FIRST_ANSWER_BY = _("A first answer by ${when}")
RESOLUTION_BY = _("A resolution by ${when}")


def _wait(request: Any, incident: Any, first: str, resolution: str) -> str:
    """The employee's expected wait under the status, or nothing."""
    wait = request.itsm_ticket_wait(incident)
    if not wait:
        return ""
    if wait[0]:
        text = first.replace("${when}", escape(wait[0]))
    elif wait[1]:
        text = resolution.replace("${when}", escape(wait[1]))
    else:
        text = ""
    return f'<div class="small itsm-expected">{text}</div>'


class RowTexts:
    """The fixed words of a page's rows, translated and escaped once a page."""

    def __init__(self, tr: Callable[[Any], str]) -> None:
        self.major_badge = f'<span class="badge text-bg-danger ms-1">{escape(tr(MAJOR))}</span>'
        self.known_word = escape(tr(KNOWN_ERROR))
        self.first, self.resolution = escape(tr(FIRST_ANSWER_BY)), escape(tr(RESOLUTION_BY))


def sla_cell(badge: dict[str, str] | None) -> str:
    """A staff row's SLA cell (``Row.sla``: state, title and text, translated)."""
    if not badge:
        return "<td>\n      <span>—</span></td>"
    return (
        f'<td>\n      <span class="badge sla-badge sla-{escape(badge["state"])}" '
        f'title="{escape(badge["title"])}">{escape(badge["text"])}</span></td>'
    )


def row_parts(request: Any, row: Any, staff: bool, texts: RowTexts) -> tuple[str, str]:
    """A row's HTML before and after its SLA cell (staff; for employees, the whole row and
    ""): all but the SLA cell depends only on the incident, the language and the desk's
    names and known errors, so a page can keep these parts between writes."""
    number, url = escape(row.number), escape(row.url)
    cells = []
    if staff:
        cells.append(
            f'<td><input class="form-check-input" type="checkbox" name="incidents" '
            f'value="{number}" id="select-{number}">\n    <label class="visually-hidden" '
            f'for="select-{number}">{escape(row.select_label)}</label></td>'
        )
    cells.append(f'<td class="text-nowrap"><a href="{url}">{number}</a></td>')
    title = f'<td class="itsm-title-cell"><a href="{url}">{escape(row.title)}</a>'
    if row.major:
        title += "\n    " + texts.major_badge
    if staff and row.known_error:
        known = row.known_error
        title += (
            f'\n    <a class="badge text-bg-warning ms-1 itsm-ke-badge" href="{url}" '
            f'title="{escape(known.number)} {escape(known.title)}">{texts.known_word}</a>'
        )
    cells.append(title + "</td>")
    status = (
        f'<td><span class="badge status-badge status-{escape(row.status)}">'
        f"{escape(row.status_title)}</span>"
    )
    if not staff:
        status += f'\n    <div class="small text-muted">{escape(row.next_step)}</div>'
        status += _wait(request, row.incident, texts.first, texts.resolution)
    cells.append(status + "</td>")
    cells.append(
        f'<td><span class="badge prio-badge prio-{escape(row.priority)}">'
        f"{escape(row.priority_title)}</span></td>"
    )
    if staff:
        cells.append(f"<td>{escape(row.group)}</td>")
        cells.append(f"<td>{escape(row.assignee)}</td>")
    updated = (
        f'<td class="text-nowrap small"><time datetime="{escape(row.updated_iso)}" '
        f'data-local="">{escape(row.updated)}</time></td>'
    )
    head = f'<tr data-number="{number}">\n  ' + "\n  ".join(cells)
    if not staff:
        return head + "\n  " + updated + "\n</tr>", ""
    return head + "\n  ", "\n  " + updated + "\n</tr>"


def render_rows(request: Any, rows: Iterable[Any], staff: bool, tr: Callable[[Any], str]) -> str:
    """``<tbody>`` with the rows; ``tr`` translates (the page's :class:`Translated`)."""
    texts = RowTexts(tr)
    out = ["<tbody>"]
    for row in rows:
        head, tail = row_parts(request, row, staff, texts)
        out.append(head + sla_cell(row.sla) + tail if staff else head)
    out.append("</tbody>")
    # Every value above went through escape(): list.pt puts this in as structure.
    return "\n".join(out)
