"""Incident pages: report, "my incidents" and the queues, the incident and what people do to it.

Views stay thin: read the form, call a domain function (``intake``, ``actions``), redirect with
a flash. A refusal by the domain (``TransitionError``) re-renders the incident with its message
and the typed text kept, in a doomed transaction, so nothing half-done is committed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

import deform
from pyramid.csrf import get_csrf_token
from pyramid.encode import urlencode
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.renderers import render as render_template
from pyramid.response import Response
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.collisions import WHAT, StaleVersion, check_version, others_on, presence
from itsm.incidents.intake import IntakeError, create_incident
from itsm.incidents.models import Incident, Incidents, IncidentSettings
from itsm.incidents.queries import QUEUES, SORTS, list_incidents, queue_counts, shown_count
from itsm.incidents.rows import RowTexts, render_rows, row_parts, sla_cell
from itsm.incidents.schemas import (
    IMPACT_CHOICES,
    MAX_CIS,
    MAX_FILES,
    URGENCY_CHOICES,
    report_form,
)
from itsm.incidents.workflow import (
    CANCELLED,
    CLOSED,
    NEXT_STEP,
    OPEN_STATES,
    RESOLUTION_CODES,
    STATE_TITLES,
    STATES,
    WORKFLOW,
)
from itsm.problems.links import problem_of
from itsm.problems.matching import known_errors_for, matches, open_known_errors
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentRefused
from itsm.tickets.links import incident_links, set_caused_by
from itsm.tickets.presence import version_of
from itsm.tickets.priority import LEVEL_TITLES, PRIORITY_TITLES
from itsm.tickets.workflow import TransitionError
from itsm.ui.downloads import file_response
from itsm.ui.forms import (
    FormState,
    People,
    check_uploads,
    display_time,
    duration,
    flash,
    human_size,
    is_staff,
    iso_time,
    refused_message,
    store_uploads,
    translate,
    uploads,
)
from itsm.ui.layout import Layout
from itsm.ui.shell import KeptValues, ShellCache, kept_values, shells, snapshot_of

PER_PAGE = 50
KB_API = "/api/v1/kb"
INCIDENT_PT = "itsm:incidents/templates/incident.pt"
KIND_TITLES = {
    "reply": _("Reply"),
    "note": _("Internal note"),
    "worklog": _("Work log"),
    "system": _("Desk"),
}
SLA_KIND_TITLES = {"response": _("First response"), "resolution": _("Resolution")}
SLA_STATE_TITLES = {
    "running": _("Running"),
    "warning": _("Due soon"),
    "paused": _("Paused"),
    "breached": _("Breached"),
    "met": _("Met"),
}
ESCALATION_MODES = {
    "functional": _("Functional: to the next support tier"),
    "hierarchical": _("Hierarchical: notify the group lead"),
}
#: What the flash says after each action.
DONE = {
    "take": _("You took the incident."),
    "assign": _("The incident is assigned."),
    "start": _("Work started."),
    "wait": _("Waiting for the requester; the SLA clock is paused."),
    "resume": _("Work resumed."),
    "resolve": _("The incident is resolved."),
    "close": _("Thank you! The incident is closed."),
    "reopen": _("The incident is reopened."),
    "cancel": _("The incident is cancelled."),
    "escalate": _("The incident is escalated."),
    "merge": _("The incident is merged."),
    "reply": _("Your reply is sent."),
    "note": _("The internal note is saved."),
    "worklog": _("The work is logged."),
    "fields": _("The changes are saved."),
    "link": _("The configuration items are linked."),
    "major": _("This is now a major incident."),
}
#: Inputs each transition form may send (the rest of the POST is ignored).
TRANSITION_FIELDS = ("assignee", "group", "resolution_code", "resolution", "reason", "into", "mode")


# -- small helpers ------------------------------------------------------------------------------


def read_settings(root: Any) -> IncidentSettings:
    """The incident settings without creating them: a GET must not write."""
    return root["settings"].get("incidents") or IncidentSettings()


def split_numbers(text: str) -> list[str]:
    """ "INC-1, inc-2 ;INC-3" -> ["INC-1", "INC-2", "INC-3"]."""
    return [
        p.strip().upper() for p in text.replace(";", ",").replace("\n", ",").split(",") if p.strip()
    ]


def sla_badge(incident: Any, now: datetime, request: Any, tr: Any = None) -> dict[str, Any] | None:
    """The clock that matters now (response until answered, then resolution) for a list row."""
    sla = incident.sla
    if sla is None:
        return None
    kind = "response" if sla.finished_at("response") is None else "resolution"
    if incident.status not in OPEN_STATES:
        kind = "resolution"
    return clock_info(sla, kind, now, request, tr)


def clock_info(sla: Any, kind: str, now: datetime, request: Any, tr: Any = None) -> dict[str, Any]:
    """One SLA clock for display: its state and the time left (or over), in business time.
    ``tr`` translates (a :class:`Translated` of the request, or the plain localizer)."""
    state = sla.state(kind, now)
    remaining = sla.remaining(kind, now)
    # Translated now: a mapping value that is itself a TranslationString stays untranslated.
    time = tr(duration(remaining)) if tr is not None else translate(request, duration(remaining))
    if state in ("running", "warning"):
        text = _("${time} left", mapping={"time": time})
    elif state == "breached" and remaining < 0:
        text = _("${time} over", mapping={"time": time})
    elif state == "paused":
        text = _("Paused, ${time} left", mapping={"time": time})
    else:  # met, or breached and stopped: the badge says it all
        text = None
    return {
        "kind": kind,
        "title": SLA_KIND_TITLES[kind],
        "state": state,
        "state_title": SLA_STATE_TITLES.get(state, state),
        "text": text,
        "due": sla.due(kind),
        "finished": sla.finished_at(kind),
        "remaining": remaining,
    }


def badge_kept_until(sla: Any, info: dict[str, Any], now: datetime) -> float:
    """Until when (a timestamp) the badge of ``info`` (:func:`clock_info` at ``now``) stays
    the same while nothing is written: a stopped clock's for good; a running one's until its
    warning or due time, or until the minutes it shows change. Business time passes at most
    as fast as time does, so the minutes shown change no sooner than the seconds to the next
    whole minute of ``remaining`` (less while it counts down, more while it counts up)."""
    if info["finished"] is not None:
        return math.inf
    kind, remaining = info["kind"], info["remaining"]
    left = abs(remaining) % 60
    safe = left if remaining > 0 else 60 - left
    for moment in (sla.warn_at(kind), info["due"]):
        if moment is not None and moment > now:
            safe = min(safe, (moment - now).total_seconds())
    return now.timestamp() + safe - 0.001


# -- report -------------------------------------------------------------------------------------


@view_config(
    context=Incidents,
    name="new",
    permission=P.CREATE,
    renderer="itsm:incidents/templates/new.pt",
    require_csrf=False,
)
def report(context: Incidents, request: Any) -> Any:
    """The report form. CSRF is checked by hand so that a stale token keeps the typed text.

    ``?ci=CI-000001`` (from the CMDB's "Report a problem") says what the report is about; the
    numbers ride along in a hidden field and are checked again when the form is sent."""
    staff = is_staff(request)
    form = report_form(request, request.resource_url(context, "new"), staff=staff)
    if request.method != "POST":
        cis = report_cis(request, request.GET.getall("ci"))
        return _report_page(request, form.render({"ci": ci_field(cis)}), cis=cis)
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        # deform marks the fields; files cannot be kept (a browser never pre-fills a file input).
        sent_files = uploads(request, "upload")
        error = _("Please choose the files again.") if sent_files else None
        cis = report_cis(request, request.POST.getall("ci"))
        return _report_page(request, failure.render(), error, cis=cis)
    cis = report_cis(request, [appstruct["ci"]])
    typed = {k: appstruct[k] for k in ("title", "description", "impact", "urgency")}
    typed["ci"] = ci_field(cis)
    if staff:
        typed.update(requester=appstruct["requester"], channel=appstruct["channel"])
    if appstruct["csrf_token"] != get_csrf_token(request):
        request.response.status = 400
        error = _("Your session expired. Please send the form again (and choose the files again).")
        return _report_page(request, form.render(typed), error, cis=cis)
    ctx = ActionContext.from_request(request)
    requester, channel = ctx.actor, "portal"
    if staff:
        try:
            requester, channel = caller_of(request, appstruct["requester"]), appstruct["channel"]
        except IntakeError as error:
            request.tm.doom()
            request.response.status = 400
            html = _failed_form(form, typed, error.fields)
            return _report_page(request, html, _("Please correct the marked fields."), cis=cis)
    try:
        files = store_uploads(request, appstruct["attachments"])
        incident = create_incident(
            ctx,
            requester=requester,
            title=appstruct["title"],
            description=appstruct["description"],
            impact=appstruct["impact"],
            urgency=appstruct["urgency"],
            channel=channel,
            attachments=files,
            cis=[ci.number for ci in cis],
        )
    except (IntakeError, AttachmentRefused) as error:
        request.tm.doom()
        request.response.status = 400
        if isinstance(error, AttachmentRefused):
            fields = {"attachments": refused_message(request, error)}
        else:
            fields = error.fields
        html = _failed_form(form, typed, fields)
        return _report_page(request, html, _("Please correct the marked fields."), cis=cis)
    flash(request, _("Incident ${number} is registered.", mapping={"number": incident.number}))
    return HTTPSeeOther(location=request.resource_url(incident))


def caller_of(request: Any, login: str) -> str:
    """The requester an agent named on the report form, or :class:`IntakeError`."""
    from itsm.people.lookup import UnknownCaller, caller_login

    try:
        return caller_login(request, login)
    except UnknownCaller as error:
        raise IntakeError(error.message, {"requester": error.message}) from None


def report_cis(request: Any, values: Iterable[str]) -> list[Any]:
    """The configuration items a report is about: ``values`` are CI numbers, each value one or
    several ("CI-000001,CI-000002"). Unknown numbers are dropped, and so are CIs an employee
    does not own (staff may name any)."""
    numbers: dict[str, None] = {}
    for value in values:
        for part in split_numbers(str(value)):
            if len(part) <= 20 and len(numbers) < MAX_CIS:
                numbers[part] = None
    if not numbers:
        return []
    cmdb = request.itsm_root["cmdb"]
    identity = request.identity
    login = identity.login if identity is not None else None
    staff = is_staff(request)
    found = (cmdb.get(number) for number in numbers)
    return [ci for ci in found if ci is not None and (staff or (login and ci.owner == login))]


def ci_field(cis: Iterable[Any]) -> str:
    """The hidden ``ci`` field's value."""
    return ",".join(ci.number for ci in cis)


def _report_page(
    request: Any, form: str, error: Any = None, cis: Iterable[Any] = ()
) -> dict[str, Any]:
    return {
        "form": form,
        "error": error,
        "kb_url": kb_url(request),
        "staff": is_staff(request),
        "about": [
            {"number": ci.number, "name": ci.name, "url": request.resource_url(ci)} for ci in cis
        ],
    }


def kb_url(request: Any) -> str | None:
    """Where incidents.js asks for matching knowledge articles, once the KB's API exists."""
    spec = getattr(request.registry, "itsm_openapi", None)
    if spec is not None and KB_API in spec.paths:
        return request.application_url + KB_API
    return None


def _failed_form(form: deform.Form, appstruct: dict[str, Any], fields: Mapping[str, Any]) -> str:
    """Render ``form`` with the domain's field errors, as deform does with its own."""
    import colander

    invalid = colander.Invalid(form.schema, _("Some fields are not valid."))
    names = {child.name for child in form.schema.children}
    for name, message in fields.items():
        invalid[name if name in names else "title"] = message
    cstruct = form.schema.serialize(appstruct)
    form.widget.handle_error(form, invalid)
    return form.render(cstruct)


# -- lists --------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    """The list's query string, cleaned: only known keys with valid values reach the catalog."""

    queue: str = "mine"
    status: str = ""
    priority: str = ""
    group: str = ""
    assignee: str = ""
    category: str = ""
    q: str = ""
    sort: str = "priority"
    page: int = 1
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, request: Any, staff: bool, settings: IncidentSettings) -> ListFilters:
        get = request.GET
        filters = cls()
        queue = get.get("queue", "mine")
        filters.queue = queue if queue in QUEUES or queue == "all" else "mine"
        status = get.get("status", "")
        filters.status = status if status in STATES else ""
        priority = get.get("priority", "")
        filters.priority = priority if priority in ("1", "2", "3", "4", "5") else ""
        groups = request.itsm_root["settings"]["groups"]
        group = get.get("group", "")
        filters.group = group if group in groups else ""
        assignee = get.get("assignee", "").strip()
        filters.assignee = assignee[:100]
        category = get.get("category", "")
        filters.category = category if category in settings.categories else ""
        filters.q = get.get("q", "").strip()[:200]
        sort = get.get("sort", "")
        filters.sort = sort if sort in SORTS else ("priority" if staff else "updated")
        try:
            filters.page = max(1, min(int(get.get("page", "1")), 100_000))
        except ValueError:
            filters.page = 1
        return filters

    def params(self, staff: bool) -> dict[str, str]:
        """What ``list_incidents`` reads."""
        params: dict[str, str] = {"sort": self.sort}
        if self.q:
            params["q"] = self.q
        if self.status:
            params["status"] = self.status
        if staff:
            params["queue"] = "" if self.queue == "all" else self.queue
            for name in ("priority", "group", "assignee", "category"):
                value = getattr(self, name)
                if value:
                    params[name] = value
        return params

    def query(self, staff: bool, **changes: Any) -> dict[str, str]:
        """The query string of a link that keeps the filters (``changes`` override)."""
        names = ("queue", "status", "priority", "group", "assignee", "category", "q", "sort")
        if not staff:
            names = ("status", "q", "sort")
        values: dict[str, Any] = {name: getattr(self, name) for name in names}
        values.update(changes)
        page = values.pop("page", 1)
        query = {k: str(v) for k, v in values.items() if v not in ("", None)}
        if page != 1:
            query["page"] = str(page)
        return query


