"""Moving a tenant's stored values when a codec plugin is enabled, disabled or reconfigured.

A tenant with a million records cannot have them all rewritten in the one
transaction that changes its contract: that transaction would hold every
row and lose everything if killed. So the change is recorded first, on the
contract line (``TenantPlugin.move``, committed), and the values are moved
afterwards in committed batches by the key rotation's own machinery
(:func:`.key_rotation.reencrypt`: primary-key ranges, progress in shared
state for the console, a bar in the CLI).

While a move is recorded, every process resolves the tenant's codecs as a
:class:`MovingFieldCodecs`: values are read through the codec of either
side (a codec that takes part in a move reads a value not in its own form as
plain text, as field encryption's does) and written in the new form; exact
lookups and word searches look for both forms (the blind index of the new
side and of the old, or the plain value where no index is stored yet), so
login by e-mail and the records search work for every row at every moment.

A disable keeps the contract line, and so the data keys and the codecs that
open what is still encrypted, until every value is plain. An interrupted
move is continued by rerunning what started it (``praxcloud plugins enable``
or ``disable``), by ``praxcloud keys rotate --tenant T --finish``, or by the
plugin's daily check (:func:`.contracts.finish_moves`); moving a row again
is harmless, so a rerun starts over from the first row.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import and_, false, or_

from . import settle
from .errors import TenantUnavailable
from .fields import (
    BLIND_INDEX_COLUMNS,
    TOKEN_INDEX_COLUMNS,
    TenantFieldCodecs,
    codecs_of,
    tokens_of,
)
from .models import Tenant
from .scripting import tenant_request
from .search import like_pattern
from .tasks import platform_task, resolve_task

log = logging.getLogger(__name__)

ENABLE, DISABLE, CONFIGURE = "enable", "disable", "configure"
# Passes of the final scan before giving up (each moves what the previous found).
SCAN_PASSES = 5


class FieldMoveError(Exception):
    """A move cannot start or finish (another is pending, rows keep coming back)."""


class MovingFieldCodecs(TenantFieldCodecs):
    """A tenant's codecs while its stored values move from ``old``'s form to ``new``'s.

    ``get`` (what writes) is the new side's; ``reading`` is the new side's
    codec or, for a field the new side stores plain, the old side's: each
    reads both forms.
    """

    def __init__(self, old: TenantFieldCodecs, new: TenantFieldCodecs):
        super().__init__(new._codecs)
        self.old = old

    def __bool__(self) -> bool:
        return True

    def reading(self, model: type, field: str):
        return self.get(model, field) or self.old.get(model, field)

    def is_encoded(self, model: type, field: str) -> bool:
        # Some rows may be encoded: no SQL comparison or ordering on the column.
        return self.reading(model, field) is not None

    def _sides(self, model: type, field: str) -> list:
        sides = [self.get(model, field), self.old.get(model, field)]
        return [codec for i, codec in enumerate(sides)
                if codec is not None and codec not in sides[:i]]

    def match(self, model: type, field: str, value: str):
        """Through either side's blind index, or the plain value of a row not yet indexed."""
        sides = self._sides(model, field)
        column = getattr(model, field)
        if not sides:
            return column == value
        index = getattr(model, BLIND_INDEX_COLUMNS[(model, field)])
        # A row stored plain has no index (the field layer clears it): its value
        # is compared as it is; an encoded value never equals a plain one.
        clauses = [index == codec.blind_index(value) for codec in sides]
        clauses.append(and_(index.is_(None), column == value))
        return or_(*clauses)

    def words(self, model: type, field: str, text: str):
        """Every word through either side's token index; a row without one by its plain text.

        A row not yet moved has no token index and matches by substring,
        as a plain name does; an encoded value without words has none either
        and may match by chance (a search may find a little more).
        """
        column = getattr(model, TOKEN_INDEX_COLUMNS[(model, field)])
        clauses = []
        for codec in self._sides(model, field):
            tokens = tokens_of(codec, text)
            if tokens:
                clauses.append(and_(*[column.like(f"% {token} %") for token in tokens]))
        if text:
            clauses.append(and_(column.is_(None),
                                getattr(model, field).ilike(like_pattern(text), escape="\\")))
        return or_(*clauses) if clauses else false()


