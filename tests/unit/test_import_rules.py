"""The import rules of the code, read from the source with ``ast``.

1. No module imports another package's page modules (``views``, ``api``, ``*_views``,
   ``*_api``): what pages share lives in ``itsm.ui`` (``itsm.ui.forms``) or in the domain's own
   non-page modules, so an edit to one domain's pages cannot break another's.
2. The lower layers (``db``, ``root``, ``numbering``, ``tickets``, ``sla``, ``search``,
   ``notify``, ``security``) import no domain package.
3. No import cycle between modules.

Every import statement counts: at module level, and inside functions, methods and ``if``
blocks (an import inside a function still ties the two modules together, and is how cycles
hide). A module importing its own package (``itsm.api.views`` reading ``itsm.api``) is not
counted for cycles: Python imports the package before the module in any case, and the
package's ``includeme`` naming its own modules is how Pyramid packages are made. Only imports
of ``itsm`` modules are read; ``from itsm.x import name`` counts as an
import of ``itsm.x.name`` when that is a module, else of ``itsm.x``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "itsm"

#: Packages of ``itsm`` that are not domains: the frame the domains stand on. Every other
#: package (incidents, requests, changes, cmdb, kb, approvals, selfservice, admin, people,
#: problems, and any new one such as mailin or reports) is a domain.
INFRASTRUCTURE = frozenset(
    {"api", "directory", "evolve", "notify", "scripts", "search", "security", "sla"}
    | {"tickets", "ui", "worker"}
)
LOWER_LAYERS = (
    "itsm.db",
    "itsm.root",
    "itsm.numbering",
    "itsm.tickets",
    "itsm.sla",
    "itsm.search",
    "itsm.notify",
    "itsm.security",
)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "itsm.changes.views"
    target: str  # the imported itsm module
    line: int
    top_level: bool
    names: tuple[str, ...] = ()  # what ``from target import ...`` takes

    def where(self) -> str:
        path = modules()[self.source].relative_to(ROOT)
        what = f" ({', '.join(self.names)})" if self.names else ""
        scope = "" if self.top_level else " inside a function"
        return f"{path}:{self.line} imports {self.target}{what}{scope}"


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _module_of(name: str) -> str | None:
    """The itsm module ``name`` is, or is in (``itsm.x.Thing`` -> ``itsm.x``)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports() -> tuple[Import, ...]:
    found = []
    for source, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            names: list[tuple[str, str]] = []  # (full name, name as imported)
            if isinstance(node, ast.Import):
                names = [(alias.name, "") for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                names = [(f"{base}.{alias.name}", alias.name) for alias in node.names]
            by_target: dict[str, list[str]] = {}
            for name, short in names:
                if name != "itsm" and not name.startswith("itsm."):
                    continue
                target = _module_of(name)
                if target and target != source:
                    taken = by_target.setdefault(target, [])
                    if short and name != target:
                        taken.append(short)
            for target, taken in by_target.items():
                found.append(Import(source, target, node.lineno, id(node) in top, tuple(taken)))
    return tuple(found)


def package_of(module: str) -> str:
    """``itsm.incidents.views`` -> ``incidents``; top-level modules are their own package."""
    return module.split(".")[1] if "." in module else module


def is_domain(module: str) -> bool:
    return (
        "." in module
        and (PACKAGE / package_of(module)).is_dir()
        and (package_of(module) not in INFRASTRUCTURE)
    )


def is_page_module(module: str) -> bool:
    parts = module.split(".")
    last = parts[-1]
    return len(parts) >= 3 and (
        last in ("views", "api") or last.endswith("_views") or last.endswith("_api")
    )


def test_the_rules_see_the_whole_package():
    assert len(modules()) > 150
    assert any(not i.top_level for i in imports())  # imports inside functions are read
    for name in ("incidents", "requests", "changes", "cmdb", "kb", "approvals", "people"):
        assert is_domain(f"itsm.{name}.models") or not (PACKAGE / name).is_dir(), name
    assert is_page_module("itsm.incidents.views") and is_page_module("itsm.changes.form_views")
    assert not is_page_module("itsm.api")  # the API frame's package is for everyone


def test_no_module_imports_another_packages_pages():
    offending = [
        i.where()
        for i in imports()
        if is_page_module(i.target) and package_of(i.target) != package_of(i.source)
    ]
    assert not offending, (
        "page modules (views, api, *_views, *_api) are for their own package only; move what "
        "is shared to itsm.ui.forms or a non-page module:\n  " + "\n  ".join(offending)
    )


def test_lower_layers_import_no_domain_package():
    def lower(module: str) -> bool:
        return any(module == layer or module.startswith(layer + ".") for layer in LOWER_LAYERS)

    offending = [i.where() for i in imports() if lower(i.source) and is_domain(i.target)]
    assert not offending, (
        "a lower layer imports a domain package (register a hook or move the code down):\n  "
        + "\n  ".join(offending)
    )


def _cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    edges: dict[str, dict[str, Import]] = {}
    for i in imports():
        if i.source.startswith(i.target + "."):
            continue  # its own package: Python runs the package's __init__ first anyway
        edges.setdefault(i.source, {}).setdefault(i.target, i)
    messages = []
    for component in _cycles(edges):
        members = set(component)
        lines = [edges[a][b].where() for a in component for b in edges.get(a, {}) if b in members]
        messages.append(" ↔ ".join(component) + ":\n    " + "\n    ".join(lines))
    assert not messages, "import cycles:\n  " + "\n  ".join(messages)


def test_the_cycle_finder_finds_a_cycle():
    a_to_b = Import("itsm.a", "itsm.b", 1, True)
    b_to_a = Import("itsm.b", "itsm.a", 1, False)
    assert _cycles({"itsm.a": {"itsm.b": a_to_b}, "itsm.b": {"itsm.a": b_to_a}}) == [
        ["itsm.a", "itsm.b"]
    ]