@view_config(
    context=Incidents,
    permission=P.VIEW,
    request_method="GET",
    renderer="itsm:incidents/templates/list.pt",
)
def incident_list(context: Incidents, request: Any) -> Any:
    """Employees: their incidents. IT staff: the queues, with filters and sorting.

    The page around the rows (layout, tabs, filter form, bulk bar, saved views) comes from
    :func:`list_shells`, rendered again after every write; the rows, the tabs' counts and the CSRF
    token are put in per request."""
    root = request.itsm_root
    staff = is_staff(request)
    settings = read_settings(root)
    filters = ListFilters.from_request(request, staff, settings)
    params = filters.params(staff)
    total, items = list_incidents(request, params, page=filters.page, per_page=PER_PAGE)
    now = datetime.now(UTC)
    people = People(root)
    counts = queue_counts(request) if staff else {}
    known = open_known_errors(root) if staff else []
    tr = Translated(request)
    if staff:
        rows: list[Any] = list(items)  # the shell asks only whether there are rows
        rows_html = staff_rows_html(request, items, now, known, people, tr)
    else:
        rows = list_rows(request, items, now, staff, known, people, tr)
        rows_html = render_rows(request, rows, staff, tr)
    session = request.session
    if any(session.peek_flash(queue) for queue in FLASH_QUEUES):
        # A message to show once: this page is not the one to keep.
        values = list_values(context, request, filters, staff, settings, total, items, rows)
        return {**values, "rows_html": rows_html, "counts": counts}
    token = get_csrf_token(request)

    def render() -> str:
        values = list_values(
            context, request, filters, staff, settings, total, items, rows, slots=True
        )
        return render_template("itsm:incidents/templates/list.pt", values, request=request)

    user = request.identity.login if request.identity is not None else ""
    shell = list_shells(request).get(request, (user, staff, total), render)
    pieces = {"rows": str(rows_html), "csrf": escape(token)}
    for queue in QUEUES:
        pieces[f"count_{queue}"] = shown_count(counts.get(queue, 0))
    response = request.response
    response.text = shell.fill(pieces)
    return response


