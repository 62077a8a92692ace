"""``GET /healthz``: does the storage answer, does the directory answer."""

from __future__ import annotations

import logging
import time
from typing import Any

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.root import ServiceDesk

log = logging.getLogger(__name__)


def _check(func: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        ok = bool(func())
        error = None if ok else "no answer"
    except Exception as exc:  # noqa: BLE001 - health reports every failure, never raises
        ok, error = False, f"{type(exc).__name__}: {exc}"[:200]
    result: dict[str, Any] = {"ok": ok, "ms": round((time.perf_counter() - start) * 1000, 1)}
    if error:
        result["error"] = error
    return result


@view_config(
    name="healthz",
    context=ServiceDesk,
    renderer="json",
    request_method="GET",
    permission=NO_PERMISSION_REQUIRED,
)
def healthz(context: ServiceDesk, request: Any) -> dict[str, Any]:
    """200 when storage and directory both answer, 503 otherwise. Public: no details that
    help an attacker beyond up/down and the kind of directory."""
    storage = _check(lambda: context.generation is not None and len(context["people"]) >= 0)
    directory = _check(lambda: request.directory.ping())
    directory["kind"] = request.registry.itsm_settings.directory
    ok = storage["ok"] and directory["ok"]
    if not ok:
        request.response.status = 503
        log.warning("healthz: storage=%s directory=%s", storage, directory)
    return {"status": "ok" if ok else "unavailable", "storage": storage, "directory": directory}


def includeme(config: Any) -> None:
    config.scan("itsm.health")
