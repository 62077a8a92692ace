"""Which uploaded files the desk keeps: by extension and by their first bytes (RELIABILITY.md
S10). A file whose name says one type and whose bytes say another, a program, or a page a
browser would run (HTML, SVG, scripts) is refused, from every channel that stores files."""

from __future__ import annotations

from itsm.i18n import _

#: Extensions refused whatever the content: programs, scripts, and documents a browser renders
#: with script (HTML, SVG, XML stylesheets).
REFUSED_EXTENSIONS = frozenset(
    """
    exe dll com scr msi msp cpl bat cmd ps1 psm1 vbs vbe js jse wsf wsh hta jar apk app
    sh bash csh php phtml pl py rb cgi lnk reg inf html htm xhtml shtml mht mhtml svg svgz
    xml xsl xslt swf
    """.split()
)

#: The first bytes a file of each of these extensions starts with.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}

#: Programs, whatever they are called.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")

#: How many bytes :func:`refusal` looks at.
HEAD_BYTES = 16


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def refusal(filename: str, head: bytes) -> str | None:
    """Why the file ``filename`` starting with ``head`` is refused (a translatable message),
    or None when it may be kept."""
    ext = extension(filename)
    if ext in REFUSED_EXTENSIONS:
        return _("files of this type (.${ext}) are not accepted", mapping={"ext": ext})
    if head.startswith(EXECUTABLE_MAGIC):
        return _("programs are not accepted")
    expected = MAGIC.get(ext)
    if expected is not None and head and not head.startswith(expected):
        return _("the content is not a .${ext} file", mapping={"ext": ext})
    if ext == "webp" and head and head[8:12] != b"WEBP":
        return _("the content is not a .${ext} file", mapping={"ext": ext})
    return None
