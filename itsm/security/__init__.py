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
    return bearer_token(request) is None


def includeme(config: Any) -> None:
    from BTrees.OOBTree import OOBTree

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
    config.set_security_policy(ItsmSecurityPolicy(settings.session_absolute_timeout))
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
