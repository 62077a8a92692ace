"""Translation: the ``itsm`` message domain, language negotiation, deform's translator."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import deform
from pyramid.events import ContextFound
from pyramid.i18n import TranslationString, TranslationStringFactory, get_localizer
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


class _NestedTranslator:
    """Translates TranslationStrings inside a message's mapping too, so a refusal such as
    "Cannot do ${action} while the ticket is ${status}" gets "Решить" and "Назначена", not the
    English titles (translationstring leaves mapping values as they are)."""

    nested = True
    #: Message lookups kept (msgid, domain, context, default -> the catalogue's text); a page
    #: translates the same few hundred messages on every request. Cleared when this full, so
    #: odd strings passed to translate cannot grow it without bound.
    KEEP = 20_000

    def __init__(self, translator: Any) -> None:
        self.translator = translator
        self._raw: dict[tuple[Any, ...], Any] = {}

    def __call__(
        self, tstring: Any, domain: Any = None, mapping: Any = None, context: Any = None
    ) -> Any:
        values = mapping if mapping is not None else getattr(tstring, "mapping", None)
        if values and any(isinstance(v, TranslationString) for v in values.values()):
            mapping = {
                key: self(value) if isinstance(value, TranslationString) else value
                for key, value in values.items()
            }
        # What translationstring's translator does, with the catalogue lookup kept: the text
        # found for a message depends on its msgid, domain, context and default only, and the
        # mapping is interpolated into it afterwards.
        if not hasattr(tstring, "interpolate"):
            tstring = TranslationString(tstring, domain=domain, mapping=mapping, context=context)
        elif mapping:
            merged = {**tstring.mapping, **mapping} if tstring.mapping else mapping
            tstring = TranslationString(tstring, domain=domain, mapping=merged, context=context)
        domain = domain or tstring.domain
        context = context or tstring.context
        key = (str(tstring), domain, context, tstring.default)
        raw = self._raw.get(key)
        if raw is None:
            plain = TranslationString(key[0], domain=domain, default=key[3], context=context)
            raw = self.translator(plain)
            if len(self._raw) >= self.KEEP:
                self._raw.clear()
            self._raw[key] = raw
        if raw and "$" in raw and tstring.mapping:
            return tstring.interpolate(raw)
        return raw


def _nested_localizer(event: Any) -> None:
    """ContextFound: give this locale's (cached, shared) localizer the nested translator once."""
    localizer = event.request.localizer
    if not getattr(localizer.translator, "nested", False):
        from translationstring import Translator

        inner = localizer.translator or Translator(localizer.translations)
        localizer.translator = _NestedTranslator(inner)


def localizer_for(registry: Any, language: str) -> Any:
    """The app's localizer for ``language`` outside a request (mail, timers, stored notes),
    made once and cached in the registry the way ``pyramid.i18n.get_localizer`` does."""
    from pyramid.i18n import make_localizer
    from pyramid.interfaces import ILocalizer, ITranslationDirectories

    localizer = registry.queryUtility(ILocalizer, name=language)
    if localizer is None:
        directories = registry.queryUtility(ITranslationDirectories, default=[])
        localizer = make_localizer(language, directories)
        registry.registerUtility(localizer, ILocalizer, name=language)
    return localizer


def _deform_translator(term: Any) -> Any:
    request = get_current_request()
    if request is None:
        return term
    return get_localizer(request).translate(term)


def includeme(config: Any) -> None:
    config.add_translation_dirs("colander:locale/", "deform:locale/", "itsm:locale/")
    config.set_locale_negotiator(negotiate_locale)
    config.add_subscriber(_nested_localizer, ContextFound)
    # deform keeps one default renderer per process; ours looks in our overrides first.
    search_path = (
        str(files("itsm") / "ui" / "deform"),
        str(files("deform") / "templates"),
    )
    deform.Form.set_default_renderer(
        deform.ZPTRendererFactory(search_path, translator=_deform_translator)
    )
