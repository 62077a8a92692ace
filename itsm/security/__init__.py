"""Sessions, the security policy, CSRF and the login throttle."""

from __future__ import annotations

from typing import Any

from pyramid.session import JSONSerializer, SignedCookieSessionFactory

from itsm.security.permissions import P
from itsm.security.policy import ItsmSecurityPolicy, bearer_token
from itsm.security.throttle import LoginThrottle


def _csrf_applies(request: Any) -> bool:
    # Bearer-token calls carry no ambient credential a foreign page could ride on, so they need
    # no CSRF token; everything authenticated by the cookie does.
    if bearer_token(request) is not None:
        return False
    _check_origin(request)
    return True


def _check_origin(request: Any) -> None:
    """Refuse an unsafe request whose ``Origin`` names another site, on plain HTTP too
    (Pyramid compares origins on HTTPS only); a request without the header, or with
    ``null``, is left to the token (and, on HTTPS, to Pyramid's Referer check)."""
    from urllib.parse import urlsplit

    from pyramid.exceptions import BadCSRFOrigin

    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        # "null": the browser withheld the origin (e.g. from a page sent with
        # Referrer-Policy: no-referrer, as the password reset link's is): the token decides.
        return
    parts = urlsplit(origin.split(" ")[-1])
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = parts.hostname or ""
    if parts.port and parts.port != default:
        netloc = f"{netloc}:{parts.port}"
    trusted = {request.host, *request.registry.settings.get("pyramid.csrf_trusted_origins", ())}
    if isinstance(trusted, str):  # pragma: no cover - the setting parsed as one string
        trusted = set(trusted.split())
    if netloc.lower() not in {t.lower() for t in trusted}:
        raise BadCSRFOrigin("Origin checking failed - the request comes from another site")


def client_ip(request: Any) -> str:
    """The address of the peer that sent the request: ``REMOTE_ADDR``, never a
    ``X-Forwarded-For`` header (WebOb's ``client_addr`` believes anyone's). Behind a reverse
    proxy, waitress rewrites ``REMOTE_ADDR`` from the forwarded headers of the peers listed in
    its ``trusted_proxy`` setting only, and drops them from anyone else (S11)."""
    return request.environ.get("REMOTE_ADDR") or ""


def includeme(config: Any) -> None:
    from BTrees.OOBTree import OOBTree

    config.add_request_method(client_ip, "client_ip", reify=True)

    config.add_itsm_root_attribute("tokens", OOBTree)
    # Logging in waits for the directory: not behind (or in front of) other writes.
    config.add_write_lock_exemption("/login")
    settings = config.registry.itsm_settings
    config.set_session_factory(
        SignedCookieSessionFactory(
            settings.session_secret,
            cookie_name="itsm_session",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="Lax",
            timeout=settings.session_idle_timeout,  # idle timeout
            reissue_time=max(1, settings.session_idle_timeout // 10),
            max_age=None,  # a browser-session cookie; the absolute limit is checked server-side
            serializer=JSONSerializer(),
        )
    )
    config.set_security_policy(
        ItsmSecurityPolicy(settings.session_absolute_timeout, settings.session_recheck_seconds)
    )
    # A view that names no permission is closed, not public: public pages say so with
    # NO_PERMISSION_REQUIRED (tests/functional/security/test_every_view_has_a_permission.py).
    config.set_default_permission(P.VIEW)
    config.set_default_csrf_options(require_csrf=True, callback=_csrf_applies)
    config.registry.itsm_login_throttle = LoginThrottle(
        settings.login_max_failures, settings.login_lock_seconds
    )
    # Failures per client address too (S8): guessing one password across many accounts is
    # throttled as well. 0 turns it off.
    config.registry.itsm_login_address_throttle = LoginThrottle(
        settings.login_max_failures_per_address or 10**9, settings.login_lock_seconds
    )
    config.scan("itsm.security.views")
