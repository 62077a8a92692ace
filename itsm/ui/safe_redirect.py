"""Redirect targets taken from the request must stay on this site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def local_path(request: Any, target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return request.application_url + default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return request.application_url + default
    return request.application_url + target