class TenantAs:
    """``tenant`` as its contract was before a move, or will be after: other plugin lines.

    What the codec hook is asked with to resolve each side of a move;
    everything but the contract is the tenant's own.
    """

    def __init__(self, tenant: Tenant, contract: dict[str, dict[str, Any]]):
        self._tenant = tenant
        self._contract = contract

    def __getattr__(self, name: str):
        return getattr(self._tenant, name)

    @property
    def enabled_plugins(self) -> frozenset[str]:
        return frozenset(self._contract)

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        if plugin not in self._contract:
            raise LookupError(plugin)
        return dict(self._contract[plugin])


def moves_of(tenant) -> dict[str, dict[str, Any]]:
    """The tenant's recorded moves, by plugin."""
    return {row.plugin: row.move for row in tenant.plugins if row.move}


def pending(tenant, plugin: str) -> str | None:
    """The action (``enable``, ``disable``, ``configure``) of ``plugin``'s unfinished move."""
    move = moves_of(tenant).get(plugin)
    return None if move is None else move["action"]


def resolve(tenant: Tenant, resolve_contract) -> TenantFieldCodecs:
    """The tenant's codecs: ``resolve_contract(tenant)``, or both sides of a recorded move."""
    moves = moves_of(tenant)
    if not moves:
        return resolve_contract(tenant)
    now = {row.plugin: dict(row.settings or {}) for row in tenant.plugins}
    before, after = dict(now), dict(now)
    for plugin, move in moves.items():
        action = move.get("action")
        if action == ENABLE:
            before.pop(plugin)
        elif action == DISABLE:
            after.pop(plugin)
        elif action == CONFIGURE:
            before[plugin] = dict(move.get("old") or {})
        else:
            # Fail closed: a move not understood cannot be read both ways.
            log.error("tenant %s refused: unknown move %r of %s", tenant.slug, move, plugin)
            raise TenantUnavailable("plugin_unavailable",
                                    "a security feature of this institution is unavailable", 503)
    return MovingFieldCodecs(resolve_contract(TenantAs(tenant, before)),
                             resolve_contract(TenantAs(tenant, after)))


def has_codecs(host, plugin: str) -> bool:
    """Does ``plugin`` implement ``praxcloud_field_codec`` (its changes move values)?"""
    module = host.pm.get_plugin(plugin)
    return module is not None and hasattr(module, "praxcloud_field_codec")


CHECKPOINT_NAMESPACE = "keys"
CHECKPOINT_SECONDS = 7 * 24 * 3600


class Checkpoint:
    """How far the batches of one move got, in shared state (Redis in production).

    Keyed by the move's own id, so a later move never starts from an earlier
    one's place. Lost (expired, the store unreachable), the move starts from
    the first row again: storing a moved row again changes nothing.
    """

    def __init__(self, registry, slug: str, move_id: str):
        self.slug = slug
        self.key = f"move:{move_id}"
        self._state = registry.shared_state.for_tenant(slug).namespace(CHECKPOINT_NAMESPACE)

    def load(self) -> tuple[int, int]:
        try:
            found = self._state.get(self.key)
            if found:
                place, last_id = (int(part) for part in found.split())
                return place, last_id
        except Exception:
            log.warning("tenant %s: the move's checkpoint is unreadable; starting from the "
                        "first row", self.slug, exc_info=True)
        return 0, 0

    def clear(self) -> None:
        try:
            self._state.delete(self.key)
        except Exception:
            log.warning("tenant %s: the move's checkpoint not cleared (it expires)", self.slug,
                        exc_info=True)

    def save(self, place: int, last_id: int) -> None:
        try:
            self._state.set(self.key, f"{place} {last_id}", CHECKPOINT_SECONDS)
        except Exception:
            # Only the rerun's starting point is lost, never a value.
            log.warning("tenant %s: the move's checkpoint not recorded", self.slug,
                        exc_info=True)


