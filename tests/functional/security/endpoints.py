"""Every address of the desk, made from the app itself, and someone else's object for each of its
placeholders (RELIABILITY.md S3, S4).

The addresses come from three places, so a new page or endpoint is covered without anyone
listing it here:

- the routes of the Pyramid introspector (what ``proutes`` prints: the API, reports,
  approvals, recurring requests ...),
- the traversal views of the introspector, by the class of their context and their view name
  (``/incidents/INC-000001/reply``), placed by :data:`CONTEXT_PATHS`,
- the paths of the OpenAPI description (``/api/v1/openapi.json``).

Each ``{placeholder}`` is filled from :class:`World` through :data:`PLACEHOLDERS`, keyed by the
placeholder and the path segment before it (``incidents/{number}``); an address whose
placeholder or context class is not taught here raises :class:`Untaught`, whose message says
what to add. That is deliberate: a new route must not pass the access checks unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

#: The six people of the checks: employees A and B, agents X and Y (in different support
#: groups), a manager (the change board) and an administrator; all demo accounts.
ROLES = {
    "A": "employee",
    "B": "employee2",
    "X": "agent",
    "Y": "agent2",
    "manager": "manager",
    "admin": "admin",
}
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"X", "Y", "admin"})


class Untaught(LookupError):
    """An address the checks cannot fill: its message says how to teach them."""


@dataclass(frozen=True)
class Endpoint:
    """One method on one address template, and where it was found."""

    method: str
    template: str
    source: str  # "route api.incident", "view Incident@@reply", "openapi"

    @property
    def unsafe(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Target:
    """The value of one placeholder: someone else's object, a key that finds nothing, and the
    roles (keys of :data:`ROLES`) that may see the object. The others must not be able to tell
    it from the missing one."""

    value: str
    missing: str | None
    visible_to: frozenset[str] = EVERYONE


#: Where the objects of a traversal context class live, as an address template whose
#: placeholders are filled like a route's. Teach a new content type here.
CONTEXT_PATHS: dict[str, str] = {
    "itsm.root.ServiceDesk": "",
    "itsm.root.People": "/people",
    "itsm.people.models.Person": "/people/{login}",
    "itsm.root.Settings": "/settings",
    "itsm.folder.Folder": "/settings/groups",
    "itsm.people.groups.SupportGroup": "/settings/groups/{group}",
    "itsm.sla.models.SlaSettings": "/settings/sla",
    "itsm.incidents.models.IncidentSettings": "/settings/incidents",
    "itsm.cmdb.classes.CmdbSettings": "/settings/ci-classes",
    "itsm.incidents.models.Incidents": "/incidents",
    "itsm.incidents.models.Incident": "/incidents/{incident}",
    "itsm.containers.Requests": "/requests",
    "itsm.requests.models.ServiceRequest": "/requests/{request}",
    "itsm.containers.ServiceCatalog": "/catalog",
    "itsm.requests.catalog.CatalogItem": "/catalog/{item}",
    "itsm.containers.Changes": "/changes",
    "itsm.changes.models.Change": "/changes/{change}",
    "itsm.containers.Problems": "/problems",
    "itsm.problems.models.Problem": "/problems/{problem}",
    "itsm.containers.Cmdb": "/cmdb",
    "itsm.cmdb.models.ConfigurationItem": "/cmdb/{ci}",
    "itsm.containers.KnowledgeBase": "/kb",
    "itsm.kb.models.Article": "/kb/{article}",
    "itsm.mailin.models.Quarantine": "/mail/quarantine",
    "itsm.mailin.models.HeldMail": "/mail/quarantine/{held}",
    "itsm.admin.area.AdminArea": "/admin",
    "itsm.chat.models.ChatIndex": "/chats",
    "itsm.chat.models.Conversation": "/chats/{chat}",
}

#: Views not reached by an address of their own: exception views, and context classes that
#: only ever appear as a context of an error.
NOT_ADDRESSES = (
    "builtins.Exception",
    "itsm.api.errors.ApiError",
    "itsm.directory.base.DirectoryUnavailable",
    "pyramid.httpexceptions.",
    "webob.exc.",
    "pyramid.interfaces.",
)

#: ``segment/{placeholder}`` (the path segment before it, or ``/{placeholder}`` at the start)
#: -> the name of the :class:`World` entry that fills it.
PLACEHOLDERS: dict[str, str] = {
    # traversal contexts
    "people/{login}": "person",
    "groups/{group}": "group",
    "incidents/{incident}": "incident",
    "requests/{request}": "request",
    "catalog/{item}": "catalog_item",
    "changes/{change}": "change",
    "problems/{problem}": "problem",
    "cmdb/{ci}": "ci",
    "kb/{article}": "draft_article",
    "quarantine/{held}": "held_mail",
    "chats/{chat}": "chat",
    # API routes
    "incidents/{number}": "incident",
    "requests/{number}": "request",
    "changes/{number}": "change",
    "problems/{number}": "problem",
    "cis/{number}": "ci",
    "kb/{number}": "draft_article",
    "views/{id}": "saved_view",
    "macros/{key}": "macro",
    "canned/{key}": "canned_reply",
    "watchers/{login}": "watcher",
    "announcements/{id}": "announcement",
    "approvals/{id}": "approval",
    "catalog/{id}": "catalog_item",
    "files/{field}": "request_file",
    "tasks/{id}": "task",
    "recurring/{id}": "recurring",
    "quarantine/{id}": "held_mail",
    "groups/{name}": "group",
    "policies/{kind}": "sla_policy",
    "calendars/{name}": "sla_calendar",
    "reports/{name}": "report",
    "reports/{name}.{format}": "report_export",
    "calendar/{secret}.ics": "calendar_secret",
    "chats/{key}": "chat",
    "webhook/{secret}": "telegram_secret",
}

#: Placeholders of path parts that are not objects (``static/*subpath``).
STATIC_ROUTE_PREFIX = "__"


def _qualname(cls: Any) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', cls)}"


def route_endpoints(registry: Any) -> list[Endpoint]:
    """Each view of each route (what ``proutes`` lists), once per method."""
    found = []
    for entry in registry.introspector.get_category("routes"):
        route = entry["introspectable"]
        if route["name"].startswith(STATIC_ROUTE_PREFIX) or "*" in route["pattern"]:
            continue
        pattern = route["pattern"]
        if not pattern.startswith("/"):
            pattern = "/" + pattern
        methods: set[str] = set()
        for view in entry["related"]:
            if view.category_name != "views":
                continue
            methods.update(_methods(view["request_methods"]))
        for method in sorted(methods or {"GET"}):
            found.append(Endpoint(method, pattern, f"route {route['name']}"))
    return found


def _methods(declared: Any) -> Iterable[str]:
    if declared is None:
        return ("GET", "POST")
    if isinstance(declared, str):
        return (declared,)
    return tuple(declared)


def traversal_endpoints(registry: Any) -> list[Endpoint]:
    """Each traversal view (no route) at the address of its context class."""
    found: set[Endpoint] = set()
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        if view["route_name"] is not None or view["exception_only"]:
            continue
        context = _qualname(view["context"]) if view["context"] is not None else "None"
        if context.startswith(NOT_ADDRESSES):
            continue
        where = f"view {view['context'].__name__ if view['context'] else None}@@{view['name']}"
        if context not in CONTEXT_PATHS:
            raise Untaught(
                f"{where} ({_describe(view)}): the checks do not know where objects of "
                f"{context} live. Add it to CONTEXT_PATHS in tests/functional/security/"
                "endpoints.py (an address template such as '/chats/{chat}'), teach its "
                "placeholder in PLACEHOLDERS ('chats/{chat}': 'chat') and make the object in "
                "World (someone else's object, a missing key, and who may see it)."
            )
        base = CONTEXT_PATHS[context]
        template = f"{base}/{view['name']}" if view["name"] else f"{base}/"
        for method in _methods(view["request_methods"]):
            found.add(Endpoint(method, template, where))
    return sorted(found, key=lambda e: (e.template, e.method))


def _describe(view: Any) -> str:
    func = view["callable"]
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"


def openapi_endpoints(spec: dict[str, Any]) -> list[Endpoint]:
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if method.lower() in ("get", "post", "put", "patch", "delete"):
                found.append(Endpoint(method.upper(), path, "openapi"))
    return found


def all_endpoints(registry: Any, spec: dict[str, Any]) -> list[Endpoint]:
    """The union of routes, traversal views and OpenAPI paths, one entry per method and
    address (the first source that names it)."""
    seen: dict[tuple[str, str], Endpoint] = {}
    for endpoint in route_endpoints(registry) + traversal_endpoints(registry):
        seen.setdefault((endpoint.method, endpoint.template), endpoint)
    for endpoint in openapi_endpoints(spec):
        seen.setdefault((endpoint.method, endpoint.template), endpoint)
    return sorted(seen.values(), key=lambda e: (e.template, e.method))


PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def placeholder_keys(template: str) -> list[tuple[str, str]]:
    """The path segments of ``template`` that hold placeholders, each as (its first
    placeholder's name, its :data:`PLACEHOLDERS` key ``previous-segment/segment``); a segment
    such as ``{name}.{format}`` is taught whole."""
    keys = []
    segments = template.split("/")
    for index, segment in enumerate(segments):
        match = PLACEHOLDER_RE.search(segment)
        if match:
            previous = segments[index - 1] if index else ""
            keys.append((match.group(1), f"{previous}/{segment}"))
    return keys


@dataclass
class World:
    """Someone else's objects, by :data:`PLACEHOLDERS` name; each a :class:`Target`."""

    targets: dict[str, Target] = field(default_factory=dict)

    def target(self, key: str, endpoint: Endpoint) -> Target:
        name = PLACEHOLDERS.get(key)
        if name is None:
            raise Untaught(
                f"{endpoint.method} {endpoint.template} ({endpoint.source}): the placeholder "
                f"'{key}' is not taught. Add '{key}': '<name>' to PLACEHOLDERS in "
                "tests/functional/security/endpoints.py and build <name> in the World fixture "
                "(tests/functional/security/conftest.py): an object that belongs to someone "
                "else, a key that finds nothing, and the roles that may see it."
            )
        if name not in self.targets:
            raise Untaught(
                f"{endpoint.method} {endpoint.template} ({endpoint.source}): PLACEHOLDERS maps "
                f"'{key}' to '{name}', but the World fixture makes no '{name}'. Build it in "
                "tests/functional/security/conftest.py."
            )
        return self.targets[name]

    def fill(self, endpoint: Endpoint, missing: str | None = None) -> str:
        """The address of ``endpoint`` with every placeholder at its object, or the one whose
        key is ``missing`` at a key that finds nothing."""
        path = endpoint.template
        for _name, key in placeholder_keys(endpoint.template):
            target = self.target(key, endpoint)
            whole = key.split("/", 1)[1]
            value = target.missing if key == missing else target.value
            assert value is not None, (endpoint, key)
            path = path.replace(whole, value, 1)
        return path or "/"

    def hidden_keys(self, endpoint: Endpoint, role: str) -> list[str]:
        """The placeholders of ``endpoint`` whose object ``role`` may not see."""
        return [
            key
            for _name, key in placeholder_keys(endpoint.template)
            if role not in self.target(key, endpoint).visible_to
            and self.target(key, endpoint).missing is not None
        ]


Check = Callable[[Any], None]
