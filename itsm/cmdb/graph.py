"""The relation graph two levels around a CI, drawn on the server as SVG (no JavaScript)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from itsm.cmdb.models import RELATION_TITLES

MAX_NODES = 40
WIDTH = HEIGHT = 760
NODE_W, NODE_H = 150, 40


def neighbourhood(root: Any, ci: Any, depth: int = 2) -> tuple[list[tuple[Any, int]], set]:
    """CIs within ``depth`` relations (either direction) with their level, and the edges
    ``(source, type, target)`` among them; at most :data:`MAX_NODES` CIs."""
    cmdb = root["cmdb"]
    levels = {ci.number: 0}
    order = [ci]
    frontier = [ci]
    for level in range(1, depth + 1):
        nxt = []
        for item in frontier:
            for _type, number in [*item.outgoing, *item.incoming]:
                if number in levels or len(order) >= MAX_NODES:
                    continue
                other = cmdb.get(number)
                if other is None:
                    continue
                levels[number] = level
                order.append(other)
                nxt.append(other)
        frontier = nxt
    edges = set()
    for item in order:
        for type_, number in item.outgoing:
            if number in levels:
                edges.add((item.number, type_, number))
    return [(item, levels[item.number]) for item in order], edges


def render_svg(root: Any, ci: Any, url_of: Callable[[Any], str], translate: Callable) -> str:
    nodes, edges = neighbourhood(root, ci)
    by_level: dict[int, list[Any]] = {}
    for item, level in nodes:
        by_level.setdefault(level, []).append(item)
    cx, cy = WIDTH / 2, HEIGHT / 2
    pos: dict[str, tuple[float, float]] = {}
    for level, items in by_level.items():
        radius = level * 170
        for i, item in enumerate(items):
            angle = 2 * math.pi * i / max(len(items), 1) + level * 0.4
            pos[item.number] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f"aria-label={quoteattr(translate('Relations of') + ' ' + ci.number)} "
        'font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#6c757d"/></marker></defs>',
    ]
    for source, type_, target in sorted(edges):
        (x1, y1), (x2, y2) = pos[source], pos[target]
        # Stop the arrow at the target box's edge (roughly).
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        shrink = min(
            NODE_H / 2 / (abs(dy) / length or 1e-9), NODE_W / 2 / (abs(dx) / length or 1e-9)
        )
        x2e, y2e = x2 - dx / length * shrink, y2 - dy / length * shrink
        out.append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2e:.0f}" y2="{y2e:.0f}" stroke="#6c757d" '
            'marker-end="url(#arrow)"/>'
        )
        label = escape(translate(RELATION_TITLES[type_][0]))
        out.append(
            f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2 - 3:.0f}" text-anchor="middle" '
            f'fill="#495057">{label}</text>'
        )
    for item, level in nodes:
        x, y = pos[item.number]
        fill = "#cfe2ff" if level == 0 else ("#e9ecef" if level == 1 else "#f8f9fa")
        name = item.name if len(item.name) <= 22 else item.name[:21] + "…"
        out.append(
            f"<a xlink:href={quoteattr(url_of(item))} href={quoteattr(url_of(item))} "
            'target="_top">'
            f'<rect x="{x - NODE_W / 2:.0f}" y="{y - NODE_H / 2:.0f}" width="{NODE_W}" '
            f'height="{NODE_H}" rx="6" fill="{fill}" stroke="#495057"/>'
            f'<text x="{x:.0f}" y="{y - 4:.0f}" text-anchor="middle" font-weight="bold">'
            f"{escape(item.number)}</text>"
            f'<text x="{x:.0f}" y="{y + 11:.0f}" text-anchor="middle">{escape(name)}</text></a>'
        )
    out.append("</svg>")
    return "".join(out)
