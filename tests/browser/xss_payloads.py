"""About 200 cross-site scripting payloads for S2 (../shared/RELIABILITY.md): classic tags and
event handlers, ``javascript:`` and ``data:`` URLs, SVG and MathML, mutation XSS (markup that
changes meaning when a sanitiser's output is parsed again), markdown links, attribute and
element break-outs, and right-to-left overrides. Every payload that could run calls ``alert``
(the browser test hooks it) and carries ``xss`` so a tag that survives can be found in the DOM.

Generated from a small set of vectors and the contexts they try to break out of, rather than
copied from a list, so each one is known to be meant for one input.
"""

from __future__ import annotations

#: Vectors that run script if the markup reaches the page as HTML.
VECTORS = [
    "<script>alert('xss')</script>",
    "<script src=data:text/javascript,alert('xss')></script>",
    "<img src=x onerror=alert('xss')>",
    "<img src=x onerror=\"alert('xss')\" class=xss>",
    "<svg onload=alert('xss')>",
    "<svg><script>alert('xss')</script></svg>",
    "<svg><animate onbegin=alert('xss') attributeName=x dur=1s>",
    "<svg><a xlink:href=\"javascript:alert('xss')\"><text x=20 y=20>xss</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    "<body onload=alert('xss')>",
    "<iframe src=\"javascript:alert('xss')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss')</script>\"></iframe>",
    "<object data=\"javascript:alert('xss')\"></object>",
    "<embed src=\"javascript:alert('xss')\">",
    "<a href=\"javascript:alert('xss')\">xss link</a>",
    "<a href=\"JaVaScRiPt:alert('xss')\">xss link</a>",
    "<a href=\"&#106;avascript:alert('xss')\">xss link</a>",
    "<a href=\"java\tscript:alert('xss')\">xss link</a>",
    "<a href=\"data:text/html,<script>alert('xss')</script>\">xss link</a>",
    "<form action=\"javascript:alert('xss')\"><button>xss</button></form>",
    "<input autofocus onfocus=alert('xss')>",
    "<details open ontoggle=alert('xss')>",
    "<video><source onerror=alert('xss')></video>",
    "<audio src=x onerror=alert('xss')>",
    "<marquee onstart=alert('xss')>xss</marquee>",
    "<div style=\"background:url(javascript:alert('xss'))\">xss</div>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss\')">',
    "<base href=\"javascript:alert('xss')//\">",
    "<link rel=import href=\"data:text/html,<script>alert('xss')</script>\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss')>\">",
    "<style><img src=x onerror=alert('xss')></style>",
    "<textarea><img src=x onerror=alert('xss')></textarea>",
    "<title><img src=x onerror=alert('xss')></title>",
    "<xmp><img src=x onerror=alert('xss')></xmp>",
    "<template><img src=x onerror=alert('xss')></template>",
    "<img src=\"x` `<script>alert('xss')</script>\"` `>",
    "<<script>alert('xss');//<</script>",
    "<scr<script>ipt>alert('xss')</scr</script>ipt>",
    "[xss link](javascript:alert('xss'))",
    "![xss](x\" onerror=\"alert('xss'))",
]

#: What a payload may be placed after, to break out of an attribute, a text area, a title, a
#: script string or a comment (the markup a careless template would put around an input).
PREFIXES = ["", '"><', "'><", "</textarea>", "--></title></script>"]


def payloads() -> list[str]:
    """Every vector in every context: 40 × 5 = 200, plus right-to-left overrides."""
    out = []
    for prefix in PREFIXES:
        for vector in VECTORS:
            text = prefix + vector
            # A prefix ending in "<" opens a tag of its own: keep the vector's own tag whole.
            out.append(text.replace("<<", "<", 1) if prefix.endswith("<") else text)
    out += [
        "\u202eexe.gpj<img src=x onerror=alert('xss')>",
        "report\u202egnp.exe",
        "\u2066<svg onload=alert('xss')>\u2069",
    ]
    return out