def list_shells(request: Any) -> ShellCache:
    """The list pages rendered per reader and address, until the next write (itsm.ui.shell)."""
    return shells(request, "incidents.list")


FLASH_QUEUES = ("success", "info", "warning", "danger")


class _ShellLayout(Layout):
    """The layout of a shell: the CSRF token is a slot (a session's own), no flash messages
    (pages with messages are not kept)."""

    @property
    def csrf_token(self) -> str:
        return list_shells(self.request).slot("csrf")

    def flash(self) -> list[tuple[str, Any]]:
        return []


def list_values(
    context: Incidents,
    request: Any,
    filters: ListFilters,
    staff: bool,
    settings: IncidentSettings,
    total: int,
    items: list[Any],
    rows: list[Row],
    *,
    slots: bool = False,
) -> dict[str, Any]:
    """What ``list.pt`` shows but the rows' HTML and the counts; with ``slots`` those and the
    CSRF token are :func:`list_shells` slots."""
    root = request.itsm_root
    pages = max(1, math.ceil(total / PER_PAGE))
    people = People(root)
    groups = root["settings"]["groups"]
    workday: dict[str, Any] = {}
    if staff:
        # Bulk actions and saved views (itsm.incidents.views_bulk, views_saved).
        from itsm.incidents.views_bulk import bulk_bar
        from itsm.incidents.views_saved import saved_tabs

        workday = {**bulk_bar(request, filters, total), **saved_tabs(request, filters)}
    extra: dict[str, Any] = {}
    if slots:
        cache = list_shells(request)
        extra = {
            "layout": _ShellLayout(request),
            "rows_html": cache.slot("rows"),
            "counts": {queue: cache.slot(f"count_{queue}") for queue in QUEUES},
            "shown_count": str,
        }
    else:
        extra = {"shown_count": shown_count}
    return {
        **workday,
        "staff": staff,
        "filters": filters,
        "total": total,
        "items": items,
        "rows": rows,
        "page": filters.page,
        "pages": pages,
        "queues": QUEUES,
        "sorts": SORT_TITLES,
        "states": [(s, STATE_TITLES[s]) for s in STATES],
        "state_titles": STATE_TITLES,
        "next_step": NEXT_STEP,
        "priorities": PRIORITY_TITLES,
        "groups": [(name, g.localized_title(request.locale_name)) for name, g in groups.items()],
        "agents": people.agents() if staff else [],
        "categories": settings.categories,
        "people": people,
        "now": datetime.now(UTC),
        "page_url": page_urls(request, context, filters, staff),
        **extra,
    }


