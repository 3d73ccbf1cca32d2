"""Rotating a tenant's data keys without downtime.

1. Each purpose's active key becomes decrypt-only and a new version
   encrypts (:func:`.data_keys.rotate`); every process takes the new version
   at its next request (the tenants counter), and reads both meanwhile.
2. Every stored value of every codec field is re-encrypted, in batches of
   rows, each batch committed: an interrupted run leaves whole batches done
   and a rerun (:func:`finish`, or the next daily check) goes on.
3. Once the processes have all seen the rotation, a scan reads every
   stored value's key version (the codec's ``key_version``) and
   re-encrypts any row still under an old one (written by a process that
   had not yet seen the rotation); only when none is left are the old
   versions retired, their wrapped keys erased.

The master key is rotated apart (:func:`rewrap_master`): it wraps the
tenant keys, data keys and platform keys, which are wrapped again; no value
is touched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import transaction
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from . import data_keys, platform_keys, settle
from .fields import CODEC_FIELDS, FOLLOWING_FIELDS, codecs_of
from .models import DATA_KEY_ACTIVE, DATA_KEY_DECRYPT_ONLY, Tenant
from .scripting import tenant_request
from .tasks import commit_batch, platform_task, resolve_task

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# Every model whose rows hold a codec field or copies of one, in the order re-encrypted.
MODELS = tuple(dict.fromkeys([*CODEC_FIELDS, *(model for model, _ in FOLLOWING_FIELDS)]))
SCAN_BATCH = 5000
# Passes of the final scan before giving up (each re-encrypts what the previous found).
SCAN_PASSES = 5

Progress = Callable[[int, int], None]


@dataclass
class RotationResult:
    slug: str
    rotated: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    retired: list[tuple[str, int]] = field(default_factory=list)


def purposes(registry, slug: str) -> list[str]:
    """The purposes ``slug`` has data keys for."""
    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()
        if tenant is None:
            from .provisioning import TenantNotFound

            raise TenantNotFound(slug)
        return sorted({key.purpose for key in tenant.data_keys})


def rotate(registry, slug: str, progress: Progress | None = None,
           batch_size: int = BATCH_SIZE, settle_seconds: float | None = None) -> RotationResult:
    """Rotate every data key of ``slug``, re-encrypt, retire the old versions."""
    found = purposes(registry, slug)
    _refuse_while_moving(registry, slug)
    if not found:
        raise data_keys.DataKeyError(f"tenant {slug!r} has no data keys: nothing to rotate")
    rotated = {purpose: data_keys.rotate(registry.tenancy, slug, purpose) for purpose in found}
    result = finish(registry, slug, progress, batch_size, settle_seconds)
    result.rotated = rotated
    return result


def _refuse_while_moving(registry, slug: str) -> None:
    # A move's rows are re-encrypted in its own form and its old key kept until it ends:
    # a rotation meanwhile could retire a key that still opens unmoved values.
    from .field_moves import moves_of

    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        if moves_of(tenant):
            raise data_keys.DataKeyError(
                f"tenant {slug!r} has an unfinished field move: finish it first "
                "(praxcloud keys rotate --finish)")


def finish(registry, slug: str, progress: Progress | None = None,
           batch_size: int = BATCH_SIZE, settle_seconds: float | None = None) -> RotationResult:
    """Re-encrypt every row under the active keys and retire the decrypt-only ones.

    Safe to run at any time and as often as wanted: with no decrypt-only
    key it re-encrypts nothing and retires nothing.
    """
    result = RotationResult(slug)
    pending = _decrypt_only(registry, slug)
    if not pending:
        return result
    started = settle.clock_of(registry)()
    result.rows = reencrypt(registry, slug, progress, batch_size)
    # Processes that loaded the tenant before the rotation may have encrypted
    # under the old version since; they all reload within tenant_cache_seconds.
    settle.wait(registry, started, settle_seconds)
    for _ in range(SCAN_PASSES):
        stale = _rows_under(registry, slug, {version for _, version in pending})
        if not any(stale.values()):
            break
        log.warning("tenant %s: %d rows were written under an old key during the rotation; "
                    "re-encrypting them", slug, sum(len(ids) for ids in stale.values()))
        _reencrypt_rows(registry, slug, stale)
    else:
        raise data_keys.DataKeyError(
            f"tenant {slug!r}: rows keep being written under an old key; not retired")
    for purpose, version in pending:
        data_keys.retire(registry.tenancy, slug, purpose, version)
        result.retired.append((purpose, version))
    _report(registry, slug, result.rows, None)
    return result


def reencrypt(registry, slug: str, progress: Progress | None = None,
              batch_size: int = BATCH_SIZE, checkpoint=None) -> int:
    """Store every row of every codec model again under the current codecs; count them.

    ``checkpoint`` (a field move's): ``load()`` gives the (model's place in
    ``MODELS``, last id) that an earlier, interrupted run committed last, and
    ``save(place, last_id)`` is called after each committed batch, so that a
    rerun goes on from there instead of the first row.
    """
    start_model, start_id = checkpoint.load() if checkpoint is not None else (0, 0)
    with tenant_request(registry, slug, transaction_manager=_own_manager()) as request:
        db = request.tenant_db
        counts = [db.scalar(select(func.count()).select_from(model)) or 0 for model in MODELS]
        total = sum(counts)
        done = sum(counts[:start_model])
        _report(registry, slug, done, total)
        if progress is not None:
            progress(done, total)
        for place, model in enumerate(MODELS):
            if place < start_model:
                continue
            last_id = start_id if place == start_model else 0
            if last_id:
                done += db.scalar(select(func.count()).select_from(model)
                                  .where(model.id <= last_id)) or 0
            while True:
                rows = db.scalars(select(model).where(model.id > last_id)
                                  .order_by(model.id).limit(batch_size)).all()
                if not rows:
                    break
                _store_again(db, model, rows)
                last_id = rows[-1].id
                commit_batch(request)
                if checkpoint is not None:
                    checkpoint.save(place, last_id)
                done += len(rows)
                _report(registry, slug, min(done, total), total)
                if progress is not None:
                    progress(min(done, total), total)
        return done


# Where a running rotation says how far it got, for the console of every process.
PROGRESS_NAMESPACE, PROGRESS_KEY = "keys", "rotation"
PROGRESS_SECONDS = 3600


def _report(registry, slug: str, done: int, total: int | None) -> None:
    state = registry.shared_state.for_tenant(slug).namespace(PROGRESS_NAMESPACE)
    try:
        if total is None:
            state.delete(PROGRESS_KEY)
        else:
            state.set(PROGRESS_KEY, f"{done} {total}", PROGRESS_SECONDS)
    except Exception:
        # Progress is for people watching; the rotation itself goes on.
        log.warning("tenant %s: rotation progress not recorded", slug, exc_info=True)


def progress_of(registry, slug: str) -> tuple[int, int] | None:
    """(rows done, rows in all) of the tenant's running rotation, or None."""
    try:
        found = registry.shared_state.for_tenant(slug).namespace(PROGRESS_NAMESPACE).get(
            PROGRESS_KEY)
    except Exception:
        log.warning("tenant %s: rotation progress unreadable", slug, exc_info=True)
        return None
    if not found:
        return None
    done, total = (int(part) for part in found.split())
    return done, total


