"""Server-rendered SVG charts (pygal), fit for our CSP: no script, no inline style.

pygal puts its stylesheet and tooltip script inside the SVG; our CSP (``style-src 'self'``)
blocks both when the SVG is inline in a page. So the chart is rendered without scripts, its
``<style>`` element is removed, and the same rules are served from ``/reports/charts.css``
(:func:`stylesheet`), scoped to ``.pygal-chart``. The data table beside each chart carries the
figures for screen readers; the SVG is an image with the table's title as its name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Any

import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997"),
    font_family="system-ui, sans-serif",
)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_SCRIPT_ELEMENT = re.compile(r"<script[^>]*>.*?</script>|<script[^>]*/>", re.S)
_INLINE_STYLE = re.compile(r'\sstyle="[^"]*"')
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _config(kind: str) -> Any:
    chart_class = pygal.Line if kind == "line" else pygal.Bar
    return chart_class(
        style=STYLE,
        no_prefix=True,
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=300,
        explicit_size=False,
        x_label_rotation=30,
        truncate_label=24,
        show_dots=kind != "line",
        print_values=False,
    )


def render(kind: str, title: str, labels: list[str], values: list[float | None]) -> str:
    """An inline ``<svg>`` (as markup) for one series."""
    chart = _config(kind)
    chart.x_labels = labels
    chart.add(title, [v if v is not None else None for v in values])
    svg = chart.render(is_unicode=True)
    svg = _STYLE_ELEMENT.sub("", svg, count=1)
    svg = _SCRIPT_ELEMENT.sub("", svg)
    svg = _INLINE_STYLE.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = svg.replace(' id=""', "", 1)
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title, quote=True)}" focusable="false" ', 1
    )


@lru_cache(maxsize=2)
def stylesheet() -> str:
    """pygal's rules for our style, scoped to ``.pygal-chart``, plus hidden tooltips."""
    chart = _config("bar")
    chart.add("", [1])
    found = _STYLE_ELEMENT.search(chart.render(is_unicode=True))
    css = found.group(1) if found else ""
    css = css.replace("&gt;", ">")
    rules = []
    for selector, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
        selector = selector.strip()
        scoped = (
            ", ".join(
                f".pygal-chart {s.strip()}" if s.strip() else ".pygal-chart"
                for s in selector.split(",")
            )
            if selector
            else ".pygal-chart"
        )
        rules.append(f"{scoped}{{{body}}}")
    rules.append(".pygal-chart .tooltip{opacity:0}")
    rules.append(".pygal-chart{max-width:100%;height:auto}")
    # The report pages' own rules (served with the charts' so the page needs one stylesheet).
    rules.append(".itsm-report-nav .nav-link:not(.active){color:var(--itsm-brand,#0b5394)}")
    return "\n".join(rules) + "\n"
