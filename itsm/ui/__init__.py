"""The layout, static files, tweens and site-wide views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.events import BeforeRender
from pyramid.tweens import INGRESS


def add_itsm_home_section(config: Any, func: Callable[[Any], dict[str, Any]]) -> None:
    """Configurator directive: ``func(request)`` adds its values (a domain's part of the home
    page) to what ``itsm:ui/templates/home.pt`` gets; called in the order registered."""
    config.registry.itsm_home_sections.append(func)


def home_sections(registry: Any) -> list[Callable[[Any], dict[str, Any]]]:
    return list(getattr(registry, "itsm_home_sections", ()))


def includeme(config: Any) -> None:
    if not hasattr(config.registry, "itsm_home_sections"):
        config.registry.itsm_home_sections = []
    config.add_directive("add_itsm_home_section", add_itsm_home_section)
    config.add_static_view("static", "itsm:ui/static", cache_max_age=3600)
    config.add_static_view("deform-static", "deform:static", cache_max_age=86400)
    config.add_subscriber("itsm.ui.layout.add_layout", BeforeRender)
    config.add_tween("itsm.ui.tweens.security_tween_factory", under=INGRESS)
    config.scan("itsm.ui")