def page_urls(request: Any, context: Any, filters: ListFilters, staff: bool) -> Any:
    """``page_url(**changes)``: the list's address with the filters kept, built as
    ``request.resource_url(context, query=...)`` does but from one base (a page has a dozen)."""
    base = request.resource_url(context)

    def page_url(**changes: Any) -> str:
        query = filters.query(staff, **changes)
        return f"{base}?{urlencode(query, doseq=True)}" if query else base

    return page_url


@dataclass
class Row:
    """One line of an incident list, every text final (translated, formatted):
    :func:`itsm.incidents.rows.render_rows` only places and escapes them. Built from the
    incident in the request, so a row is never older than the incident."""

    number: str
    url: str
    title: str
    major: bool
    status: str
    status_title: str
    next_step: str
    priority: int
    priority_title: str
    group: str
    assignee: str
    updated_iso: str
    updated: str
    select_label: str
    sla: dict[str, Any] | None = None
    known_error: Any = None
    incident: Any = None  # the incident itself, for what a row asks of it (expected wait)


class Translated:
    """Translations of one request, each looked up once: a list page shows the same status,
    priority and SLA titles on every row, and each lookup costs a trip through the localizer."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self._done: dict[Any, str] = {}

    def __call__(self, term: Any) -> str:
        if not hasattr(term, "interpolate"):
            return str(term)
        # The message once, its mapping put in per call (as translationstring does): "3 h
        # 20 min left" and "5 min left" share one lookup. Mapping values here are final text.
        key = (str(term), term.default, term.domain)
        raw = self._done.get(key)
        if raw is None:
            plain = TranslationString(key[0], domain=term.domain, default=term.default)
            raw = self._done[key] = translate(self.request, plain)
        if raw and "$" in raw and term.mapping:
            return interpolate(raw, term)
        return raw

    def pattern(self, term: Any, name: str) -> str:
        """``term`` translated with ``${name}`` left in place, for str.replace per row."""
        return self(_(str(term), default=term.default, mapping={name: "${" + name + "}"}))


def interpolate(text: str, term: Any) -> str:
    """``term``'s mapping put into ``text`` (its translation): ``${name}`` by plain replacing,
    which is what a row's badge needs several times a row; translationstring's regular
    expression only for what is left (the ``$name`` form, unknown names stay as they are)."""
    for name, value in term.mapping.items():
        text = text.replace("${" + name + "}", str(value))
    return term.interpolate(text) if "$" in text else text


SELECT_LABEL = _("Select ${number}")


def list_rows(
    request: Any,
    items: Iterable[Any],
    now: datetime,
    staff: bool,
    known: list[Any],
    people: Any,
    tr: Translated | None = None,
) -> list[Row]:
    """The rows of an incident list page."""
    tr = tr or Translated(request)
    make = RowMaker(request, known, people, tr)
    rows = []
    for incident in items:
        row = make(incident, staff)
        if staff:
            row.sla = sla_texts(sla_badge(incident, now, request, tr), tr)
        rows.append(row)
    return rows


class RowMaker:
    """Makes the :class:`Row` of an incident (all but its SLA badge), with what a page's rows
    share looked up once."""

    def __init__(self, request: Any, known: list[Any], people: Any, tr: Translated) -> None:
        self.base = request.resource_url(request.itsm_root["incidents"])
        self.select = tr.pattern(SELECT_LABEL, "number")
        self.known, self.people, self.tr = known, people, tr

    def __call__(self, incident: Any, staff: bool) -> Row:
        tr = self.tr
        number, status, priority = incident.number, incident.status, incident.priority
        row = Row(
            number=number,
            url=f"{self.base}{number}/",
            title=incident.title,
            major=bool(incident.major),
            status=status,
            status_title=tr(STATE_TITLES.get(status, status)),
            next_step=tr(NEXT_STEP.get(status, "")),
            priority=priority,
            priority_title=tr(PRIORITY_TITLES.get(priority, priority)),
            group=incident.group or "—",
            assignee=self.people.name(incident.assignee) or "—",
            updated_iso=iso_time(incident.updated),
            updated=display_time(incident.updated),
            select_label=self.select.replace("${number}", number),
            incident=incident,
        )
        if staff:
            row.known_error = next(
                (p for p in self.known if p.number == incident.problem or matches(p, incident)),
                None,
            )
        return row


def sla_texts(badge: dict[str, Any] | None, tr: Translated) -> dict[str, str] | None:
    """A row's SLA badge as final texts (state, title, text), from :func:`sla_badge`."""
    if badge is None:
        return None
    text = badge["text"]
    return {
        "state": badge["state"],
        "title": tr(badge["title"]),
        "text": tr(text) if text else tr(badge["state_title"]),
    }


