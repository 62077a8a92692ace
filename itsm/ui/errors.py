"""Errors that views raise on purpose, beside Pyramid's own."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound


class PublicNotFound(HTTPNotFound):
    """A 404 that is the answer for everyone, logged in or not: an endpoint that authenticates
    by its own secret (the Telegram webhook) and hides itself from a caller without it. Any
    other 404 for a visitor who is not logged in is answered with the login page
    (``itsm.ui.views.asks_login_instead``)."""
