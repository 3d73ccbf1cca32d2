"""Reading a tenant's database out as one stream, and writing such a stream back.

PostgreSQL: ``pg_dump -Fc`` (uncompressed: restic compresses and deduplicates,
which a compressed dump would defeat) streams straight into restic; no
plaintext touches the disk. Restored with ``pg_restore --single-transaction``
fed from ``restic dump``: the stream's last piece is held back until restic has
finished without error and the stream's SHA-256 matches the one recorded at
backup time, so a damaged backup is rolled back whole and the database stays
as it was.

SQLite: the online backup API copies the live database into a private
temporary file (mode 0600 in a 0700 directory next to nothing else), which is
streamed to restic and deleted; restored by checking a copy
(``PRAGMA integrity_check``) and then copying it into the live database with
the same backup API.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from .errors import BackupError

CHUNK = 1 << 20
LOCK_TIMEOUT_MS = 120_000
Progress = Callable[[int], None] | None


class Digest:
    """Bytes seen so far: their count and SHA-256."""

    def __init__(self):
        self.size = 0
        self._sha = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._sha.update(chunk)

    @property
    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def engine_name(engine) -> str:
    return engine.url.get_backend_name()


def revision(engine) -> str:
    """The database's alembic revisions (the core's and each plugin's branch), joined by +."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return "+".join(sorted(rows)) or "none"


def table_digests(engine) -> dict[str, str]:
    """Every table's rows, hashed in a stable order: for tests and a restore's report."""
    from sqlalchemy import inspect

    found = {}
    with engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            quoted = connection.dialect.identifier_preparer.quote(table)
            rows = connection.execute(text(f"SELECT * FROM {quoted}")).fetchall()  # noqa: S608
            sha = hashlib.sha256()
            for row in sorted(repr(tuple(row)) for row in rows):
                sha.update(row.encode())
            found[table] = sha.hexdigest()
    return found