def staff_rows_html(
    request: Any,
    items: Iterable[Any],
    now: datetime,
    known: list[Any],
    people: Any,
    tr: Translated,
) -> str:
    """The ``<tbody>`` of a staff list, as :func:`list_rows` and ``render_rows`` make it, with
    each row's HTML but the SLA badge kept per incident and language (:func:`row_cache`) until
    the incident or anything else in the database changes; the badge is made per request."""
    cache, badges = row_cache(request), badge_cache(request)
    snapshot = snapshot_of(request)
    language = request.locale_name
    texts = RowTexts(tr)
    make: RowMaker | None = None
    out = ["<tbody>"]
    for incident in items:
        key = (incident._p_oid, language)
        version = (snapshot, incident._p_serial) if snapshot is not None else None
        parts = cache.get(key, version) if version is not None else None
        if parts is None:
            make = make or RowMaker(request, known, people, tr)
            parts = row_parts(request, make(incident, True), True, texts)
            if version is not None:
                cache.put(key, version, parts)
        out.append(parts[0] + badge_html(request, incident, now, version, tr, badges) + parts[1])
    out.append("</tbody>")
    return "\n".join(out)


def badge_html(
    request: Any,
    incident: Any,
    now: datetime,
    version: Any,
    tr: Translated,
    badges: KeptValues | None = None,
) -> str:
    """A staff row's SLA cell at ``now``, kept (:func:`badge_cache`) while it cannot change:
    the same incident, database and language, and ``now`` before :func:`badge_kept_until`."""
    badges = badges or badge_cache(request)
    key = (incident._p_oid, request.locale_name)
    moment = now.timestamp()
    if version is not None:
        kept = badges.get(key, version)
        if kept is not None and moment < kept[0]:
            return kept[1]
    info = sla_badge(incident, now, request, tr)
    html = sla_cell(sla_texts(info, tr))
    if version is not None:
        until = math.inf if info is None else badge_kept_until(incident.sla, info, now)
        if until > moment:
            badges.put(key, version, (until, html))
    return html


def badge_cache(request: Any) -> KeptValues:
    """Staff list rows' SLA cells by incident and language (see :func:`badge_html`)."""
    return kept_values(request, "incidents.badges", MAX_KEPT_ROWS)


def row_cache(request: Any) -> KeptValues:
    """Staff list rows' HTML by incident and language (see :func:`staff_rows_html`)."""
    return kept_values(request, "incidents.rows", MAX_KEPT_ROWS)


#: Rows kept per process (some 1.5 KiB each): the first pages of the busy queues.
MAX_KEPT_ROWS = 5000


SORT_TITLES = {
    "priority": _("Priority, then age"),
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "updated": _("Recently updated"),
    "due": _("Resolution due"),
}


def home_summary(request: Any) -> dict[str, Any]:
    """The incident block of the home page: an employee's latest five, or staff queue counts."""
    if request.identity is None:
        return {}
    if is_staff(request):
        counts = queue_counts(request)
        return {"staff": True, "queues": QUEUES, "counts": counts, "shown_count": shown_count}
    total, items = list_incidents(request, {"sort": "updated"}, page=1, per_page=5)
    return {
        "staff": False,
        "total": total,
        "items": items,
        "state_titles": STATE_TITLES,
        "next_step": NEXT_STEP,
        "display_time": display_time,
        "iso_time": iso_time,
    }