def _store_again(db, model, rows) -> None:
    fields = _fields_of(model)
    for row in rows:
        for name in fields:
            flag_modified(row, name)
    db.flush()


def _fields_of(model) -> tuple[str, ...]:
    own = CODEC_FIELDS.get(model, ())
    copies = tuple(f for (m, f) in FOLLOWING_FIELDS if m is model)
    return own + copies


def _decrypt_only(registry, slug: str) -> list[tuple[str, int]]:
    return [(purpose, key["version"])
            for purpose in purposes(registry, slug)
            for key in data_keys.status(registry.tenancy, slug, purpose)
            if key["state"] == DATA_KEY_DECRYPT_ONLY]


def _rows_under(registry, slug: str, versions: set[int]) -> dict[type, list[int]]:
    """Ids of rows holding a value under one of ``versions``, read raw, by model."""
    found: dict[type, list[int]] = {}
    with tenant_request(registry, slug, transaction_manager=_own_manager()) as request:
        db = request.tenant_db
        codecs = codecs_of(db)
        for model in MODELS:
            table = model.__table__
            fields = [(name, codecs.get(model, name)) for name in _fields_of(model)]
            fields = [(name, codec) for name, codec in fields
                      if codec is not None and hasattr(_inner(codec), "key_version")]
            if not fields:
                continue
            probes = [_inner(codec) for _, codec in fields]
            found[model] = [
                row[0] for row in scan(db, table, [name for name, _ in fields])
                if any(isinstance(value, str) and probe.key_version(value) in versions
                       for value, probe in zip(row[1:], probes, strict=True))]
    return found


