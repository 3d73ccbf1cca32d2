"""Backing up, listing, verifying, pruning and restoring one tenant: what the CLI, the
console, the API and the daily task all call.

A run: open (or create) the tenant's repository, stream the database into
``restic backup --stdin`` tagged with the tenant, the engine, the schema
revision and a run id, then verify it (``restic check``, and the whole dump read
back with ``restic dump``: same size, same SHA-256, and a readable dump), and
only then mark it ``verified`` (tags ``size:N``, ``sha256:H``). Old backups are
forgotten after ``keep_days``, never the newest verified one. Each outcome is
in the tenant's audit trail: ``backup.run``, ``backup.failed`` (durable),
``backup.verified``, ``backup.verify_failed``, ``backup.pruned``, ``backup.prune_failed``,
``backup.restored``, ``backup.restore_failed``. Whatever reads the repository's
list keeps what it read as the tenant's backup status (:mod:`.status`), which
the operators' page shows without calling restic.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator

from praxcloud.plugin import tenant_key

from . import databases, status
from .config import NAME, ini_settings, tenant_settings
from .databases import Digest
from .errors import BackupError
from .restic import Repository
from .targets import parse_target

log = logging.getLogger(__name__)

KEY_PURPOSE = f"{NAME}/restic"
VERIFIED = "verified"
# Epoch seconds; a test puts praxcloud.testing's FakeClock here.
clock = time.time


def now() -> dt.datetime:
    return dt.datetime.fromtimestamp(clock(), dt.UTC).replace(microsecond=0)


def repository(request, slug: str | None = None) -> Repository:
    """The request tenant's repository (``slug``: under that name, for the same key)."""
    ini = ini_settings(request)
    target = parse_target(tenant_settings(request)["target"], ini)
    password = base64.urlsafe_b64encode(tenant_key(request, KEY_PURPOSE)).decode()
    return Repository(target, slug or request.tenant.slug, password, restic=ini["restic"],
                      cache_dir=ini["cache_dir"])


def tags_of(snapshot: dict) -> dict[str, str]:
    found = {}
    for tag in snapshot.get("tags") or []:
        key, _, value = tag.partition(":")
        found[key] = value
    return found


def describe(snapshot: dict) -> dict:
    """A snapshot as the CLI, the console and the API show it."""
    tags = tags_of(snapshot)
    size = tags.get("size", "")
    return {"id": snapshot["id"], "short_id": snapshot["id"][:8], "at": snapshot["at"],
            "status": "verified" if VERIFIED in tags else "unverified",
            "size": int(size) if size.isdigit() else None, "engine": tags.get("engine"),
            "revision": tags.get("revision"), "sha256": tags.get("sha256")}


def list_backups(request) -> list[dict]:
    repo = repository(request)
    if not repo.exists():
        return []
    return newest_first(repo.snapshots())


def newest_first(snapshots: list[dict]) -> list[dict]:
    """restic's snapshot list (oldest first), described, newest first."""
    return [describe(snapshot) for snapshot in reversed(snapshots)]


def refresh_status(request) -> dict:
    """Read the repository again and keep its figures as the tenant's backup status."""
    backups = list_backups(request)
    status.record(request, backups, now())
    return status.summary(backups)


def _read(repo: Repository, snapshot: dict, filename: str) -> tuple[subprocess.Popen,
                                                                       Iterator[bytes]]:
    process = repo.dump(snapshot["id"], filename)

    def chunks():
        while chunk := process.stdout.read(databases.CHUNK):
            yield chunk
    return process, chunks()


def filename_of(slug: str, engine_kind: str) -> str:
    return f"{slug}.{'pgdump' if engine_kind == 'postgresql' else 'sqlite'}"


def _expect(repo: Repository, process: subprocess.Popen, digest: Digest,
            snapshot: dict, size: int | None, sha256: str | None) -> None:
    if process.wait() != 0:
        raise repo.failed(process, "dump")
    if size is None or sha256 is None:
        raise BackupError("damaged", f"backup {snapshot['id'][:8]} of {repo.describe} has no "
                                     f"recorded size and SHA-256: it was never verified")
    if digest.size != size or digest.hexdigest != sha256:
        raise BackupError("damaged", f"backup {snapshot['id'][:8]} at {repo.describe} reads "
                                     f"back {digest.size} bytes that differ from the "
                                     f"{size} bytes written: truncated or tampered with, "
                                     f"refused")