def home_section(request: Any) -> dict[str, Any]:
    """The home page's incident block (itsm.ui: ``config.add_itsm_home_section``)."""
    return {"incident_summary": home_summary(request)}


# -- the incident -------------------------------------------------------------------------------


def incident_values(
    context: Incident, request: Any, submitted: FormState | None = None
) -> dict[str, Any]:
    """Everything the incident page shows, for this reader."""
    root = request.itsm_root
    ctx = ActionContext.from_request(request)
    now = ctx.now
    staff = bool(request.has_permission(P.WORK, context))
    internal = bool(request.has_permission(P.INTERNAL, context))
    settings = read_settings(root)
    people = People(root)
    available = {t.name: t for t in WORKFLOW.available(context.status, ctx.roles_on(context))}
    groups = root["settings"]["groups"]
    sla = context.sla
    kinds = ("response", "resolution")
    clocks = [clock_info(sla, kind, now, request) for kind in kinds] if sla else []
    timeline = sla.timeline() if sla is not None else []
    language = request.locale_name
    canned = sorted(
        ((key, reply.localized(language)[0]) for key, reply in settings.canned.items()),
        key=lambda item: str(item[1]).casefold(),
    )
    me = ctx.actor
    problems = problem_panel(root, request, context) if staff else None
    if submitted is None and problems and problems["draft"]:
        submitted = FormState({"kind": "reply", "body": problems["draft"]}, form="reply")
    from itsm.incidents.views_watchers import workday_panel

    return {
        **workday_panel(request, context),
        "incident": context,
        "version": version_of(context),
        "collisions": (
            [_(WHAT[o["what"]].default, mapping=o) for o in others_on(request, context, now)]
            if staff
            else []
        ),
        "presence_url": request.resource_url(context, "@@presence") if staff else None,
        "problems": problems,
        "staff": staff,
        "internal": internal,
        "is_requester": me == context.requester,
        "entries": context.journal.visible(internal),
        "report_files": context.attachments,
        "available": available,
        "can_take": staff
        and "agent" in ctx.roles
        and "assign" in available
        and (context.assignee != me or "start" in available),
        "can_reply": bool(request.has_permission(P.COMMENT, context))
        and context.status not in (CLOSED, CANCELLED),
        "clocks": clocks,
        "timeline": timeline,
        "history": list(context.history) if staff else [],
        "people": people,
        "agents": people.agents() if staff else [],
        "groups": [(name, g.localized_title(language)) for name, g in groups.items()],
        "group_title": (
            groups[context.group].localized_title(language)
            if context.group in groups
            else (context.group or "")
        ),
        "categories": settings.categories,
        "canned": canned,
        "resolution_codes": RESOLUTION_CODES,
        "escalation_modes": ESCALATION_MODES,
        "impacts": IMPACT_CHOICES,
        "urgencies": URGENCY_CHOICES,
        "level_titles": LEVEL_TITLES,
        "kind_titles": KIND_TITLES,
        "state_titles": STATE_TITLES,
        "next_step": NEXT_STEP,
        "priorities": PRIORITY_TITLES,
        "submitted": submitted or FormState(),
        "change_links": incident_links(root, context) if staff else None,
        "display_time": display_time,
        "iso_time": iso_time,
        "human_size": human_size,
        "history_value": history_value,
        "history_action": history_action,
        "history_field": history_field,
        "max_size": human_size(request.registry.itsm_settings.attachment_max_bytes),
        "action_url": lambda name: request.resource_url(context, "@@" + name),
        "attachment_url": lambda entry_id, n: request.resource_url(
            context, "@@attachment", query={"entry": entry_id, "n": n}
        ),
    }


def problem_panel(root: Any, request: Any, incident: Incident) -> dict[str, Any]:
    """What IT staff see of problems on an incident: the problem it belongs to, the open known
    errors it matches (the banner), and the workaround as a reply draft right after "link to
    this known error" (``?draft=known-error``)."""
    problem = problem_of(root, incident)
    draft = ""
    if request.GET.get("draft") == "known-error" and problem is not None and problem.known_error:
        draft = problem.workaround
    return {
        "problem": problem,
        "known_errors": known_errors_for(root, incident) if incident.is_open else [],
        "draft": draft,
    }


def history_value(value: Any, record: Any = None) -> Any:
    """A history record's before/after as text (statuses by their titles)."""
    if record is not None and record.action == "transition" and value in STATE_TITLES:
        return STATE_TITLES[value]
    if record is not None and record.action == "journal" and isinstance(value, int):
        return f"#{value}"
    if value is None or value == "" or value == ():
        return "—"
    if isinstance(value, datetime):
        return display_time(value)
    if isinstance(value, tuple | list):
        return ", ".join(history_value(v) for v in value) or "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


HISTORY_ACTIONS = {
    "created": _("Reported"),
    "field": _("Changed"),
    "transition": _("Status"),
    "journal": _("Journal"),
    "escalation": _("Escalated"),
    "sla": _("SLA"),
    "link": _("Linked"),
}


def history_action(action: str) -> Any:
    return HISTORY_ACTIONS.get(action, action)