def scan(db, table, names: list[str]):
    """Every row of ``table`` as (id, *names), raw, in id order, ``SCAN_BATCH`` at a time.

    Raw: past the field layer, an encoded value as stored. Only text can be
    told apart (a value of another form, a date or an object, is plain).
    """
    columns = [table.c[name] for name in names]
    last_id = 0
    while True:
        rows = db.execute(select(table.c.id, *columns).where(table.c.id > last_id)
                          .order_by(table.c.id).limit(SCAN_BATCH)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]


def _reencrypt_rows(registry, slug: str, stale: dict[type, list[int]]) -> None:
    with tenant_request(registry, slug, transaction_manager=_own_manager()) as request:
        db = request.tenant_db
        for model, ids in stale.items():
            for start in range(0, len(ids), BATCH_SIZE):
                chunk = ids[start:start + BATCH_SIZE]
                _store_again(db, model, db.scalars(select(model).where(model.id.in_(chunk))).all())


def _own_manager() -> transaction.TransactionManager:
    # Never the thread's default manager: a caller (a task, a request) may hold it.
    return transaction.TransactionManager(explicit=True)


def _inner(codec):
    """The plugin's own codec inside the core's wrappers (row binding, copies)."""
    while hasattr(codec, "codec"):
        codec = codec.codec
    return codec


def rewrap_master(registry) -> dict[str, int]:
    """Wrap every tenant key, data key and platform key under the current master key.

    Nothing else changes: no value is sealed or derived under the master key
    itself, so once this is done the previous master key can leave the settings.
    """
    tenancy = registry.tenancy
    keyring = tenancy.keyring
    tenant_keys = 0
    with tenancy.platform_session() as platform_db:
        for tenant in platform_db.scalars(select(Tenant).order_by(Tenant.id)):
            if not keyring.is_current(tenant.wrapped_key):
                tenant.wrapped_key = keyring.rewrap_tenant_key(tenant.slug, tenant.wrapped_key)
                tenant_keys += 1
    return {"tenant_keys": tenant_keys, "data_keys": data_keys.rewrap_all(tenancy),
            "platform_keys": platform_keys.rewrap_all(tenancy)}


def active_encryptions(registry, slug: str) -> dict[str, int]:
    """Each purpose's active key's encryption count: what the daily check compares."""
    counts = {}
    for purpose in purposes(registry, slug):
        for key in data_keys.status(registry.tenancy, slug, purpose):
            if key["state"] == DATA_KEY_ACTIVE:
                counts[purpose] = key["encryptions"]
    return counts


@platform_task(name="praxcloud.core.key_rotation.rotate_tenant_keys")
def rotate_tenant_keys(self, slug: str) -> dict:
    """The Celery job behind ``praxcloud keys rotate --background``."""
    result = rotate(self.registry, slug)
    log.warning("tenant %s: data keys rotated, %d rows re-encrypted, retired %s",
                result.slug, result.rows, result.retired)
    return {"rows": result.rows, "rotated": result.rotated, "retired": result.retired}


def queue_rotation(request) -> str:
    """Queue :func:`rotate_tenant_keys` for the request's tenant once its transaction
    commits; returns the job's id (known before it is sent)."""
    job_id = str(uuid.uuid4())
    bound = resolve_task(request.registry.celery_app, rotate_tenant_keys)
    slug = request.tenant.slug

    def send_if_committed(committed: bool) -> None:
        if committed:
            try:
                bound.apply_async((slug,), task_id=job_id)
            except Exception:
                log.exception("tenant %s: the key rotation job could not be queued", slug)

    request.tm.get().addAfterCommitHook(send_if_committed)
    return job_id