# PostgreSQL -------------------------------------------------------------------------
def _pg_command(engine, program: str, *args: str) -> tuple[list[str], dict]:
    url = engine.url
    argv = [program, "--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "", "--dbname", url.database or "", *args]
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env["PGCONNECT_TIMEOUT"] = "15"
    if url.password:
        env["PGPASSWORD"] = url.password  # the environment only, never argv
    return argv, env


def _start(argv: list[str], env: dict, **kwargs) -> subprocess.Popen:
    # stderr (and any output nobody streams) goes to a temporary file, never a pipe that
    # nobody reads while the stream flows: a full pipe would stop both processes.
    errors = tempfile.TemporaryFile()
    try:
        # An argument list, no shell: nothing a tenant chose is interpreted.
        process = subprocess.Popen(argv, env=env, stderr=errors, **kwargs)  # noqa: S603
    except FileNotFoundError:
        errors.close()
        raise BackupError("dump_failed", f"{argv[0]} is not installed (PostgreSQL client "
                                         f"tools)") from None
    process.error_file = errors
    return process


def error_text(process: subprocess.Popen) -> str:
    """What the process wrote on stderr (kept in a temporary file)."""
    errors = getattr(process, "error_file", None)
    if errors is None:
        return ""
    errors.seek(0)
    return errors.read().decode(errors="replace")


def _last_line(process: subprocess.Popen) -> str:
    err = error_text(process)
    lines = [line for line in err.splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit status {process.returncode}"


@contextmanager
def dump_stream(engine) -> Iterator[Iterator[bytes]]:
    """The database as chunks of one stream (``pg_dump -Fc`` or an SQLite file).

    The stream raises :class:`BackupError` at its end when the dump failed, so
    a consumer never mistakes a cut-off dump for a whole one.
    """
    if engine_name(engine) == "postgresql":
        argv, env = _pg_command(engine, "pg_dump", "--format=custom", "--compress=0",
                                "--no-owner", "--no-privileges")
        process = _start(argv, env, stdout=subprocess.PIPE)
        try:
            yield _pg_chunks(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return
    with tempfile.TemporaryDirectory(prefix="praxcloud-backup-") as directory:
        copy = Path(directory) / "copy.sqlite"
        _sqlite_copy_out(engine, copy)
        with copy.open("rb") as stream:
            yield iter(lambda: stream.read(CHUNK), b"")


def _pg_chunks(process: subprocess.Popen) -> Iterator[bytes]:
    while chunk := process.stdout.read(CHUNK):
        yield chunk
    if process.wait() != 0:
        raise BackupError("dump_failed", f"pg_dump failed: {_last_line(process)}")


def _sqlite_copy_out(engine, path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()


# Checking a stream read back --------------------------------------------------------
def check_stream(engine_kind: str, chunks: Iterator[bytes], digest: Digest) -> None:
    """Read the whole stream into ``digest`` and check it is a readable database dump."""
    if engine_kind == "postgresql":
        listing_file = tempfile.TemporaryFile()
        process = _start(["pg_restore", "--list"], {"PATH": os.environ.get("PATH", "")},
                         stdin=subprocess.PIPE, stdout=listing_file)
        listing = bytearray()
        feeding = True
        try:
            for chunk in chunks:
                digest.update(chunk)
                if feeding:
                    try:
                        process.stdin.write(chunk)
                    except BrokenPipeError:
                        feeding = False  # it has read the table of contents it needs
            if feeding:
                process.stdin.close()
        finally:
            process.wait()
            listing_file.seek(0)
            listing += listing_file.read()
            listing_file.close()
            if process.returncode != 0 and b"TABLE DATA" not in listing:
                raise BackupError("damaged", f"the dump does not read back: pg_restore: "
                                             f"{_last_line(process)}")
        if b"TABLE" not in listing:
            raise BackupError("damaged", "the dump reads back without any table")
        return
    with tempfile.TemporaryDirectory(prefix="praxcloud-verify-") as directory:
        path = Path(directory) / "check.sqlite"
        _write_file(path, chunks, digest)
        _sqlite_integrity(path)


def _write_file(path: Path, chunks: Iterator[bytes], digest: Digest) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)


def _sqlite_integrity(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchall()
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("damaged", f"the SQLite copy does not open: {exc}") from None
    if result != [("ok",)] or not tables:
        raise BackupError("damaged", f"the SQLite copy fails its integrity check: "
                                     f"{result[0][0] if result else 'no answer'}")


# Restoring ---------------------------------------------------------------------------
def restore_stream(engine, chunks: Iterator[bytes], digest: Digest,
                   finish: Callable[[], None]) -> None:
    """Write the stream into ``engine``'s database, all or nothing.

    ``finish()`` is called once the whole stream has been read and before
    anything is committed; it raises when the stream must not be kept (restic
    failed, the SHA-256 differs), and the database is then left as it was.
    """
    if engine_name(engine) == "postgresql":
        _pg_restore(engine, chunks, digest, finish)
        return
    with tempfile.TemporaryDirectory(prefix="praxcloud-restore-") as directory:
        path = Path(directory) / "restore.sqlite"
        _write_file(path, chunks, digest)
        finish()
        _sqlite_integrity(path)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)
        finally:
            raw.close()
            source.close()


def _pg_restore(engine, chunks: Iterator[bytes], digest: Digest,
                finish: Callable[[], None]) -> None:
    argv, env = _pg_command(engine, "pg_restore", "--clean", "--if-exists", "--no-owner",
                            "--no-privileges", "--single-transaction", "--exit-on-error")
    # A session of the app holding a lock on a table must not keep the restore waiting
    # for ever: it fails (and rolls back) instead, and can be run again.
    env["PGOPTIONS"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
    process = _start(argv, env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    held = b""
    try:
        try:
            for chunk in chunks:
                digest.update(chunk)
                if held:
                    process.stdin.write(held)
                held = chunk
            finish()  # raises: pg_restore is killed below with its transaction open
            process.stdin.write(held)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit status tells why
        if process.wait() != 0:
            raise BackupError("restore_failed", f"pg_restore failed, nothing was changed: "
                                                f"{_last_line(process)}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