FIELD_TITLES = {
    "title": _("Title"),
    "description": _("Description"),
    "impact": _("Impact"),
    "urgency": _("Urgency"),
    "priority": _("Priority"),
    "category": _("Category"),
    "group": _("Group"),
    "assignee": _("Assignee"),
    "requester": _("Requester"),
    "cis": _("Configuration items"),
    "watchers": _("Watchers"),
    "channel": _("Channel"),
    "resolution_code": _("Resolution code"),
    "resolution": _("Resolution"),
    "parent": _("Part of"),
    "merged_into": _("Merged into"),
    "major": _("Major incident"),
}


def history_field(record: Any) -> Any:
    """The field, transition or journal kind a history record is about, for people."""
    name = record.field or ""
    if record.action == "journal":
        return KIND_TITLES.get(name, name)
    if record.action == "transition" and name in WORKFLOW.transitions:
        return WORKFLOW.transitions[name].title or name
    if record.action == "escalation":
        return ESCALATION_MODES.get(name, name)
    return FIELD_TITLES.get(name, name)


@view_config(context=Incident, permission=P.VIEW, request_method="GET", renderer=INCIDENT_PT)
def incident_page(context: Incident, request: Any) -> dict[str, Any]:
    if request.has_permission(P.WORK, context):
        # In memory only (itsm.tickets.presence): a GET never commits.
        presence(request.registry).touch(context.number, request.identity.login)
    return incident_values(context, request)


@view_config(
    context=Incident, name="presence", permission=P.WORK, request_method="GET", renderer="json"
)
def presence_view(context: Incident, request: Any) -> dict[str, Any]:
    """What collision.js asks every 20 s while the page is open: "I am here (and typing, with
    ``editing=1``)"; answers who else is, and the incident's current version."""
    editing = request.GET.get("editing") == "1"
    presence(request.registry).touch(context.number, request.identity.login, editing)
    others = others_on(request, context, datetime.now(UTC))
    return {
        "version": version_of(context),
        "others": [
            {
                "login": o["login"],
                "name": o["name"],
                "what": o["what"],
                "message": translate(request, _(WHAT[o["what"]].default, mapping=o)),
            }
            for o in others
        ],
    }