def read_back(repo: Repository, snapshot: dict, engine_kind: str, size: int | None,
              sha256: str | None) -> None:
    """Read the snapshot's whole dump back and hold it to what was written."""
    process, chunks = _read(repo, snapshot, filename_of(repo.slug, engine_kind))
    digest = Digest()
    try:
        try:
            databases.check_stream(engine_kind, chunks, digest)
        except BackupError:
            if process.wait() != 0:
                raise repo.failed(process, "dump") from None
            raise
        _expect(repo, process, digest, snapshot, size, sha256)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def write_backup(request, repo: Repository, engine, engine_kind: str,
                 progress: Callable[[int], None] | None = None) -> tuple[str, str, Digest]:
    """Stream the database into a new snapshot; its id, its run id and the stream's digest."""
    slug = request.tenant.slug
    repo.init()
    run_id = secrets.token_hex(8)
    tags = [f"tenant:{slug}", f"engine:{engine_kind}",
            f"revision:{databases.revision(engine)}", f"run:{run_id}"]
    digest = Digest()
    process = repo.backup_stdin(filename_of(slug, engine_kind), tags, now(),
                                stdin=subprocess.PIPE)
    try:
        with databases.dump_stream(engine) as chunks:
            try:
                for chunk in chunks:
                    digest.update(chunk)
                    process.stdin.write(chunk)
                    if progress:
                        progress(len(chunk))
            except BrokenPipeError:
                raise repo.failed(process, "backup") from None
        process.stdin.close()  # only now: a dump cut short never becomes a snapshot
        if process.wait() != 0:
            raise repo.failed(process, "backup")
        output = repo.output(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    snapshot_id = _summary_snapshot(output)
    if not snapshot_id:
        raise BackupError("restic_failed", f"restic did not say which backup it wrote to "
                                           f"{repo.describe}")
    return snapshot_id, run_id, digest


def run_backup(request, progress: Callable[[int], None] | None = None) -> dict:
    """Back the request tenant up now, verify it, prune old ones; the new backup, described."""
    slug = request.tenant.slug
    try:
        repo = repository(request)
        engine = request.tenant_db.get_bind()
        engine_kind = databases.engine_name(engine)
        snapshot_id, run_id, digest = write_backup(request, repo, engine, engine_kind, progress)
        repo.check()
        read_back(repo, {"id": snapshot_id}, engine_kind, digest.size, digest.hexdigest)
        # Tagging writes the snapshot anew (a new id): found again by its run tag.
        repo.add_tags(snapshot_id, [VERIFIED, f"size:{digest.size}",
                                    f"sha256:{digest.hexdigest}"])
        listed = repo.snapshots()
        snapshot = next((one for one in listed if f"run:{run_id}" in one["tags"]), None)
        if snapshot is None or VERIFIED not in snapshot["tags"]:
            raise BackupError("restic_failed", f"the verified backup of {slug} is not listed "
                                               f"in {repo.describe}")
    except BackupError as exc:
        request.audit.record("backup.failed", outcome="failure", durable=True,
                             details={"error": exc.code, "message": exc.message})
        log.warning("backup of %s failed: %s", slug, exc.message)
        raise
    described = describe(snapshot)
    request.audit.record("backup.run", details={"snapshot": snapshot["id"][:8],
                                                "size": digest.size, "engine": engine_kind})
    request.audit.record("backup.verified", details={"snapshot": snapshot["id"][:8]})
    try:
        pruned = prune(request, repo, listed)
    except BackupError as exc:
        # The backup is written and verified; old ones go at the next run (another run
        # holding the repository's lock, say).
        request.audit.record("backup.prune_failed", outcome="failure", durable=True,
                             details={"error": exc.code, "message": exc.message})
        log.warning("backup of %s: old backups not pruned: %s", slug, exc.message)
        status.record(request, newest_first(listed), now())
        pruned = 0
    return {**described, "pruned": pruned}


def _summary_snapshot(output: str) -> str | None:
    for line in reversed(output.splitlines()):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("message_type") == "summary":
            return message.get("snapshot_id")
    return None


def to_forget(snapshots: list[dict], keep_days: int, at: dt.datetime) -> list[dict]:
    """Snapshots older than ``keep_days`` at ``at``, without the newest verified one."""
    cutoff = at - dt.timedelta(days=keep_days)
    verified = [snapshot for snapshot in snapshots if VERIFIED in snapshot["tags"]]
    last_good = max(verified, key=lambda snapshot: snapshot["at"]) if verified else None
    return [snapshot for snapshot in snapshots
            if snapshot["at"] < cutoff and snapshot is not last_good]


def prune(request, repo: Repository | None = None, listed: list[dict] | None = None) -> int:
    """Forget the tenant's backups past ``keep_days``; return how many."""
    repo = repo or repository(request)
    if listed is None:
        if not repo.exists():
            return 0
        listed = repo.snapshots()
    old = to_forget(listed, tenant_settings(request)["keep_days"], now())
    if old:
        repo.forget([snapshot["id"] for snapshot in old])
        request.audit.record("backup.pruned", details={
            "count": len(old), "snapshots": [snapshot["id"][:8] for snapshot in old][:50]})
    forgotten = {snapshot["id"] for snapshot in old}
    status.record(request, newest_first([one for one in listed if one["id"] not in forgotten]),
                  now())
    return len(old)


def verify(request, every: bool = False) -> list[dict]:
    """Check the repository and read back the newest verified backup (``every``: all)."""
    slug = request.tenant.slug
    try:
        repo = repository(request)
        if not repo.exists():
            raise BackupError("no_backup", f"{slug} has no backup at {repo.describe}")
        repo.check()
        listed = repo.snapshots()
        snapshots = [snapshot for snapshot in listed if VERIFIED in snapshot["tags"]]
        if not snapshots:
            raise BackupError("no_backup", f"{slug} has no verified backup at {repo.describe}")
        chosen = snapshots if every else snapshots[-1:]
        for snapshot in chosen:
            tags = tags_of(snapshot)
            size = tags.get("size", "")
            read_back(repo, snapshot, tags.get("engine", ""),
                      int(size) if size.isdigit() else None, tags.get("sha256"))
    except BackupError as exc:
        request.audit.record("backup.verify_failed", outcome="failure", durable=True,
                             details={"error": exc.code, "message": exc.message})
        raise
    request.audit.record("backup.verified", details={
        "snapshots": [snapshot["id"][:8] for snapshot in chosen]})
    status.record(request, newest_first(listed), now())
    return [describe(snapshot) for snapshot in chosen]


def choose(repo: Repository, at: dt.datetime | None, listed: list[dict] | None = None) -> dict:
    """The newest verified backup taken at or before ``at`` (the newest of all without)."""
    listed = repo.snapshots() if listed is None else listed
    snapshots = [snapshot for snapshot in listed if VERIFIED in snapshot["tags"]
                 and (at is None or snapshot["at"] <= at)]
    if not snapshots:
        when = f" at or before {at.isoformat()}" if at else ""
        raise BackupError("no_backup", f"no verified backup{when} in {repo.describe}")
    return snapshots[-1]


def restore(request, into_engine=None, at: dt.datetime | None = None,
            progress: Callable[[int], None] | None = None) -> dict:
    """Restore the request tenant's backup into its own database (or ``into_engine``'s).

    Nothing is written to the tenant's database before the restore has
    finished (pg_restore would wait on the request's own locks); the audit
    event is recorded afterwards, in the restored trail.
    """
    slug = request.tenant.slug
    try:
        repo = repository(request)
        if not repo.exists():
            raise BackupError("no_backup", f"{slug} has no backup at {repo.describe}")
        listed = repo.snapshots()
        snapshot = choose(repo, at, listed)
        tags = tags_of(snapshot)
        engine_kind = tags.get("engine", "")
        engine = into_engine if into_engine is not None else request.tenant_db.get_bind()
        if databases.engine_name(engine) != engine_kind:
            raise BackupError("restore_failed", f"backup {snapshot['id'][:8]} is of a "
                                                f"{engine_kind} database, not "
                                                f"{databases.engine_name(engine)}")
        size = tags.get("size", "")
        revision_before = databases.revision(engine)
        process, chunks = _read(repo, snapshot, filename_of(slug, engine_kind))
        digest = Digest()

        def counted():
            for chunk in chunks:
                if progress:
                    progress(len(chunk))
                yield chunk

        try:
            databases.restore_stream(
                engine, counted(), digest,
                lambda: _expect(repo, process, digest, snapshot,
                                int(size) if size.isdigit() else None, tags.get("sha256")))
        except BackupError as exc:
            if exc.code == "restore_failed" and process.wait() != 0:
                raise repo.failed(process, "dump") from None
            raise
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    except BackupError as exc:
        request.audit.record("backup.restore_failed", outcome="failure", durable=True,
                             details={"error": exc.code, "message": exc.message})
        raise
    restored = {**describe(snapshot), "revision_before": revision_before,
                "revision_after": databases.revision(engine)}
    request.audit.record("backup.restored", details={
        "snapshot": snapshot["id"][:8], "taken_at": restored["at"].isoformat(),
        "into": "own database" if into_engine is None else "another tenant"})
    if into_engine is None:
        # The restored rows hold the status as it was when the backup was taken.
        status.record(request, newest_first(listed), now())
    return restored
