"""Where the database of an ini file (or a ZEO server's ``zeo.conf``) lives on disk or in
PostgreSQL: what ``itsm-backup`` and ``itsm-restore`` copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class TargetError(Exception):
    """The ini names no database these commands can copy; the message says what to do."""


@dataclass(frozen=True)
class FileTarget:
    """A FileStorage and its blob directory."""

    data_fs: Path
    blobs: Path | None


@dataclass(frozen=True)
class PostgresTarget:
    """A RelStorage database on PostgreSQL, with a blob directory when blobs are kept on disk
    (``shared_blob_dir=true``) rather than in the database."""

    dbname: str
    host: str | None
    port: int | None
    user: str | None
    password: str | None
    blobs: Path | None

    def libpq_env(self) -> dict[str, str]:
        """The connection as libpq's environment variables (the password stays out of argv,
        where ``ps`` would show it)."""
        env = {"PGDATABASE": self.dbname}
        for name, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[name] = str(value)
        return env

    def describe(self) -> str:
        where = f"{self.host or 'localhost'}:{self.port or 5432}"
        return f"PostgreSQL database {self.dbname} on {where}"


Target = FileTarget | PostgresTarget


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def target_of_uri(uri: str) -> Target:
    """The storage a zodburi URI names."""
    scheme = uri.split(":", 1)[0].lower()
    if scheme == "file":
        path, _, query = uri[len("file://") :].partition("?")
        params = dict(parse_qsl(query))
        blobs = params.get("blobstorage_dir")
        return FileTarget(Path(unquote(path)), Path(blobs) if blobs else None)
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit("http://" + uri.split("://", 1)[1])
        params = dict(parse_qsl(parts.query))
        blobs = params.get("blob_dir")
        # RelStorage keeps blobs in the database unless shared_blob_dir is true (its default
        # when a blob_dir is given).
        shared = _true(params.get("shared_blob_dir", "true")) if blobs else False
        return PostgresTarget(
            dbname=unquote(parts.path.lstrip("/")),
            host=parts.hostname,
            port=parts.port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            blobs=Path(blobs) if shared and blobs else None,
        )
    if scheme == "zeo":
        raise TargetError(
            "the database is on a ZEO server: run this command on the server's machine with "
            "its configuration instead of the ini, e.g. etc/zeo.conf"
        )
    raise TargetError(f"cannot copy a database of this kind ({scheme}://)")


def _target_of_zeo_conf(text: str, base: Path) -> FileTarget:
    block = re.search(r"<filestorage>(.*?)</filestorage>", text, re.S | re.I)
    if not block:
        raise TargetError("the ZEO configuration has no <filestorage> section")
    path = re.search(r"(?m)^\s*path\s+(\S.*?)\s*$", block.group(1))
    blobs = re.search(r"(?m)^\s*blob-dir\s+(\S.*?)\s*$", block.group(1))
    if not path:
        raise TargetError("the <filestorage> section of the ZEO configuration has no path")
    # runzeo reads relative paths from the directory it is started in.
    return FileTarget(base / path.group(1), base / blobs.group(1) if blobs else None)


def target_of_config(config: str) -> Target:
    """The storage of an ini file's ``[app:main] zodbconn.uri``, or of a ``zeo.conf``."""
    path = Path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetError(f"cannot read {config}: {exc.strerror}") from None
    if re.search(r"<filestorage>", text, re.I):
        return _target_of_zeo_conf(text, Path.cwd())
    import plaster

    try:
        settings = plaster.get_settings(str(path.resolve()), "app:main")
    except Exception as exc:  # noqa: BLE001 - plaster raises several kinds; one clear line
        raise TargetError(f"cannot read the [app:main] section of {config}: {exc}") from None
    uri = settings.get("zodbconn.uri")
    if not uri:
        raise TargetError(f"{config} has no zodbconn.uri")
    return target_of_uri(uri.strip())