def new_move(action: str, **details) -> dict[str, Any]:
    """A move record for ``TenantPlugin.move``, with an id of its own (its checkpoint's)."""
    return {"action": action, "id": uuid.uuid4().hex, **details}


def move_values(registry, slug: str, progress=None, batch_size: int | None = None,
                settle_seconds: float | None = None, started: float | None = None,
                move_id: str | None = None) -> int:
    """Move every stored value of ``slug`` to the form its recorded moves lead to.

    Batches as the key rotation re-encrypts (each committed, progress
    reported); then, once every process has seen the move (the tenant cache
    reloads within ``tenant_cache_seconds``: :mod:`.settle`, timed from
    ``started``, a reading of the registry's settle clock), rows that a
    process still wrote in the old form are found in the raw values and
    moved again. Returns the rows moved. The caller clears the record
    (:mod:`.contracts`).
    """
    from . import key_rotation

    started = settle.clock_of(registry)() if started is None else started
    checkpoint = None if move_id is None else Checkpoint(registry, slug, move_id)
    rows = key_rotation.reencrypt(registry, slug, progress,
                                  batch_size or key_rotation.BATCH_SIZE, checkpoint)
    settle.wait(registry, started, settle_seconds)
    for _ in range(SCAN_PASSES):
        stale = off_target(registry, slug)
        if not any(stale.values()):
            break
        log.warning("tenant %s: %d rows were written in the old form during the move; "
                    "moving them", slug, sum(len(ids) for ids in stale.values()))
        key_rotation._reencrypt_rows(registry, slug, stale)
    else:
        raise FieldMoveError(f"tenant {slug!r}: rows keep being written in the old form")
    key_rotation._report(registry, slug, rows, None)
    if checkpoint is not None:
        checkpoint.clear()
    return rows


def off_target(registry, slug: str) -> dict[type, list[int]]:
    """Ids of rows with a value stored in the other form than the move's target, by model.

    Read raw: a codec's ``key_version`` tells an encoded value (a version)
    from a plain one (None). Fields whose codec cannot tell are not checked.
    """
    from .key_rotation import MODELS, _fields_of, _inner, _own_manager, scan

    found: dict[type, list[int]] = {}
    with tenant_request(registry, slug, transaction_manager=_own_manager()) as request:
        db = request.tenant_db
        codecs = codecs_of(db)
        if not isinstance(codecs, MovingFieldCodecs):
            return found
        for model in MODELS:
            checks = []
            for name in _fields_of(model):
                reader = codecs.reading(model, name)
                probe = None if reader is None else _inner(reader)
                if probe is not None and hasattr(probe, "key_version"):
                    checks.append((name, codecs.get(model, name) is not None, probe))
            if not checks:
                continue
            # Only text can be told apart (a value form of another type is not checked).
            found[model] = [
                row[0] for row in scan(db, model.__table__, [name for name, _, _ in checks])
                if any(isinstance(value, str) and (probe.key_version(value) is not None) != encoded
                       for value, (_, encoded, probe) in zip(row[1:], checks, strict=True))]
    return found


@platform_task(name="praxcloud.core.field_moves.finish_tenant_moves")
def finish_tenant_moves(self, slug: str, actor: str | None = None) -> dict:
    """The Celery job behind a move started from the web (console, API): moves and finishes;
    ``actor`` (who asked) is named when a disabled plugin leaves the contract."""
    from .contracts import finish_moves

    return finish_moves(self.registry, slug, actor=actor)


def queue_finish(registry, slug: str, actor: str | None = None) -> str | None:
    """Queue :func:`finish_tenant_moves`; the job's id, or None when it could not be sent.

    Not sent, nothing is lost: the move stays recorded (both forms read)
    and the plugin's daily check or a rerun finishes it.
    """
    try:
        job = resolve_task(registry.celery_app, finish_tenant_moves)
        return job.apply_async((slug,), {"actor": actor}).id
    except Exception:
        log.exception("tenant %s: the job moving stored values could not be queued; the "
                      "daily check will finish the move", slug)
        return None
