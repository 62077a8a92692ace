"""The layout, static files, tweens and site-wide views."""

from __future__ import annotations

from typing import Any

from pyramid.events import BeforeRender
from pyramid.tweens import INGRESS


def includeme(config: Any) -> None:
    config.add_static_view("static", "itsm:ui/static", cache_max_age=3600)
    config.add_static_view("deform-static", "deform:static", cache_max_age=86400)
    config.add_subscriber("itsm.ui.layout.add_layout", BeforeRender)
    config.add_tween("itsm.ui.tweens.security_tween_factory", under=INGRESS)
    config.scan("itsm.ui")
