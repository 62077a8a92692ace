"""Translation: the ``itsm`` message domain, language negotiation, deform's translator."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import deform
from pyramid.i18n import TranslationStringFactory, get_localizer
from pyramid.threadlocal import get_current_request

_ = TranslationStringFactory("itsm")

LANGUAGE_COOKIE = "itsm_lang"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def negotiate_locale(request: Any) -> str:
    """The person's saved choice, else the anonymous choice cookie, else Accept-Language."""
    settings = request.registry.itsm_settings
    identity = request.identity
    if identity is not None and identity.person.language in settings.locales:
        return identity.person.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in settings.locales:
        return cookie
    match = request.accept_language.lookup(settings.locales, default=settings.default_locale)
    return match if match in settings.locales else settings.default_locale


def _deform_translator(term: Any) -> Any:
    request = get_current_request()
    if request is None:
        return term
    return get_localizer(request).translate(term)


def includeme(config: Any) -> None:
    config.add_translation_dirs("colander:locale/", "deform:locale/", "itsm:locale/")
    config.set_locale_negotiator(negotiate_locale)
    # deform keeps one default renderer per process; ours looks in our overrides first.
    search_path = (
        str(files("itsm") / "ui" / "deform"),
        str(files("deform") / "templates"),
    )
    deform.Form.set_default_renderer(
        deform.ZPTRendererFactory(search_path, translator=_deform_translator)
    )
