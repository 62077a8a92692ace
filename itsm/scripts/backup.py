"""``itsm-backup INI DIR`` and ``itsm-restore INI DIR``: back the database up and restore it.

FileStorage (the ini's ``file://`` URI, or a ZEO server's ``zeo.conf``): ``repozo`` into
``DIR/filestorage`` (a full backup the first time and after a pack, incremental otherwise; safe
while the desk runs, repozo reads only committed transactions), then the blob files into
``DIR/blobs`` (a blob file never changes once committed, so only new ones are copied; the copy
is taken after the Data.fs backup, so it holds every blob that backup refers to).

RelStorage on PostgreSQL (``postgres://``): ``pg_dump --format=custom`` into
``DIR/postgres/<database>-<UTC time>.dump``, blobs included (they live in the database unless
``shared_blob_dir`` is true, when the blob directory is copied as above); restored with
``pg_restore`` into the ini's database.

Restoring needs the desk stopped and an empty target, or ``--force`` (the old FileStorage is
kept beside the new one as ``Data.fs.before-restore``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from itsm.scripts.storage_target import (
    FileTarget,
    PostgresTarget,
    Target,
    TargetError,
    target_of_config,
)

BACKUP = "itsm-backup"
RESTORE = "itsm-restore"


def fail(command: str, message: str, code: int = 1) -> None:
    print(f"{command}: {message}", file=sys.stderr)
    raise SystemExit(code)


def _target(command: str, config: str) -> Target:
    try:
        return target_of_config(config)
    except TargetError as exc:
        fail(command, str(exc))
        raise  # pragma: no cover - fail() exits


def _run(command: str, argv: list[str], env: dict[str, str] | None = None) -> str:
    """Run a tool; its failure ends the command with the tool's own words."""
    try:
        # argv is our own tool and paths from the administrator's own ini and arguments.
        result = subprocess.run(  # noqa: S603
            argv,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
    except FileNotFoundError:
        fail(command, f"{argv[0]} is not installed")
        raise  # pragma: no cover
    if result.returncode != 0:
        words = (result.stderr or result.stdout).strip().splitlines()
        fail(command, f"{Path(argv[0]).name} failed: {' '.join(words[-3:])}")
    return result.stdout + result.stderr


def _repozo(*args: str) -> list[str]:
    return [sys.executable, "-m", "ZODB.scripts.repozo", *args]


def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` from PATH, else the newest Debian server's own."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else name


def copy_new_files(source: Path, dest: Path) -> tuple[int, int]:
    """Copy the files of ``source`` that ``dest`` lacks (blob files are immutable); (copied,
    total). Each file is written under a temporary name first, so an interrupted copy leaves
    no half file under a blob's name."""
    copied = total = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0] == "tmp":
            continue  # blobs of transactions still being committed
        total += 1
        target = dest / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copy2(path, partial)
        partial.replace(target)
        copied += 1
    return copied, total


def _lock_held(data_fs: Path) -> bool:
    """True while a process (pserve, itsm-worker, runzeo) holds this FileStorage."""
    if not data_fs.exists():
        return False
    import zc.lockfile

    try:
        lock = zc.lockfile.LockFile(f"{data_fs}.lock")
    except zc.lockfile.LockError:
        return True
    lock.close()
    return False


# -- backup ---------------------------------------------------------------------------------
def backup_file(target: FileTarget, directory: Path, full: bool) -> list[str]:
    if not target.data_fs.exists():
        fail(BACKUP, f"{target.data_fs} does not exist")
    repository = directory / "filestorage"
    repository.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in repository.iterdir()}
    args = ["-B", "-r", str(repository), "-f", str(target.data_fs), "-z"]
    _run(BACKUP, _repozo(*args, *(["-F"] if full else [])))
    made = sorted(path.name for path in repository.iterdir() if path.name not in before)
    kind = "full" if any(name.endswith((".fsz", ".fs")) for name in made) else "incremental"
    if not made:
        kind = "no new transactions; nothing"
    lines = [f"{kind} backup of {target.data_fs} in {repository}"]
    if target.blobs is not None and target.blobs.exists():
        copied, total = copy_new_files(target.blobs, directory / "blobs")
        lines.append(f"{copied} new blob file(s) copied, {total} in all, in {directory / 'blobs'}")
    return lines


def backup_postgres(target: PostgresTarget, directory: Path) -> list[str]:
    dumps = directory / "postgres"
    dumps.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dump = dumps / f"{target.dbname}-{stamp}.dump"
    partial = dump.with_name(dump.name + ".partial")
    _run(
        BACKUP,
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"],
        env=target.libpq_env(),
    )
    partial.replace(dump)
    lines = [f"dump of the {target.describe()} in {dump} ({dump.stat().st_size} bytes)"]
    if target.blobs is not None and target.blobs.exists():
        copied, total = copy_new_files(target.blobs, directory / "blobs")
        lines.append(f"{copied} new blob file(s) copied, {total} in all, in {directory / 'blobs'}")
    return lines


def backup_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=BACKUP,
        description="Back the desk's database up into DIR (repozo for FileStorage, pg_dump for "
        "RelStorage on PostgreSQL); safe while the desk runs.",
    )
    parser.add_argument("ini", help="the ini file (or a ZEO server's zeo.conf)")
    parser.add_argument("dir", help="the backup directory (made when missing)")
    parser.add_argument(
        "--full", action="store_true", help="FileStorage: a full backup even when one exists"
    )
    args = parser.parse_args(argv)
    target = _target(BACKUP, args.ini)
    directory = Path(args.dir)
    started = time.monotonic()
    if isinstance(target, FileTarget):
        lines = backup_file(target, directory, args.full)
    else:
        lines = backup_postgres(target, directory)
    for line in lines:
        print(f"{BACKUP}: {line}")
    print(f"{BACKUP}: done in {time.monotonic() - started:.1f} s")


# -- restore --------------------------------------------------------------------------------
def restore_file(target: FileTarget, directory: Path, force: bool, date: str | None) -> list[str]:
    repository = directory / "filestorage"
    if not repository.is_dir() or not any(repository.iterdir()):
        fail(RESTORE, f"{repository} holds no backup (made by {BACKUP})")
    if _lock_held(target.data_fs):
        fail(RESTORE, f"{target.data_fs} is in use: stop the desk (pserve, itsm-worker, runzeo)")
    if target.data_fs.exists() and not force:
        fail(RESTORE, f"{target.data_fs} exists; pass --force to replace it (it is kept aside)")
    target.data_fs.parent.mkdir(parents=True, exist_ok=True)
    restored = target.data_fs.with_name(target.data_fs.name + ".restoring")
    restored.unlink(missing_ok=True)
    args = ["-R", "-r", str(repository), "-o", str(restored)]
    _run(RESTORE, _repozo(*args, *(["-D", date] if date else [])))
    lines = []
    if target.data_fs.exists():
        aside = target.data_fs.with_name(target.data_fs.name + ".before-restore")
        target.data_fs.replace(aside)
        lines.append(f"the previous database is kept as {aside}")
        for suffix in (".index", ".tmp", ".lock"):
            Path(f"{target.data_fs}{suffix}").unlink(missing_ok=True)
    restored.replace(target.data_fs)
    lines.append(f"restored {target.data_fs} from {repository}")
    lines += _restore_blobs(target.blobs, directory, force)
    return lines


def _restore_blobs(blobs: Path | None, directory: Path, force: bool) -> list[str]:
    source = directory / "blobs"
    if blobs is None or not source.is_dir():
        return []
    lines = []
    if blobs.exists() and any(blobs.iterdir()):
        if not force:
            fail(RESTORE, f"{blobs} is not empty; pass --force to replace it (it is kept aside)")
        aside = blobs.with_name(blobs.name + ".before-restore")
        if aside.exists():
            shutil.rmtree(aside)
        blobs.replace(aside)
        lines.append(f"the previous blobs are kept in {aside}")
    copied, _ = copy_new_files(source, blobs)
    lines.append(f"{copied} blob file(s) restored into {blobs}")
    return lines


def _relstorage_rows(target: PostgresTarget) -> int | None:
    """Rows of RelStorage's object table in the target database (None: no such table)."""
    import psycopg2

    env = target.libpq_env()
    try:
        conn = psycopg2.connect(
            dbname=env["PGDATABASE"],
            host=env.get("PGHOST"),
            port=env.get("PGPORT"),
            user=env.get("PGUSER"),
            password=env.get("PGPASSWORD"),
            connect_timeout=10,
        )
    except psycopg2.OperationalError as exc:
        fail(RESTORE, f"cannot connect to the {target.describe()}: {str(exc).strip()}")
        raise  # pragma: no cover
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('object_state') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT count(*) FROM object_state")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def restore_postgres(
    target: PostgresTarget, directory: Path, force: bool, dump: str | None
) -> list[str]:
    dumps = sorted((directory / "postgres").glob("*.dump"))
    chosen = Path(dump) if dump else (dumps[-1] if dumps else None)
    if chosen is None or not chosen.is_file():
        fail(RESTORE, f"{directory / 'postgres'} holds no dump (made by {BACKUP})")
    rows = _relstorage_rows(target)
    if rows and not force:
        fail(RESTORE, f"the {target.describe()} holds data; pass --force to replace it")
    _run(
        RESTORE,
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={target.dbname}",
            str(chosen),
        ],
        env=target.libpq_env(),
    )
    lines = [f"restored the {target.describe()} from {chosen}"]
    lines += _restore_blobs(target.blobs, directory, force)
    return lines


def restore_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=RESTORE,
        description=f"Restore the desk's database from a directory made by {BACKUP}; stop "
        "the desk first.",
    )
    parser.add_argument("ini", help="the ini file (or a ZEO server's zeo.conf)")
    parser.add_argument("dir", help=f"the backup directory made by {BACKUP}")
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    parser.add_argument(
        "--date", help="FileStorage: the state at this UTC time (repozo's -D, YYYY-MM-DD-HH-MM-SS)"
    )
    parser.add_argument("--dump", help="PostgreSQL: this dump file instead of the newest")
    args = parser.parse_args(argv)
    target = _target(RESTORE, args.ini)
    directory = Path(args.dir)
    if not directory.is_dir():
        fail(RESTORE, f"{directory} is not a directory")
    started = time.monotonic()
    if isinstance(target, FileTarget):
        lines = restore_file(target, directory, args.force, args.date)
    else:
        lines = restore_postgres(target, directory, args.force, args.dump)
    for line in lines:
        print(f"{RESTORE}: {line}")
    print(f"{RESTORE}: done in {time.monotonic() - started:.1f} s")
