"""OAuth 2.0 access tokens for the mailbox poller (SASL XOAUTH2: Exchange Online).

The client-credentials grant (RFC 6749 §4.4): the desk is an app registered with the
identity provider (Microsoft Entra ID: ``https://login.microsoftonline.com/<tenant>/oauth2/
v2.0/token``, scope ``https://outlook.office365.com/.default``) and asks for a token with its
id and secret; the token is kept until shortly before it expires.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

#: Ask for a new token this many seconds before the old one expires.
EARLY_SECONDS = 60


class TokenError(Exception):
    """No token now (the endpoint refused the app, or does not answer)."""


class TokenSource:
    """One app's token, fetched when needed and kept until it is about to expire."""

    def __init__(self) -> None:
        self._token = ""
        self._until = 0.0
        self._for: tuple[str, ...] = ()

    def token(self, settings: Any) -> str:
        """A valid access token for ``settings`` (``MailInSettings``)."""
        key = (
            settings.imap_oauth_token_url,
            settings.imap_oauth_client_id,
            settings.imap_oauth_client_secret,
            settings.imap_oauth_scope,
        )
        if self._token and key == self._for and time.monotonic() < self._until:
            return self._token
        token, lifetime = fetch_token(settings)
        self._token, self._for = token, key
        self._until = time.monotonic() + max(0.0, lifetime - EARLY_SECONDS)
        return token

    def forget(self) -> None:
        """Drop the kept token (the server refused it)."""
        self._token, self._until = "", 0.0


def fetch_token(settings: Any) -> tuple[str, float]:
    """``(access_token, seconds it lasts)`` from the token endpoint."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": settings.imap_oauth_client_id,
            "client_secret": settings.imap_oauth_client_secret,
            "scope": settings.imap_oauth_scope,
        }
    ).encode()
    # itsm.settings accepts only https:// here (http:// on loopback, for tests).
    request = urllib.request.Request(  # noqa: S310
        settings.imap_oauth_token_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    context = ssl.create_default_context()
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.imap_timeout, context=context
        ) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        detail = _reason(error)
        raise TokenError(f"the token endpoint refused the app: {error.code} {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TokenError(f"the token endpoint does not answer ({reason})") from None
    except ValueError:
        raise TokenError("the token endpoint answered something else than JSON") from None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not token or not isinstance(token, str):
        raise TokenError("the token endpoint gave no access_token")
    try:
        lifetime = float(answer.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    return token, lifetime


def _reason(error: urllib.error.HTTPError) -> str:
    """The OAuth error code and description of a refusal (never the request's secret)."""
    try:
        detail = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return str(error.reason)
    if not isinstance(detail, dict):
        return str(error.reason)
    parts = [str(detail.get("error", "")), str(detail.get("error_description", ""))[:200]]
    return " ".join(p for p in parts if p) or str(error.reason)


def xoauth2(user: str, token: str) -> bytes:
    """The XOAUTH2 initial response (base64 is added by imaplib)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