def _stale(
    context: Incident, request: Any, form: str, values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The refusal page when the form was made from an older version of the incident."""
    try:
        check_version(context, request.POST.get("version"), request.itsm_root["people"])
    except StaleVersion as error:
        return _refused(context, request, form, error, values)
    return None


def _refused(
    context: Incident, request: Any, form: str, error: TransitionError, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The incident again, with the refusal and the typed text; nothing of it is committed."""
    request.tm.doom()
    request.response.status = error.status
    submitted = FormState(values, error.fields, error.message, form=form)
    return incident_values(context, request, submitted)


def _invalid(
    context: Incident, request: Any, form: str, fields: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    request.tm.doom()
    request.response.status = 400
    submitted = FormState(values, fields, _("Some fields are not valid."), form=form)
    return incident_values(context, request, submitted)


def _back(request: Any, context: Incident, message: Any) -> HTTPSeeOther:
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(
    context=Incident,
    name="reply",
    request_method="POST",
    permission=P.COMMENT,
    renderer=INCIDENT_PT,
)
def reply(context: Incident, request: Any) -> Any:
    """A public reply (anyone who may comment), an internal note or logged work (IT staff).

    With ``apply_canned`` it only fills the reply box with a canned reply and shows the page."""
    post = request.POST
    ctx = ActionContext.from_request(request)
    kind = post.get("kind", "reply")
    body = post.get("body", "")
    values = {
        "kind": kind,
        "body": body,
        "minutes": post.get("minutes", ""),
        "canned": post.get("canned", ""),
    }
    if post.get("apply_canned") is None and (stale := _stale(context, request, "reply", values)):
        return stale
    if post.get("apply_canned") is not None:
        if not request.has_permission(P.WORK, context):
            raise HTTPNotFound()
        try:
            text = actions.canned_text(ctx, context, post.get("canned", ""), request.locale_name)
        except TransitionError as error:
            return _refused(context, request, "reply", error, values)
        values["body"] = f"{body.rstrip()}\n\n{text}".lstrip() if body.strip() else text
        values["kind"] = "reply"
        return incident_values(context, request, FormState(values, form="reply"))
    try:
        minutes = int(post.get("minutes") or 0)
        if not 0 <= minutes <= 10_000:
            raise ValueError
    except ValueError:
        return _invalid(context, request, "reply", {"minutes": _("A number of minutes.")}, values)
    files = uploads(request, "files")
    problem = check_uploads(request, files, MAX_FILES)
    if problem:
        return _invalid(context, request, "reply", {"files": problem}, values)
    try:
        attachments = store_uploads(request, files)
        actions.add_entry(ctx, context, kind, body, minutes=minutes, attachments=attachments)
    except AttachmentRefused as error:
        return _invalid(
            context, request, "reply", {"files": refused_message(request, error)}, values
        )
    except TransitionError as error:
        return _refused(context, request, "reply", error, values)
    return _back(request, context, DONE.get(kind, DONE["reply"]))


@view_config(
    context=Incident,
    name="transition",
    request_method="POST",
    permission=P.VIEW,
    renderer=INCIDENT_PT,
)
def transition(context: Incident, request: Any) -> Any:
    """Fire one transition (the workflow checks who may), or "take": assign to me, then start."""
    post = request.POST
    name = post.get("name", "")
    values = {k: post.get(k, "").strip() for k in TRANSITION_FIELDS}
    fields = {k: v for k, v in values.items() if v}
    ctx = ActionContext.from_request(request)
    form = name
    if stale := _stale(context, request, form, values):
        return stale
    if name in ("reopen", "wait") and not fields.get("reason"):
        return _invalid(context, request, form, {"reason": _("Required")}, values)
    try:
        if name == "take":
            if context.assignee != ctx.actor or context.status not in ("assigned", "in_progress"):
                actions.transition(ctx, context, "assign", {"assignee": ctx.actor})
            if context.status in WORKFLOW.transitions["start"].sources:
                actions.transition(ctx, context, "start", {})
        else:
            actions.transition(ctx, context, name, fields)
            if name == "reopen":
                # The reason goes into the journal, where the assignee reads it.
                kind = "reply" if ctx.actor == context.requester else "note"
                actions.add_entry(ctx, context, kind, fields["reason"])
    except TransitionError as error:
        return _refused(context, request, form, error, values)
    if name == "merge" and context.merged_into:
        message = _(
            "The incident is merged into ${number}.", mapping={"number": context.merged_into}
        )
        return _back(request, context, message)
    return _back(request, context, DONE.get(name, _("Done.")))


@view_config(
    context=Incident, name="fields", request_method="POST", permission=P.WORK, renderer=INCIDENT_PT
)
def change_fields(context: Incident, request: Any) -> Any:
    post = request.POST
    values = {k: post.get(k, "").strip() for k in actions.EDITABLE}
    changes = {k: v for k, v in values.items() if v}
    if "title" in post and not values["title"]:
        changes["title"] = ""  # refused by the domain with "Required"
    if stale := _stale(context, request, "fields", values):
        return stale
    ctx = ActionContext.from_request(request)
    try:
        changed = actions.update_fields(ctx, context, changes)
    except TransitionError as error:
        return _refused(context, request, "fields", error, values)
    return _back(request, context, DONE["fields"] if changed else _("Nothing changed."))


@view_config(
    context=Incident, name="link", request_method="POST", permission=P.WORK, renderer=INCIDENT_PT
)
def link(context: Incident, request: Any) -> Any:
    text = request.POST.get("cis", "")
    if stale := _stale(context, request, "link", {"cis": text}):
        return stale
    ctx = ActionContext.from_request(request)
    try:
        actions.link_cis(ctx, context, split_numbers(text))
    except TransitionError as error:
        return _refused(context, request, "link", error, {"cis": text})
    return _back(request, context, DONE["link"])


@view_config(
    context=Incident,
    name="caused-by-change",
    request_method="POST",
    permission=P.WORK,
    renderer=INCIDENT_PT,
)
def caused_by_change(context: Incident, request: Any) -> Any:
    """Link the incident to the change that caused it, or remove the link (empty number)."""
    text = request.POST.get("caused_by_change", "")
    ctx = ActionContext.from_request(request)
    try:
        changed = set_caused_by(ctx, context, text)
    except TransitionError as error:
        return _refused(context, request, "caused_by", error, {"caused_by_change": text})
    if not changed:
        message = _("Nothing changed.")
    elif context.caused_by_change:
        message = _("The incident is linked to the change that caused it.")
    else:
        message = _("The link to the change is removed.")
    return _back(request, context, message)


@view_config(
    context=Incident, name="major", request_method="POST", permission=P.WORK, renderer=INCIDENT_PT
)
def major(context: Incident, request: Any) -> Any:
    text = request.POST.get("children", "")
    if stale := _stale(context, request, "major", {"children": text}):
        return stale
    ctx = ActionContext.from_request(request)
    wanted = split_numbers(text)
    try:
        added = actions.make_major(ctx, context, wanted)
    except TransitionError as error:
        return _refused(context, request, "major", error, {"children": text})
    skipped = [n for n in wanted if n not in added and n not in context.children]
    if skipped:
        flash(
            request,
            _(
                "Not added (unknown, closed, or this incident): ${numbers}",
                mapping={"numbers": ", ".join(skipped)},
            ),
            "warning",
        )
    return _back(request, context, DONE["major"])


@view_config(context=Incident, name="reply", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="transition", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="fields", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="link", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="major", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="caused-by-change", request_method="GET", permission=P.VIEW)
def action_get(context: Incident, request: Any) -> HTTPSeeOther:
    """An action's address opened directly (a reload after a refusal): back to the incident."""
    return HTTPSeeOther(location=request.resource_url(context))


# -- attachments --------------------------------------------------------------------------------


@view_config(context=Incident, name="attachment", request_method="GET", permission=P.VIEW)
def attachment(context: Incident, request: Any) -> Response:
    """Stream one attachment: ``entry=0`` for files sent with the report, else a journal entry.

    Internal entries are 404 for readers without the "internal" permission (no hint they exist).
    """
    try:
        entry_id = int(request.GET.get("entry", ""))
        index = int(request.GET.get("n", ""))
    except ValueError:
        raise HTTPNotFound() from None
    if entry_id == 0:
        files = context.attachments
    else:
        entry = context.journal.get(entry_id)
        if entry is None:
            raise HTTPNotFound()
        if not entry.public and not request.has_permission(P.INTERNAL, context):
            raise HTTPNotFound()
        files = entry.attachments
    if not 0 <= index < len(files):
        raise HTTPNotFound()
    return file_response(files[index])
