"""Data hooks: how stored fields are encoded, the audit trail as written, erasing a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request

    from ..data_keys import DataKeys
    from ..fields import FieldCodec
    from ..models import AuditEvent, Tenant


@hookspec(firstresult=True)
def praxcloud_field_codec(
    tenant: Tenant, model: str, field: str, keys: Callable[[str], bytes],
    data_keys: Callable[[str], DataKeys],
) -> FieldCodec | None:
    """Return a codec for ``field`` of ``model`` in ``tenant``, or ``None`` for plain storage.

    ``model`` is a table name: ``"users"`` (fields ``email``, ``display_name``)
    or ``"records"`` (``name``, ``email``, ``phone``, ``date_of_birth``,
    ``notes``, ``fields``). A codec sees text only: the date of birth as ISO
    8601 (``1984-03-05``), the free fields as canonical JSON. ``keys(purpose)``
    derives a 32-byte key of this tenant's for one purpose; deleting the
    tenant destroys the key it derives from. ``data_keys(purpose)`` gives the
    tenant's versioned random data keys for a purpose (made on first use,
    wrapped by the master key in the platform database; see
    :class:`praxcloud.plugin.DataKeys`): what a codec encrypts with when its
    keys must rotate. Derive ``keys(...)`` when the codec is made, not later:
    a copy of the tenant restored into a new tenant
    (:func:`praxcloud.plugin.prepare_restored_copy`) is given the keys asked
    for then. Bind associated data to ``data_keys(purpose).origin_id``, not
    ``tenant.id``: the copy's is its source's.

    A codec has ``encode(value: str) -> str`` and ``decode(stored: str) -> str``
    or, when its ``binds_row`` attribute is true, ``encode(value, row)`` and
    ``decode(stored, row)`` with the id of the row the value belongs to
    (``None`` for the audit trail's copies, written before their rows have
    ids), to bind each value to its row. For ``users.email`` (looked up by
    exact match at login and forgot-password) it also has
    ``blind_index(value: str) -> str`` of at most 64 characters: the same for
    the same value, revealing nothing else; it may be truncated so that a
    few values share each index value (the core then compares the decoded
    candidates). For ``records.name`` (searched by word) it may have
    ``search_tokens(text: str) -> list[str]``: an index value per word of
    ``text``, the same for the same word; the core keeps them beside the
    name and a search finds the records having every word of the query
    (without it an encoded name cannot be searched). The
    core applies codecs when rows are written and read, never calls this hook
    per row, and asks again only when the tenant's contract changes. An
    encoded value may be up to 512 characters (``records.phone``: 255). ``decode``
    must read whatever earlier codecs stored (plain text from before the
    plugin was enabled, values under a previous key). The audit trail's
    display values (``audit_events.actor`` and ``.target``) follow the
    ``users.email`` codec.

    The core moves the stored values itself when a plugin implementing this
    hook is enabled, disabled or reconfigured: the change is recorded on the
    contract line, then every row is stored again in committed batches (a
    rerun of the same command finishes an interrupted move; see
    :mod:`praxcloud.core.field_moves`). Meanwhile values are read through the
    codec of either side and exact lookups and searches look for both
    forms, so ``decode`` must read a value not in its own form as plain text.
    A codec with ``key_version(stored) -> int | None`` (None for plain text)
    lets the core find rows written in the old form by a process that had not
    yet seen the change. ``praxcloud.core.fields.rewrite_all`` stores every
    row again under the current codec, in one transaction. A hook that
    raises makes the tenant unavailable (503).
    """


@hookspec
def praxcloud_audit_event(request: Request, event: AuditEvent) -> None:
    """An audit event was written; ``event`` is the ``AuditEvent`` row.

    For sinks such as the ledger. ``request`` is the tenant-bound request
    (a scripted one in CLI commands and tasks). A tenant whose enabled plugins
    implement this hook gets every event written in its request, record views
    too (which are otherwise written in batches): the hook sees each row, with
    its id, in the order of the trail.
    """


@hookspec
def praxcloud_erase_person(request: Request, email: str | None, user_id: int | None,
                           record_ids: list[int]) -> dict[str, int] | None:
    """Erase your plugin's rows about one person (right to be forgotten); return counts.

    Called by the anonymiser plugin's erasure, in the request's transaction,
    on the plugins the tenant enables, before the person's user account and
    records are deleted: ``email`` (lower case) is the address erased or
    ``None``, ``user_id`` their account's id or ``None``, ``record_ids`` the
    records about them. Delete (or blank) every row of yours that names them
    and answer ``{"your_table": rows_erased}``; answer ``None`` when you keep
    nothing per person. Raising refuses the whole erasure (nothing is erased).
    """
