"""File downloads: stored blobs handed to the browser as attachments it will not run.

One place for the headers every download needs (incident and CI attachments, files answered in
service requests, KB files, import rejects): a type from a short list of inert ones (anything
else is ``application/octet-stream``), a Content-Disposition that survives any file name,
``nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pyramid.response import FileIter, Response

#: Content types a browser may be handed as they are; anything else is application/octet-stream.
INERT_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "message/rfc822",
    }
)


def safe_content_type(content_type: str) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return base if base in INERT_TYPES else "application/octet-stream"


def content_disposition(filename: str) -> str:
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(file: Any, content_type: str | None = None) -> Response:
    """Stream ``file`` (an Attachment: blob, filename, content_type, size) as a download that
    the browser saves rather than renders."""
    response = Response(content_type=content_type or safe_content_type(file.content_type))
    if response.content_type in ("text/plain", "text/csv"):
        response.charset = "utf-8"
    response.app_iter = FileIter(file.blob.open("r"))
    response.content_length = file.size
    response.headers["Content-Disposition"] = content_disposition(file.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
